import { CMD, VAR } from '../traci-constants.js';
import type { SubscribedValues, TraciTransport } from '../traci-transport.js';
import type { TraciValue } from '../traci-storage.js';
import type { LaneApi, LaneStep } from '../../sumo-client.js';

export type { LaneStep } from '../../sumo-client.js';


/** The subscribed lane numbers, whichever binding (TraCI or libsumo) keeps them. */
export class LaneReadings {
  private readonly decoded = new WeakMap<Map<number, TraciValue>, LaneStep>();
  constructor(private readonly values: SubscribedValues) {}

  /** The last step's numbers; the same object as long as SUMO reports no change. */
  lastStep(id: string): LaneStep | undefined {
    const v = this.values.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_LANE_VARIABLE)?.get(id);
    if (!v) return undefined;
    let step = this.decoded.get(v);
    if (!step) {
      step = {
        vehicles: (v.get(VAR.LAST_STEP_VEHICLE_NUMBER) as number | undefined) ?? 0,
        halting: (v.get(VAR.LAST_STEP_VEHICLE_HALTING_NUMBER) as number | undefined) ?? 0,
      };
      this.decoded.set(v, step);
    }
    return step;
  }
}

/** The variables a lane subscription reads: vehicle and halting (< 0.1 m/s) numbers. */
export const LANE_STEP_VARIABLES = [VAR.LAST_STEP_VEHICLE_NUMBER, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER];

export class LaneDomain extends LaneReadings implements LaneApi {
  constructor(private readonly t: TraciTransport) {
    super(t);
  }

  /** Vehicle and halting (< 0.1 m/s) numbers of each lane, refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_LANE_VARIABLE, ids, LANE_STEP_VARIABLES);
  }
}
