import { CMD, TRACI_API_VERSION, SUBSCRIBE_FROM_START, SUBSCRIBE_UNTIL_END } from './traci-constants.js';
import { TraciConnection, type TraciConnectOptions } from './traci-connection.js';
import { TraciError } from './traci-error.js';
import { encodeCommand, readStatus, readVersionResponse, simStepCommand, subscribeCommand, readSubscriptionResult, type SubscriptionResult } from './traci-protocol.js';
import { StepResultCache } from './step-result-cache.js';
import type { TraciReader, TraciValue } from './traci-storage.js';
import type { SubscriptionStore, TraciTransport } from './traci-transport.js';
import { SimulationDomain } from './domains/simulation-domain.js';
import { InductionLoopDomain } from './domains/induction-loop-domain.js';
import { TrafficLightDomain } from './domains/traffic-light-domain.js';
import { LaneDomain } from './domains/lane-domain.js';
import type { SumoClient } from '../sumo-client.js';

export type { SubscriptionStore, TraciTransport } from './traci-transport.js';

/** The step command of almost every message: one simulation step. */
const ONE_STEP = simStepCommand(0);

interface QueuedCommand {
  command: Buffer;
  commandId: number;
  what: string;
  readResult?: (r: TraciReader) => void;
}

/**
 * TraCI client facade: one object per SUMO domain (simulation, inductionLoop, trafficLight, lane), sharing
 * one connection. Subscribed values are refreshed by every `step()`; set commands are pipelined with the next
 * message (normally the step), so a closed loop makes one round trip per simulation step.
 */
export class TraciClient implements TraciTransport, SumoClient {
  readonly subscriptions: SubscriptionStore = new Map();
  readonly simulation: SimulationDomain;
  readonly inductionLoop: InductionLoopDomain;
  readonly trafficLight: TrafficLightDomain;
  readonly lane: LaneDomain;
  private queue: QueuedCommand[] = [];
  private changed: readonly SubscriptionResult[] = [];
  private readonly stepResults = new StepResultCache();
  private messages = 0;

  private constructor(private readonly connection: TraciConnection) {
    this.simulation = new SimulationDomain(this);
    this.inductionLoop = new InductionLoopDomain(this);
    this.trafficLight = new TrafficLightDomain(this);
    this.lane = new LaneDomain(this);
  }

  /** Connects and checks that SUMO speaks the TraCI API level this client was written for. */
  static async connect(options: TraciConnectOptions & { expectedApiVersion?: number }): Promise<TraciClient> {
    const client = new TraciClient(await TraciConnection.connect(options));
    try {
      const v = await client.getVersion();
      const expected = options.expectedApiVersion ?? TRACI_API_VERSION;
      if (v.apiVersion !== expected)
        throw new TraciError(
          'GW_ERR_TRACI_VERSION',
          `SUMO '${v.sumoVersion}' speaks TraCI API ${v.apiVersion}; this client speaks API ${expected} (SUMO 1.15). Install SUMO 1.15 (Debian 12: apt-get install sumo sumo-tools) or update the client.`,
        );
    } catch (e) {
      client.connection.destroy();
      throw e;
    }
    return client;
  }

  get closed(): boolean {
    return this.connection.closed;
  }

  /** Messages sent to SUMO so far (round trips). */
  get messagesSent(): number {
    return this.messages;
  }

  get lastStepChanged(): readonly SubscriptionResult[] {
    return this.changed;
  }

  /** Commands queued for the next message. */
  get queuedCommands(): number {
    return this.queue.length;
  }

  enqueue(command: Buffer, commandId: number, what: string, readResult?: (r: TraciReader) => void): void {
    this.queue.push({ command, commandId, what, readResult });
  }

  /** Sends the queued commands now, as one message without a step (nothing when none is queued). */
  async sendQueued(): Promise<void> {
    if (this.queue.length === 0) return;
    const { queuedError } = await this.send([]);
    if (queuedError) throw queuedError;
  }

