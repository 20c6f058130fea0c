import { TraciError, type TraciErrorCode } from '../traci/traci-error.js';
import type { SubscriptionResult } from '../traci/traci-protocol.js';
import type { TraciValue } from '../traci/traci-storage.js';
import type { SubscriptionStore } from '../traci/traci-transport.js';
import type { SumoClient } from '../sumo-client.js';
import type { LibsumoAddon } from './libsumo-addon.js';
import { LibsumoInductionLoop, LibsumoLane, LibsumoSimulation, LibsumoTrafficLight, type LibsumoCalls } from './libsumo-domains.js';

/** How the addon's error codes map onto the TraCI client's (a rejected command stays recoverable, as over TraCI). */
const ERROR_CODES: Record<string, TraciErrorCode> = {
  GW_ERR_LIBSUMO_COMMAND: 'GW_ERR_TRACI_COMMAND',
  GW_ERR_LIBSUMO_ARGUMENT: 'GW_ERR_TRACI_COMMAND',
  GW_ERR_LIBSUMO_NOT_RUNNING: 'GW_ERR_TRACI_CLOSED',
  GW_ERR_LIBSUMO_BUSY: 'GW_ERR_LIBSUMO_BUSY',
  GW_ERR_LIBSUMO_START: 'GW_ERR_SUMO_START',
  GW_ERR_LIBSUMO_FATAL: 'GW_ERR_SUMO_EXITED',
};

/** A libsumo step never waits for anything: this often, the run lets the event loop go round (timers, signals, I/O). */
const YIELD_EVERY_STEPS = 200;

const NO_ERRORS: Map<number, string> = new Map();

interface Queued {
  run: (addon: LibsumoAddon) => void;
  what: string;
}

/** The error an addon call threw, as a TraciError. */
export function libsumoError(e: unknown): TraciError {
  if (e instanceof TraciError) return e;
  const code = ERROR_CODES[(e as { code?: string }).code ?? ''] ?? 'GW_ERR_SUMO_EXITED';
  return new TraciError(code, (e as Error).message ?? String(e));
}

/**
 * SUMO in this process through libsumo, with the TraCI client's interface and semantics: set commands (and queued
 * gets) run in order just before the next step or request, subscribed values are refreshed by every step (only the
 * objects whose values changed get a new result object), a rejected queued command is thrown after the step ran.
 * libsumo holds one simulation per process: `start` refuses a second one while this one runs.
 */
export class LibsumoClient implements SumoClient, LibsumoCalls {
  readonly subscriptions: SubscriptionStore = new Map();
  readonly simulation: LibsumoSimulation;
  readonly inductionLoop: LibsumoInductionLoop;
  readonly trafficLight: LibsumoTrafficLight;
  readonly lane: LibsumoLane;
  private queue: Queued[] = [];
  private changed: readonly SubscriptionResult[] = [];
  /** The latest result of each subscribed object, by the addon's slot index, and the variables of each slot. */
  private readonly results: SubscriptionResult[] = [];
  private readonly slotVariables: Array<readonly number[]> = [];
  private isClosed = false;
  private steps = 0;

  private constructor(private readonly addon: LibsumoAddon) {
    this.simulation = new LibsumoSimulation(this);
    this.inductionLoop = new LibsumoInductionLoop(this);
    this.trafficLight = new LibsumoTrafficLight(this);
    this.lane = new LibsumoLane(this);
  }

