import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { afterEach } from 'vitest';
import { buildGridNetwork } from '../../network-models/demo/build-grid-network.js';
import type { NetworkFile } from '../../network-models/network-types.js';
import { VirtualClockScheduler } from '../../engine/pipeline/virtual-clock-scheduler.js';
import { createGreenwaveServer, type GreenwaveServerOptions } from '../../adapters/websocket/greenwave-server.js';
import { mintToken, type Role } from '../../adapters/websocket/tokens.js';

/** 32 random bytes, base64url (as `greenwave token --new-secret` prints). */
export const SECRET = 'jI7VrpE9BSluuTUkTcNuSeu3qCOfdbm02QTK3uuM_oM';
/** Engine clock of the tests: Monday 23 Nov 2026, 08:00 UTC (morning peak). */
export const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

/**
 * Two signals on a main street, 250 m apart:
 *
 *     ──IA1────IA2──   (row A = main street: three lanes each way, three phases)
 *        │      │
 */
export function twoSignalStreet(): NetworkFile {
  return buildGridNetwork({
    name: 'test: two signals',
    columns: 2,
    rows: 1,
    spacingMetres: 250,
    mainStreetRows: [0],
    speedMetresPerSecond: 13.9,
    sideSpeedMetresPerSecond: 11.1,
    boundaryLinkMetres: 200,
    advanceDetectorMetres: 60,
    timeZone: 'UTC',
  });
}

export function token(role: Role, scope: string[] = ['*'], sub = `${role}-1`, exp?: number): string {
  return mintToken(SECRET, { sub, role, scope, ...(exp !== undefined ? { exp } : {}) });
}

/** A server on an ephemeral 127.0.0.1 port with a virtual engine clock the test moves. */
export async function startServer(overrides: Partial<GreenwaveServerOptions> = {}, startMs = T0) {
  const scheduler = new VirtualClockScheduler(startMs);
  const network = overrides.network ?? twoSignalStreet();
  // Versions from 0 keep the expectations readable; test/websocket/plan-versions.test.ts covers the default epoch base.
  // Every server timer runs on this virtual clock. A jump of the clock is like a frozen server: clients cannot answer
  // pings during it, so heartbeats are off (24 h) unless a test sets them.
  const server = createGreenwaveServer({
    network,
    secret: SECRET,
    port: 0,
    scheduler,
    engine: { optimisationPeriodSeconds: 60 },
    planVersionBase: 0,
    ...overrides,
    limits: { heartbeatIntervalMs: 86_400_000, ...overrides.limits },
  });
  const address = await server.listen();
  return { server, scheduler, network, address, wsUrl: address.wsUrl, httpUrl: address.httpUrl };
}

/** A WebSocket client that queues every message, so a test can await the next one matching a predicate. */
export class TestClient {
  readonly messages: any[] = [];
  private waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private cursor = 0;
  closed: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      this.messages.push(m);
      for (const w of [...this.waiters])
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.resolve(m);
        }
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async connect(url: string, tok?: string): Promise<TestClient> {
    const ws = new WebSocket(url, tok ? { headers: { authorization: `Bearer ${tok}` } } : {});
    const client = new TestClient(ws);
    await once(ws, 'open');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (received already or later) after the ones consumed so far that matches. */
  next<T = any>(match: (m: any) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    for (let i = this.cursor; i < this.messages.length; i++)
      if (match(this.messages[i])) {
        this.cursor = i + 1;
        return Promise.resolve(this.messages[i]);
      }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5)).slice(0, 800)}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          this.cursor = this.messages.length;
          resolve(m);
        },
        reject,
        timer,
      });
    });
  }

  nextOfType<T = any>(type: string, timeoutMs?: number): Promise<T> {
    return this.next<T>((m) => m.type === type, timeoutMs);
  }

  async closedWith(): Promise<{ code: number; reason: string }> {
    if (!this.closed) await once(this.ws, 'close');
    return this.closed!;
  }

  close(): void {
    this.ws.close();
  }
}

/** Attempts an upgrade and returns the HTTP refusal (status and JSON body), or throws if the socket opened. */
export async function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.on('open', () => {
      ws.close();
      reject(new Error('socket opened'));
    });
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.on('error', () => {});
  });
}

/** Counts for every detector of the network, one interval ending at `endMs`. */
export function countsFor(network: NetworkFile, endMs: number, count: (detectorId: string) => number, intervalSeconds = 60) {
  return network.detectors.map((d) => ({ detectorId: d.id, timestamp: endMs, count: count(d.id), intervalSeconds, occupancy: 0.2 }));
}

/**
 * A server per test, closed after it with every client the test connected (`closeClient` decides how: a clean
 * close, or `terminate()` for tests whose sockets may be half-open).
 */
export function serverPerTest(closeClient: (c: TestClient) => void = (c) => c.close()) {
  let current: Awaited<ReturnType<typeof startServer>> | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) closeClient(c);
    await current?.server.close();
    current = undefined;
  });
  return {
    async start(overrides: Partial<GreenwaveServerOptions> = {}, startMs = T0) {
      await current?.server.close();
      current = await startServer(overrides, startMs);
      return current;
    },
    async connect(path: string, tok?: string): Promise<TestClient> {
      const c = await TestClient.connect(`${current!.wsUrl}${path}`, tok);
      clients.push(c);
      return c;
    },
  };
}