  async request(commands: readonly Buffer[], commandIds: readonly number[]): Promise<TraciReader> {
    const { reader, queuedError } = await this.send(commands);
    if (queuedError) throw queuedError;
    // commands batched through here have no result body, except a single last one (read by the caller)
    for (const id of commandIds) readStatus(reader, id);
    return reader;
  }

  async getVersion(): Promise<{ apiVersion: number; sumoVersion: string }> {
    const r = await this.request([encodeCommand(CMD.GETVERSION)], [CMD.GETVERSION]);
    return readVersionResponse(r);
  }

  /** Subscribes every object to the same variables for the whole run, in one message. */
  async subscribe(commandId: number, objectIds: readonly string[], variableIds: readonly number[]): Promise<void> {
    const batch = 500;
    for (let i = 0; i < objectIds.length; i += batch) {
      const ids = objectIds.slice(i, i + batch);
      const { reader: r, queuedError } = await this.send(ids.map((id) => subscribeCommand(commandId, SUBSCRIBE_FROM_START, SUBSCRIBE_UNTIL_END, id, variableIds)));
      if (queuedError) throw queuedError;
      let failure: Error | null = null;
      for (let k = 0; k < ids.length; k++) {
        try {
          readStatus(r, commandId);
        } catch (e) {
          // a rejected subscription has no result body; report the first after reading the rest
          failure ??= e as Error;
          continue;
        }
        this.store(readSubscriptionResult(r));
      }
      if (failure) throw failure;
    }
  }

  /**
   * Sends the queued commands and a simulation step (to `targetSeconds`, or one step) as one message, and
   * refreshes the subscribed values that changed. A queued command SUMO rejected is thrown after the step's
   * results are stored (SUMO ran the step anyway).
   */
  async step(targetSeconds = 0): Promise<SubscriptionResult[]> {
    const { reader, queuedError } = await this.send([targetSeconds === 0 ? ONE_STEP : simStepCommand(targetSeconds)]);
    readStatus(reader, CMD.SIMSTEP);
    const { results, changed } = this.stepResults.read(reader);
    for (const res of changed) this.store(res);
    this.changed = changed;
    if (queuedError) throw queuedError;
    return results;
  }

  /** Asks SUMO to end the simulation and write its outputs, then closes the socket. Never throws. */
  async close(): Promise<void> {
    if (this.connection.closed) return;
    try {
      await this.request([encodeCommand(CMD.CLOSE)], [CMD.CLOSE]);
    } catch {
      // SUMO may already be gone; closing is best effort
    }
    this.connection.destroy();
  }

  /** Drops the connection without telling SUMO (which then ends the run itself). Queued commands are dropped. */
  destroy(): void {
    this.queue = [];
    this.connection.destroy();
  }

  /**
   * Sends the queued commands, then `commands`, as one message; reads the queued commands' statuses and leaves
   * the reader at the first of `commands`. A queued command SUMO rejected is returned (the first one), not thrown,
   * so the rest of the answer can still be read; a fatal error is thrown.
   */
  private async send(commands: readonly Buffer[]): Promise<{ reader: TraciReader; queuedError: TraciError | null }> {
    const queued = this.queue;
    this.queue = [];
    this.messages++;
    const reader = await this.connection.request(queued.length === 0 ? commands : [...queued.map((q) => q.command), ...commands]);
    let queuedError: TraciError | null = null;
    for (const q of queued) {
      try {
        readStatus(reader, q.commandId);
      } catch (e) {
        if (!(e instanceof TraciError) || e.fatal) throw e;
        // a rejected command has no result body
        queuedError ??= new TraciError(e.code, `${q.what}: ${e.message}`);
        continue;
      }
      q.readResult?.(reader);
    }
    return { reader, queuedError };
  }

  private store(res: SubscriptionResult): void {
    let byObject = this.subscriptions.get(res.responseId);
    if (!byObject) {
      byObject = new Map();
      this.subscriptions.set(res.responseId, byObject);
    }
    byObject.set(res.objectId, res.values);
  }
}