  /** Starts SUMO with its command line (no program name). Throws GW_ERR_LIBSUMO_BUSY while another run is active here. */
  static start(addon: LibsumoAddon, args: readonly string[]): LibsumoClient {
    try {
      addon.start(args);
    } catch (e) {
      const err = libsumoError(e);
      if (err.code === 'GW_ERR_LIBSUMO_BUSY') throw err;
      throw new TraciError('GW_ERR_SUMO_START', `SUMO (libsumo) did not start: ${err.message.trim()}`);
    }
    return new LibsumoClient(addon);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get lastStepChanged(): readonly SubscriptionResult[] {
    return this.changed;
  }

  /** Commands queued for the next step or request. */
  get queuedCommands(): number {
    return this.queue.length;
  }

  /** Queues `run` (an addon call) for the next step or request; `what` names it in SUMO's rejection. */
  enqueue(what: string, run: (addon: LibsumoAddon) => void): void {
    this.queue.push({ run, what });
  }

  /** Runs the queued commands, then one get, as a TraCI request would. */
  get(getCommand: number, variable: number, objectId: string): TraciValue {
    const queuedError = this.runQueued();
    const value = this.call(() => this.addon.get(getCommand, variable, objectId));
    if (queuedError) throw queuedError;
    return value;
  }

  /** Subscribes every object to the same variables for the whole run; their current values are stored at once. */
  async subscribe(getCommand: number, responseId: number, objectIds: readonly string[], variables: readonly number[]): Promise<void> {
    const queuedError = this.runQueued();
    const flat = this.call(() => this.addon.subscribe(getCommand, objectIds, variables));
    for (let i = 0, k = 0; i < flat.length; k++) {
      const slot = flat[i++] as number;
      const values = new Map<number, TraciValue>();
      for (const v of variables) values.set(v, flat[i++]);
      this.slotVariables[slot] = variables;
      this.keep(slot, { responseId, objectId: objectIds[k], values, errors: NO_ERRORS });
    }
    if (queuedError) throw queuedError;
  }

  async sendQueued(): Promise<void> {
    const queuedError = this.runQueued();
    if (queuedError) throw queuedError;
  }

  /**
   * Runs the queued commands and a step, synchronously at the call (so steps called one after the other run in
   * that order), and stores the values that changed.
   */
  async step(targetSeconds = 0): Promise<SubscriptionResult[]> {
    const queuedError = this.runQueued();
    const flat = this.call(() => this.addon.step(targetSeconds));
    const changed: SubscriptionResult[] = [];
    for (let i = 0; i < flat.length; ) {
      const slot = flat[i++] as number;
      const previous = this.results[slot];
      const values = new Map<number, TraciValue>();
      for (const v of this.slotVariables[slot]) values.set(v, flat[i++]);
      const result = { responseId: previous.responseId, objectId: previous.objectId, values, errors: NO_ERRORS };
      this.keep(slot, result);
      changed.push(result);
    }
    this.changed = changed;
    const results = this.results.slice();
    if (++this.steps % YIELD_EVERY_STEPS === 0) await new Promise((resolve) => setImmediate(resolve));
    if (queuedError) throw queuedError;
    return results;
  }

  /** Runs what is queued, then ends the simulation (SUMO writes its outputs). Never throws. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    try {
      this.runQueued();
    } catch {
      // closing is best effort, as over TraCI
    }
    this.destroy();
  }

  /** Ends the simulation now; queued commands are dropped. */
  destroy(): void {
    this.queue = [];
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      this.addon.close();
    } catch {
      // SUMO failed while closing: nothing left to end
    }
  }

  private call<T>(f: () => T): T {
    if (this.isClosed) throw new TraciError('GW_ERR_TRACI_CLOSED', 'the libsumo simulation is closed');
    try {
      return f();
    } catch (e) {
      throw libsumoError(e);
    }
  }

  /** Runs the queued commands in order; returns the first SUMO rejected (the others still run), throws a fatal error. */
  private runQueued(): TraciError | null {
    if (this.queue.length === 0) return null;
    const queued = this.queue;
    this.queue = [];
    let first: TraciError | null = null;
    for (const q of queued) {
      try {
        this.call(() => q.run(this.addon));
      } catch (e) {
        const err = e as TraciError;
        if (err.fatal) throw err;
        first ??= new TraciError(err.code, `${q.what}: ${err.message}`);
      }
    }
    return first;
  }

  private keep(slot: number, result: SubscriptionResult): void {
    this.results[slot] = result;
    let byObject = this.subscriptions.get(result.responseId);
    if (!byObject) {
      byObject = new Map();
      this.subscriptions.set(result.responseId, byObject);
    }
    byObject.set(result.objectId, result.values);
  }
}
