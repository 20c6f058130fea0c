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

/**
 * One TCP connection to SUMO: frames messages and answers, one request in flight at a time.
 * Any socket failure rejects the pending request and every later one with a fatal error.
 */
export class TraciConnection {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private pending: { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private failure: TraciError | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly requestTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (e) => this.fail(new TraciError('GW_ERR_TRACI_CLOSED', `TraCI connection error: ${e.message}`)));
    socket.on('close', () => this.fail(new TraciError('GW_ERR_TRACI_CLOSED', 'SUMO closed the TraCI connection')));
  }

  static async connect(o: TraciConnectOptions): Promise<TraciConnection> {
    const host = o.host ?? '127.0.0.1';
    const deadline = Date.now() + (o.connectTimeoutMs ?? 20_000);
    let lastError = '';
    for (;;) {
      try {
        const socket = await openSocket(host, o.port);
        return new TraciConnection(socket, o.requestTimeoutMs ?? 120_000);
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
    const run = async () => {
      if (this.failure) throw this.failure;
      return new TraciReader(await this.roundTrip(encodeMessage(commands)));
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Closes the socket; pending requests fail. */
  destroy(): void {
    this.fail(new TraciError('GW_ERR_TRACI_CLOSED', 'TraCI connection closed by the client'));
  }

  private roundTrip(message: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TraciError('GW_ERR_TRACI_TIMEOUT', `SUMO did not answer within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(message);
    });
  }

  private onData(d: Buffer): void {
    this.buffered.push(d);
    this.bufferedBytes += d.length;
    if (!this.pending || this.bufferedBytes < 4) return;
    const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [all];
    const total = all.readInt32BE(0);
    if (all.length < total) return;
    const body = all.subarray(4, total);
    const rest = all.subarray(total);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    const p = this.pending;
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve(body);
  }

  private fail(err: TraciError): void {
    if (this.failure) return;
    this.failure = err;
    if (this.pending) {
      clearTimeout(this.pending.timer);
      this.pending.reject(err);
      this.pending = null;
    }
    this.socket.destroy();
  }
}

function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
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
