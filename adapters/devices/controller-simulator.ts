import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import { fallbackPhasePlan } from '../../engine/index.js';
import type { PhasePlan } from '../../engine/index.js';
import type { Intersection, NetworkFile } from '../../network-models/index.js';
import { planRejectionReason, type SignalState } from './signal-timeline.js';
import { SimulatedSignal } from './simulated-signal.js';
import { nextBackoffMs, type BackoffOptions, DEFAULT_BACKOFF } from './reconnect-backoff.js';
import { ConnectionProblemLog, connectionErrorReason, formatRefusal, readRefusal, type Refusal } from './connection-problems.js';

export interface ControllerSimulatorOptions {
  /** Server base URL, e.g. ws://127.0.0.1:8080 (the simulator appends /v1/controllers). */
  url: string;
  token: string;
  network: NetworkFile;
  /** Intersections this controller runs (one cabinet usually runs one). */
  intersectionIds: string[];
  /** Defaults to the token's subject on the server. */
  controllerId?: string;
  /** Engine unreachable for longer than this: run the local time-of-day plan. Default 120 s. */
  backupSeconds?: number;
  /** No ping or message from the server for this long: the link is presumed dead. Default: 2.5 × the server's heartbeat interval. */
  silenceTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** The controller's clock (the plans run on it); default Date.now. */
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

export type ControllerMode = 'engine' | 'fallback';

export interface ControllerStatus {
  connected: boolean;
  mode: ControllerMode;
  reconnects: number;
  plansAccepted: number;
  plansRejected: number;
  /** Plan each intersection runs, and what it shows now. */
  intersections: Array<{ intersectionId: string; planVersion: number; planSource: PhasePlan['source']; signal: SignalState }>;
}

/**
 * A signal controller as a device: connects over a real socket, says which intersections it runs, runs the
 * plans it receives on its own clock after checking them against its local settings, acknowledges each
 * (accepted, or rejected with the reason), reconnects with jittered exponential backoff, and runs its local
 * time-of-day plan when the engine has been gone for longer than `backupSeconds`.
 */
export function createControllerSimulator(options: ControllerSimulatorOptions) {
  const log = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const backupMs = (options.backupSeconds ?? 120) * 1000;
  const intersections = new Map<string, Intersection>();
  for (const id of options.intersectionIds) {
    const x = options.network.intersections.find((i) => i.id === id);
    if (!x || x.control !== 'signalized') throw new Error(`controller simulator: no signalized intersection ${id} in network ${options.network.name}`);
    intersections.set(id, x);
  }
  const timeZone = options.network.timeZone;
  const plans = new Map<string, PhasePlan>();
  /** What each signal shows: the engine's actuation module running the plan in force. */
  const signals = new Map<string, SimulatedSignal>();
  const runPlan = (plan: PhasePlan) => {
    plans.set(plan.intersectionId, plan);
    const running = signals.get(plan.intersectionId);
    if (running) running.offer(plan);
    else signals.set(plan.intersectionId, new SimulatedSignal(intersections.get(plan.intersectionId)!, plan, now()));
  };
  for (const x of intersections.values()) runPlan(fallbackPhasePlan(x, now(), timeZone));
  let mode: ControllerMode = 'fallback';
  let ws: WebSocket | undefined;
  let connected = false;
  let stopped = false;
  /** Refused for a reason that asking again cannot change: no more attempts. */
  let refusedForGood = false;
  const url = `${options.url.replace(/\/$/, '')}/v1/controllers`;
  const problems = new ConnectionProblemLog();
  let attempt = 0;
  let reconnects = 0;
  let plansAccepted = 0;
  let plansRejected = 0;
  let lostAtMs = now();
  /** Whether the fallback plan runs because the engine was lost (not merely not reached yet). */
  let ranBackup = false;
  let silenceMs = options.silenceTimeoutMs ?? 75_000;
  let silenceTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const backupTimer = setInterval(checkBackup, Math.min(1000, Math.max(50, backupMs / 4)));
  backupTimer.unref();
  const listeners = new Set<(event: ControllerEvent) => void>();

  // this is our public API:
  return {
    start(): void {
      connect();
    },
    /** Closes the connection and stops reconnecting. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(backupTimer);
      clearTimeout(retryTimer);
      clearTimeout(silenceTimer);
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        const closed = new Promise<void>((resolve) => ws!.once('close', () => resolve()));
        ws.close(1000, 'controller stopping');
        setTimeout(() => ws?.terminate(), 1000).unref();
        await closed;
      }
    },
    status(): ControllerStatus {
      const t = now();
      return {
        connected,
        mode,
        reconnects,
        plansAccepted,
        plansRejected,
        intersections: [...plans.values()].map((p) => ({ intersectionId: p.intersectionId, planVersion: p.version, planSource: p.source, signal: signals.get(p.intersectionId)!.stateAt(t) })),
      };
    },
    on(listener: (event: ControllerEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Cuts the link without a close handshake, as a network fault would (for tests and demos). */
    cutLink(): void {
      ws?.terminate();
    },
  };

  function connect(): void {
    if (stopped) return;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${options.token}` } });
    ws = socket;
    socket.on('open', () => {
      const runningVersions: Record<string, number> = {};
      // In fallback the controller runs its own plan, not an engine one: it asks for the newest by not naming one.
      if (mode === 'engine') for (const p of plans.values()) runningVersions[p.intersectionId] = p.version;
      socket.send(JSON.stringify({ type: 'hello', intersectionIds: [...intersections.keys()], ...(options.controllerId ? { controllerId: options.controllerId } : {}), runningVersions }));
      touch();
    });
    socket.on('ping', touch);
    socket.on('message', (data) => {
      touch();
      onMessage(String(data));
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
      if (problems.shouldSay(reason)) log.warn({ attempt: attempt + 1 }, `controller ${reason}; retrying`);
    });
    socket.on('close', (code, reason) => {
      clearTimeout(silenceTimer);
      if (connected && !stopped) {
        lostAtMs = now();
        log.warn({ code, reason: reason.toString() }, 'controller lost the engine');
        emit({ type: 'disconnected', code });
      }
      connected = false;
      if (stopped) return;
      if (refusal) void refusal.then(onRefused);
      else retry();
    });
  }

  /** The server said no: say why; asking again with the same token cannot help when the refusal is permanent. */
  function onRefused(r: Refusal): void {
    emit({ type: 'refused', status: r.status, code: r.code, reason: r.reason, permanent: r.permanent });
    if (r.permanent) {
      // the cabinet keeps running its local time-of-day plan; it only stops asking
      log.error({ status: r.status, code: r.code }, `controller ${formatRefusal(r)}; not retrying`);
      refusedForGood = true;
      return;
    }
    if (problems.shouldSay(formatRefusal(r))) log.warn({ status: r.status, code: r.code }, `controller ${formatRefusal(r)}; retrying`);
    retry();
  }

  function retry(): void {
    if (stopped || refusedForGood) return;
    const delay = nextBackoffMs(attempt++, backoff, random);
    retryTimer = setTimeout(() => {
      reconnects++;
      connect();
    }, delay);
    retryTimer.unref();
  }

  function onMessage(text: string): void {
    let m: { type?: string; plan?: PhasePlan; heartbeatIntervalMs?: number; code?: string; reason?: string; field?: string };
    try {
      m = JSON.parse(text);
    } catch {
      return log.warn('controller received a message that is not JSON');
    }
    if (m.type === 'welcome') {
      connected = true;
      attempt = 0;
      problems.clear();
      if (options.silenceTimeoutMs === undefined && m.heartbeatIntervalMs) silenceMs = m.heartbeatIntervalMs * 2.5;
      touch();
      log.debug({ intersections: [...intersections.keys()] }, 'controller connected to the engine');
      emit({ type: 'connected' });
    } else if (m.type === 'plan' && m.plan) onPlan(m.plan);
    else if (m.type === 'error') log.warn({ code: m.code, field: m.field }, `engine reported: ${m.reason}`);
  }

  function onPlan(plan: PhasePlan): void {
    const x = intersections.get(plan.intersectionId);
    const reason = x ? planRejectionReason(plan, x) : `this controller does not run ${plan.intersectionId}`;
    ack(plan, reason);
    if (reason) {
      plansRejected++;
      log.warn({ intersectionId: plan.intersectionId, version: plan.version, reason }, 'controller rejected a plan');
      emit({ type: 'plan-rejected', plan, reason });
      return;
    }
    plansAccepted++;
    const was = mode;
    runPlan(plan);
    mode = 'engine';
    if (was === 'fallback') (ranBackup ? log.info : log.debug).call(log, 'controller runs engine plans');
    ranBackup = false;
    log.debug({ intersectionId: plan.intersectionId, version: plan.version, cycleSeconds: plan.cycleSeconds }, 'controller runs a new plan');
    emit({ type: 'plan-accepted', plan });
  }

  function ack(plan: PhasePlan, reason: string | undefined): void {
    const message = { type: 'ack', intersectionId: plan.intersectionId, version: plan.version, status: reason ? 'rejected' : 'accepted', ...(reason ? { reason } : {}) };
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  /** Any sign of life from the server restarts the silence timer. */
  function touch(): void {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      log.warn({ silenceMs }, 'no word from the engine: presuming the link dead');
      ws?.terminate();
    }, silenceMs);
    silenceTimer.unref();
  }

  function checkBackup(): void {
    if (connected || mode === 'fallback' || now() - lostAtMs < backupMs) return;
    mode = 'fallback';
    ranBackup = true;
    for (const x of intersections.values()) runPlan(fallbackPhasePlan(x, now(), timeZone));
    log.warn({ backupSeconds: backupMs / 1000 }, 'engine gone longer than the backup time: running the local time-of-day plan');
    emit({ type: 'fallback' });
  }

  function emit(event: ControllerEvent): void {
    for (const l of listeners) l(event);
  }
}

export type ControllerEvent =
  | { type: 'connected' }
  | { type: 'disconnected'; code: number }
  /** The server refused the connection; permanent: the controller has stopped (a bad token, the wrong role). */
  | { type: 'refused'; status: number; code?: string; reason: string; permanent: boolean }
  | { type: 'plan-accepted'; plan: PhasePlan }
  | { type: 'plan-rejected'; plan: PhasePlan; reason: string }
  | { type: 'fallback' };

export type ControllerSimulator = ReturnType<typeof createControllerSimulator>;
