import { CMD, VAR } from '../traci-constants.js';
import type { TraciTransport } from '../traci-transport.js';

export interface LaneStep {
  vehicles: number;
  halting: number;
}

export class LaneDomain {
  constructor(private readonly t: TraciTransport) {}

  /** Vehicle and halting (< 0.1 m/s) numbers of each lane, refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_LANE_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_NUMBER, VAR.LAST_STEP_VEHICLE_HALTING_NUMBER]);
  }
  lastStep(id: string): LaneStep | undefined {
    const v = this.t.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_LANE_VARIABLE)?.get(id);
    if (!v) return undefined;
    return {
      vehicles: (v.get(VAR.LAST_STEP_VEHICLE_NUMBER) as number | undefined) ?? 0,
      halting: (v.get(VAR.LAST_STEP_VEHICLE_HALTING_NUMBER) as number | undefined) ?? 0,
    };
  }
}
