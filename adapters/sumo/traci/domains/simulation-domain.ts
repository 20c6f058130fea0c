import { CMD, VAR } from '../traci-constants.js';
import { getVariableCommand, readGetResponse, type SubscriptionResult } from '../traci-protocol.js';
import type { TraciValue } from '../traci-storage.js';
import type { SubscribedValues, TraciTransport } from '../traci-transport.js';
import type { SimulationApi, SimulationSnapshot } from '../../sumo-client.js';

export type { SimulationSnapshot } from '../../sumo-client.js';

/** What the runner reads after every step; SUMO answers each subscribed variable as a get of its own, every step. */
export const SIMULATION_COUNTER_VARIABLES = [VAR.TIME, VAR.MIN_EXPECTED_VEHICLES, VAR.TELEPORT_STARTING_VEHICLES_NUMBER, VAR.PENDING_VEHICLES];


/** The subscribed simulation counters, whichever binding (TraCI or libsumo) keeps them. */
export class SimulationReadings {
  constructor(private readonly values: SubscribedValues) {}

  /** Values of the last step (counters are per step, not cumulative). */
  snapshot(): SimulationSnapshot {
    return this.snapshotOf(this.values.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_SIM_VARIABLE)?.get(''));
  }
  /** The counters in the results of one step (as `step()` returns them), for steps sent ahead of their answers. */
  snapshotIn(results: readonly SubscriptionResult[]): SimulationSnapshot {
    return this.snapshotOf(results.find((r) => r.responseId === CMD.RESPONSE_SUBSCRIBE_SIM_VARIABLE && r.objectId === '')?.values);
  }
  private snapshotOf(v: Map<number, TraciValue> | undefined): SimulationSnapshot {
    const n = (id: number) => (v?.get(id) as number | undefined) ?? 0;
    return {
      timeSeconds: n(VAR.TIME),
      minExpected: n(VAR.MIN_EXPECTED_VEHICLES),
      teleportsStarted: n(VAR.TELEPORT_STARTING_VEHICLES_NUMBER),
      pending: ((v?.get(VAR.PENDING_VEHICLES) as string[] | undefined) ?? []).length,
    };
  }
}

export class SimulationDomain extends SimulationReadings implements SimulationApi {
  constructor(private readonly t: TraciTransport) {
    super(t);
  }

  async get(variableId: number): Promise<unknown> {
    const r = await this.t.request([getVariableCommand(CMD.GET_SIM_VARIABLE, variableId, '')], [CMD.GET_SIM_VARIABLE]);
    return readGetResponse(r, CMD.GET_SIM_VARIABLE + 0x10, variableId, '');
  }
  async getTime(): Promise<number> {
    return (await this.get(VAR.TIME)) as number;
  }
  async getDeltaT(): Promise<number> {
    return (await this.get(VAR.DELTA_T)) as number;
  }
  /** Subscribes to time and vehicle counters, read after each step with `snapshot()`. */
  subscribeCounters(): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_SIM_VARIABLE, [''], SIMULATION_COUNTER_VARIABLES);
  }
}
