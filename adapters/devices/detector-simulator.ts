import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import type { NetworkFile } from '../../network-models/index.js';
import { SyntheticDemand } from '../../network-models/index.js';
import { DEFAULT_BACKOFF, nextBackoffMs, type BackoffOptions } from './reconnect-backoff.js';
import { ConnectionProblemLog, connectionErrorReason, formatRefusal, readRefusal, type Refusal } from './connection-problems.js';

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
   * How fast the simulated time of day runs (1 = real time, 60 = an hour per minute). Default 1. The demand
   * follows the simulated hour; see `timestamps` for the clock the counts are stamped in.
   */
  speedup?: number;
  /** Simulated time of day at start, epoch ms; default now. */
  simulatedStartMs?: number;
  /**
   * The simulated clock, epoch ms; default `simulatedStartMs` + real time elapsed × `speedup`. Share it with the
   * server (its `engineTimeMs`) when counts are stamped in simulated time.
   */
  simulatedClock?: () => number;
  /**
   * 'simulated': `intervalSeconds` is simulated time: each detector counts every `intervalSeconds` of simulated
   * time from `simulatedStartMs`, stamped in it, and reports each count as it completes (every
   * `intervalSeconds` / `speedup` real seconds), so that the engine, on the same simulated clock, sees what a
   * `synth-counts` file of that morning gives. 'real' (default): real intervals stamped with the real time; only
   * the demand level follows the simulated hour.
   */
  timestamps?: 'real' | 'simulated';
  seed?: number;
  /** Demand multiplier (1 = a busy but unsaturated city). */
  scale?: number;
  /** Records per batch message; default 1000 (keep it under the server's maxBatchRecords). */
  batchSize?: number;
  /**
   * Counts kept while the server is unreachable, sent in order when it is back; the oldest are dropped beyond
   * it (counted as lost). Default 20,000: some 12 minutes of the demo city's 272 detectors at 10-s intervals.
   */
  maxBacklogCounts?: number;
  /** Pace of sending a backlog, records per second (keep it under the server's maxRecordsPerSecond). Default 4,000. */
  backlogRecordsPerSecond?: number;
  /** Called once when the server refuses the detectors for good (a bad token, the wrong role): they have stopped. */
  onRefused?: (refusal: Refusal) => void;
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
  /** Counts dropped, oldest first, because the backlog kept while the server was unreachable was full. */
  countsLost: number;
  /** Counts waiting to be sent (kept while the server is unreachable, bounded by maxBacklogCounts). */
  countsBacklog: number;
  /** The last reason a connection failed, while it is failing. */
  problem?: string;
  /** Set when the server refused the detectors for good: they have stopped. */
  refused?: Refusal;
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
  const simulatedNow = options.simulatedClock ?? (() => simStartMs + (now() - realStartMs) * speedup);
  const simulatedStamps = options.timestamps === 'simulated';
  /** With simulated timestamps: the end of the next count, simulated epoch ms. */
  let nextCountEndMs = simStartMs + interval * 1000;
  /** Real time between reports, ms (a fast simulated clock is read at least every 10 ms). */
  const reportEveryMs = simulatedStamps ? Math.max(10, (interval * 1000) / speedup) : interval * 1000;
  const maxBacklog = options.maxBacklogCounts ?? 20_000;
  const backlogRate = options.backlogRecordsPerSecond ?? 4000;
  const url = `${options.url.replace(/\/$/, '')}/v1/detectors`;
  const problems = new ConnectionProblemLog();
  const stats: DetectorSimulatorStats = { connected: false, intervals: 0, countsSent: 0, countsAccepted: 0, countsRejected: 0, countsLost: 0, countsBacklog: 0, reconnects: 0, simulatedMs: simStartMs };
  /** Counts not yet sent, oldest first. */
  let backlog: Array<Record<string, unknown>> = [];
  /** Token bucket pacing the backlog (real time, whatever clock the counts are stamped with). */
  let sendTokens = backlogRate;
  let tokensAtMs = performance.now();
  let pumpTimer: NodeJS.Timeout | undefined;
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
      tickTimer = setInterval(tick, reportEveryMs);
      tickTimer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(tickTimer);
      clearTimeout(retryTimer);
      clearTimeout(pumpTimer);
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
    const simMs = simulatedNow();
    stats.simulatedMs = simMs;
    stats.intervals++;
    if (stats.refused) return;
    let counts: Array<Record<string, unknown>> = [];
    if (!simulatedStamps) counts = demand.countsAt(simMs, interval).map((c) => ({ ...c, timestamp: endMs }));
    else
      for (; nextCountEndMs <= simMs; nextCountEndMs += interval * 1000) for (const c of demand.countsAt(nextCountEndMs, interval)) counts.push({ ...c });
    if (only) counts = counts.filter((c) => only.has(c.detectorId as string));
    backlog.push(...counts);
    if (backlog.length > maxBacklog) {
      const dropped = backlog.length - maxBacklog;
      backlog = backlog.slice(dropped);
      stats.countsLost += dropped;
    }
    stats.countsBacklog = backlog.length;
    send();
  }

  /** Sends what waits, oldest first, in batches, as fast as the pace allows; the rest on the next turn. */
  function send(): void {
    clearTimeout(pumpTimer);
    pumpTimer = undefined;
    if (!ws || ws.readyState !== WebSocket.OPEN || backlog.length === 0) return;
    const t = performance.now();
    sendTokens = Math.min(backlogRate, sendTokens + ((t - tokensAtMs) * backlogRate) / 1000);
    tokensAtMs = t;
    let sent = 0;
    while (sent < backlog.length && sendTokens >= Math.min(batchSize, backlog.length - sent)) {
      const batch = backlog.slice(sent, sent + batchSize);
      ws.send(JSON.stringify({ type: 'batch', id: `b${++batchSeq}`, counts: batch }));
      sent += batch.length;
      sendTokens -= batch.length;
    }
    backlog = sent === backlog.length ? [] : backlog.slice(sent);
    stats.countsSent += sent;
    stats.countsBacklog = backlog.length;
    if (backlog.length > 0) {
      pumpTimer = setTimeout(send, 250);
      pumpTimer.unref();
    }
  }

  function connect(): void {
    if (stopped) return;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${options.token}` } });
    ws = socket;
    socket.on('open', () => {
      stats.connected = true;
      attempt = 0;
      stats.problem = undefined;
      problems.clear();
      if (backlog.length > 0) log.info({ backlog: backlog.length, lost: stats.countsLost }, `detectors connected: sending ${backlog.length} counts kept while the server was away`);
      else log.debug({ detectors: only?.size ?? options.network.detectors.length, intervalSeconds: interval, speedup }, 'detectors connected');
      send();
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
    let refusal: Promise<Refusal> | undefined;
    socket.on('unexpected-response', (_req, res) => {
      refusal = readRefusal(res).then((r) => {
        socket.terminate();
        return r;
      });
    });
    socket.on('error', (err: Error & { code?: string }) => {
      const reason = connectionErrorReason(err, url);
      stats.problem = reason;
      if (problems.shouldSay(reason)) log.warn({ attempt: attempt + 1, backlog: backlog.length }, `detectors: ${reason}; keeping counts and retrying`);
    });
    socket.on('close', (code) => {
      if (stats.connected && !stopped) log.warn({ code }, 'detectors lost the server: keeping counts until it is back');
      stats.connected = false;
      if (stopped) return;
      if (refusal) void refusal.then(onRefused);
      else retry();
    });
  }

  /** The server said no: say why; with the same token asking again cannot help when the refusal is permanent. */
  function onRefused(r: Refusal): void {
    stats.problem = formatRefusal(r);
    if (r.permanent) {
      stats.refused = r;
      log.error({ status: r.status, code: r.code }, `detectors ${formatRefusal(r)}; not retrying`);
      clearInterval(tickTimer);
      options.onRefused?.(r);
      return;
    }
    if (problems.shouldSay(stats.problem)) log.warn({ status: r.status, code: r.code }, `detectors ${stats.problem}; retrying`);
    retry();
  }

  function retry(): void {
    if (stopped) return;
    retryTimer = setTimeout(() => {
      stats.reconnects++;
      connect();
    }, nextBackoffMs(attempt++, backoff, random));
    retryTimer.unref();
  }
}

export type DetectorSimulator = ReturnType<typeof createDetectorSimulator>;
