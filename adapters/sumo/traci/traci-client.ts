import { CMD, TRACI_API_VERSION, SUBSCRIBE_FROM_START, SUBSCRIBE_UNTIL_END } from './traci-constants.js';
import { TraciConnection, type TraciConnectOptions } from './traci-connection.js';
import { TraciError } from './traci-error.js';
import { encodeCommand, readStatus, readStepResults, readSubscriptionResult, readVersionResponse, simStepCommand, subscribeCommand, type SubscriptionResult } from './traci-protocol.js';
import type { TraciReader, TraciValue } from './traci-storage.js';
import type { SubscriptionStore, TraciTransport } from './traci-transport.js';
import { SimulationDomain } from './domains/simulation-domain.js';
import { InductionLoopDomain } from './domains/induction-loop-domain.js';
import { TrafficLightDomain } from './domains/traffic-light-domain.js';
import { LaneDomain } from './domains/lane-domain.js';

export type { SubscriptionStore, TraciTransport } from './traci-transport.js';

/**
 * TraCI client facade: one object per SUMO domain (simulation, inductionLoop, trafficLight, lane), sharing
 * one connection. Subscribed values are refreshed by every `step()`.
 */
export class TraciClient implements TraciTransport {
  readonly subscriptions: SubscriptionStore = new Map();
  readonly simulation: SimulationDomain;
  readonly inductionLoop: InductionLoopDomain;
  readonly trafficLight: TrafficLightDomain;
  readonly lane: LaneDomain;

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

  async request(commands: readonly Buffer[], commandIds: readonly number[]): Promise<TraciReader> {
    const r = await this.connection.request(commands);
    // commands batched through here have no result body, except a single last one (read by the caller)
    for (const id of commandIds) readStatus(r, id);
    return r;
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
      const r = await this.connection.request(ids.map((id) => subscribeCommand(commandId, SUBSCRIBE_FROM_START, SUBSCRIBE_UNTIL_END, id, variableIds)));
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

  /** Advances the simulation by one step (or to `targetSeconds`) and refreshes all subscribed values. */
  async step(targetSeconds = 0): Promise<SubscriptionResult[]> {
    const r = await this.request([simStepCommand(targetSeconds)], [CMD.SIMSTEP]);
    const results = readStepResults(r);
    for (const res of results) this.store(res);
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

  /** Drops the connection without telling SUMO (which then ends the run itself). */
  destroy(): void {
    this.connection.destroy();
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
