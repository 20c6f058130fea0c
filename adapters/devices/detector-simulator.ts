import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import type { NetworkFile } from '../../network-models/index.js';
import { SyntheticDemand } from '../../network-models/index.js';
import { DEFAULT_BACKOFF, nextBackoffMs, type BackoffOptions } from './reconnect-backoff.js';

export interface DetectorSimulatorOptions {
  /** Server base URL, e.g. ws://127.0.0.1:8080 (the simulator appends /v1/detectors). */
  url: string;
  token: string;
  network: NetworkFile;
  /** Detectors to simulate; default every detector of the network. */
  detectorIds?: string[];
  /**
   * Counting interval, real seconds: each detector reports once per interval. Default 10. Below a few seconds,
   * two vehicles in one interval exceed what a lane can carry and the engine rightly rejects the count.
   */
  intervalSeconds?: number;
  /**
   * How fast the simulated time of day runs (1 = real time, 60 = an hour per minute). Timestamps stay real
   * (the engine runs on live time); only the demand level follows the simulated hour. Default 1.
   */
  speedup?: number;
  /** Simulated time of day at start, epoch ms (only its time of day matters); default now. */
  simulatedStartMs?: number;
  seed?: number;
  /** Demand multiplier (1 = a busy but unsaturated city). */
  scale?: number;
  /** Records per batch message; default 1000 (keep it under the server's maxBatchRecords). */
  batchSize?: number;
  backoff?: Partial<BackoffOptions>;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

export interface DetectorSimulatorStats {
  connected: boolean;
  intervals: number;
  countsSent: number;
  countsAccepted: number;
  countsRejected: number;
  /** Counts not sent because the server was unreachable (a detector without storage loses them). */
  countsLost: number;
  reconnects: number;
  /** Simulated time of day of the last interval, epoch ms. */
  simulatedMs: number;
}

/**
 * Detectors as devices: every `intervalSeconds` they report the vehicles counted (synthetic demand through the
 * day, with a morning peak heading one way and an evening peak the other) over a real socket, in batches, and
 * reconnect with jittered backoff when the server goes away.
 */
export function createDetectorSimulator(options: DetectorSimulatorOptions) {
  const log = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const interval = options.intervalSeconds ?? 10;
  const speedup = options.speedup ?? 1;
  const batchSize = options.batchSize ?? 1000;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const only = options.detectorIds ? new Set(options.detectorIds) : undefined;
  const demand = new SyntheticDemand(options.network, { seed: options.seed ?? 1, scale: options.scale ?? 1 });
  const realStartMs = now();
  const simStartMs = options.simulatedStartMs ?? realStartMs;
  const stats: DetectorSimulatorStats = { connected: false, intervals: 0, countsSent: 0, countsAccepted: 0, countsRejected: 0, countsLost: 0, reconnects: 0, simulatedMs: simStartMs };
  let ws: WebSocket | undefined;
  let stopped = false;
  let attempt = 0;
  let batchSeq = 0;
  let tickTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  // this is our public API:
  return {
    start(): void {
      connect();
      tickTimer = setInterval(tick, interval * 1000);
      tickTimer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(tickTimer);
      clearTimeout(retryTimer);
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        const closed = new Promise<void>((resolve) => ws!.once('close', () => resolve()));
        ws.close(1000, 'detectors stopping');
        setTimeout(() => ws?.terminate(), 1000).unref();
        await closed;
      }
    },
    /** Sends one interval now (also what the timer does). */
    tick,
    stats(): Readonly<DetectorSimulatorStats> {
      return stats;
    },
  };

  function tick(): void {
    const endMs = now();
    const simMs = simStartMs + (endMs - realStartMs) * speedup;
    stats.simulatedMs = simMs;
    stats.intervals++;
    let counts = demand.countsAt(simMs, interval).map((c) => ({ ...c, timestamp: endMs }));
    if (only) counts = counts.filter((c) => only.has(c.detectorId));
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      stats.countsLost += counts.length;
      return;
    }
    for (let i = 0; i < counts.length; i += batchSize) {
      const batch = counts.slice(i, i + batchSize);
      ws.send(JSON.stringify({ type: 'batch', id: `b${++batchSeq}`, counts: batch }));
      stats.countsSent += batch.length;
    }
  }

  function connect(): void {
    if (stopped) return;
    const socket = new WebSocket(`${options.url.replace(/\/$/, '')}/v1/detectors`, { headers: { authorization: `Bearer ${options.token}` } });
    ws = socket;
    socket.on('open', () => {
      stats.connected = true;
      attempt = 0;
      log.debug({ detectors: only?.size ?? options.network.detectors.length, intervalSeconds: interval, speedup }, 'detectors connected');
    });
    socket.on('message', (data) => {
      let m: { type?: string; accepted?: number; rejected?: number; errors?: Array<{ code: string; field: string; reason: string }>; code?: string; reason?: string };
      try {
        m = JSON.parse(String(data));
      } catch {
        return;
      }
      if (m.type === 'result') {
        stats.countsAccepted += m.accepted ?? 0;
        stats.countsRejected += m.rejected ?? 0;
        if (m.errors?.length) log.warn({ first: m.errors[0] }, `${m.rejected} counts rejected`);
      } else if (m.type === 'error') log.warn({ code: m.code }, `server rejected a message: ${m.reason}`);
    });
    socket.on('unexpected-response', (_req, res) => {
      log.error({ status: res.statusCode }, 'detectors refused by the server');
      res.resume();
      socket.terminate();
    });
    socket.on('error', (err) => log.debug({ err: err.message }, 'detector socket error'));
    socket.on('close', (code) => {
      if (stats.connected && !stopped) log.warn({ code }, 'detectors lost the server');
      stats.connected = false;
      if (stopped) return;
      retryTimer = setTimeout(() => {
        stats.reconnects++;
        connect();
      }, nextBackoffMs(attempt++, backoff, random));
      retryTimer.unref();
    });
  }
}

export type DetectorSimulator = ReturnType<typeof createDetectorSimulator>;
