import { CMD, VAR } from '../traci-constants.js';
import type { TraciTransport } from '../traci-transport.js';
import type { TraciValue } from '../traci-storage.js';

export interface LaneStep {
  vehicles: number;
  halting: number;
}

export class LaneDomain {
  private readonly decoded = new WeakMap<Map<number, TraciValue>, LaneStep>();
  constructor(private readonly t: TraciTransport) {}

  /** Vehicle and halting (< 0.1 m/s) numbers of each lane, refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_LANE_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_NUMBER, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER]);
  }
  /** The last step's numbers; the same object as long as SUMO reports no change. */
  lastStep(id: string): LaneStep | undefined {
    const v = this.t.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_LANE_VARIABLE)?.get(id);
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
