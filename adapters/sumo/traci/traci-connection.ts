import { Socket, connect } from 'node:net';
import { TraciError } from './traci-error.js';
import { TraciReader } from './traci-storage.js';
import { encodeMessage } from './traci-protocol.js';

export interface TraciConnectOptions {
  host?: string;
  port: number;
  /** Keep retrying refused connections (SUMO still starting) for this long. Default 20 000 ms. */
  connectTimeoutMs?: number;
  /** Delay between connection attempts. Default 100 ms. */
  retryDelayMs?: number;
  /** Longest wait for one answer before the connection is declared dead. Default 120 000 ms. */
  requestTimeoutMs?: number;
  /** Called before each retry; throw from it to abort (e.g. the SUMO process has exited). */
  onRetry?: () => void;
}

interface Request {
  resolve: (r: TraciReader) => void;
  reject: (e: Error) => void;
}

/** Size of the socket read buffer; answers longer than this are assembled across reads. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * One TCP connection to SUMO: frames messages and answers. Requests are written as they come; SUMO handles
 * messages one after the other and answers in order, so several may be in flight (a runner may send the next
 * simulation step before reading the last one's answer). Reads go straight into one reusable buffer (no stream
 * machinery per answer: a closed loop makes one round trip per simulation step). Any socket failure rejects
 * every pending request and every later one with a fatal error.
 */
export class TraciConnection {
  /** Bytes received and not yet consumed as answers. */
  private assembly = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private assembled = 0;
  /** Requests sent and not answered yet, oldest first. */
  private inFlight: Request[] = [];
  /** When the oldest request in flight started waiting for its answer. */
  private waitingSinceMs = 0;
  private failure: TraciError | null = null;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly socket: Socket,
    private readonly requestTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('error', (e) => this.fail(new TraciError('GW_ERR_TRACI_CLOSED', `TraCI connection error: ${e.message}`)));
    socket.on('close', () => this.fail(new TraciError('GW_ERR_TRACI_CLOSED', 'SUMO closed the TraCI connection')));
    // one timer for the connection's life, instead of one per request
    this.watchdog = setInterval(() => {
      if (this.inFlight.length > 0 && performance.now() - this.waitingSinceMs > this.requestTimeoutMs)
        this.fail(new TraciError('GW_ERR_TRACI_TIMEOUT', `SUMO did not answer within ${this.requestTimeoutMs} ms`));
    }, Math.max(10, Math.min(1000, requestTimeoutMs / 4)));
    this.watchdog.unref();
  }

  static async connect(o: TraciConnectOptions): Promise<TraciConnection> {
    const host = o.host ?? '127.0.0.1';
    const deadline = Date.now() + (o.connectTimeoutMs ?? 20_000);
    let lastError = '';
    for (;;) {
      let connection: TraciConnection | undefined;
      try {
        const socket = await openSocket(host, o.port, (nread, buf) => connection?.onRead(buf, nread));
        connection = new TraciConnection(socket, o.requestTimeoutMs ?? 120_000);
        return connection;
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() >= deadline)
        throw new TraciError('GW_ERR_TRACI_CONNECT', `could not connect to SUMO at ${host}:${o.port} within ${o.connectTimeoutMs ?? 20_000} ms: ${lastError}`);
      o.onRetry?.();
      await new Promise((r) => setTimeout(r, o.retryDelayMs ?? 100));
    }
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  /** Sends commands as one message; resolves with a reader over the answer (status and result per command). */
  request(commands: readonly Buffer[]): Promise<TraciReader> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<TraciReader>((resolve, reject) => {
      if (this.inFlight.length === 0) this.waitingSinceMs = performance.now();
      this.inFlight.push({ resolve, reject });
      this.socket.write(encodeMessage(commands));
    });
  }

  /** Closes the socket; pending requests fail. */
  destroy(): void {
    this.fail(new TraciError('GW_ERR_TRACI_CLOSED', 'TraCI connection closed by the client'));
  }

  private onRead(buf: Uint8Array, nread: number): void {
    if (this.assembled + nread > this.assembly.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.assembly.length * 2, this.assembled + nread));
      this.assembly.copy(bigger, 0, 0, this.assembled);
      this.assembly = bigger;
    }
    this.assembly.set(buf.subarray(0, nread), this.assembled);
    this.assembled += nread;
    while (this.inFlight.length > 0 && this.assembled >= 4) {
      const total = this.assembly.readInt32BE(0);
      if (total < 4) {
        this.fail(new TraciError('GW_ERR_TRACI_PROTOCOL', `TraCI answer with impossible length ${total}`));
        return;
      }
      if (this.assembled < total) {
        // grow now, so the rest of a long answer is copied once
        if (total > this.assembly.length) {
          const bigger = Buffer.allocUnsafe(total);
          this.assembly.copy(bigger, 0, 0, this.assembled);
          this.assembly = bigger;
        }
        return;
      }
      // a copy: the assembly buffer is reused, the answer's reader (and what keeps a view of it) is not
      const body = Buffer.from(this.assembly.subarray(4, total));
      this.assembly.copyWithin(0, total, this.assembled);
      this.assembled -= total;
      const req = this.inFlight.shift()!;
      this.waitingSinceMs = performance.now();
      req.resolve(new TraciReader(body));
    }
  }

  private fail(err: TraciError): void {
    if (this.failure) return;
    this.failure = err;
    clearInterval(this.watchdog);
    const pending = this.inFlight;
    this.inFlight = [];
    for (const p of pending) p.reject(err);
    this.socket.destroy();
  }
}

function openSocket(host: string, port: number, onRead: (nread: number, buf: Uint8Array) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (nread, buf) => (onRead(nread, buf), true) } });
    const onError = (e: Error) => {
      s.destroy();
      reject(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}
