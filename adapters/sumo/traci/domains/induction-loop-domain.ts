import { CMD, VAR } from '../traci-constants.js';
import { getVariableCommand, readGetResponse } from '../traci-protocol.js';
import type { TraciTransport } from '../traci-transport.js';

export interface InductionLoopStep {
  /** Ids of vehicles that touched the loop during the last step. */
  vehicleIds: string[];
  /** Share of the last step the loop was occupied, 0..1. */
  occupancy: number;
}

export class InductionLoopDomain {
  constructor(private readonly t: TraciTransport) {}

  async getIdList(): Promise<string[]> {
    const r = await this.t.request([getVariableCommand(CMD.GET_INDUCTIONLOOP_VARIABLE, VAR.ID_LIST, '')], [CMD.GET_INDUCTIONLOOP_VARIABLE]);
    return readGetResponse(r, CMD.GET_INDUCTIONLOOP_VARIABLE + 0x10, VAR.ID_LIST, '') as string[];
  }
  /** One subscription per loop (vehicle ids and occupancy of the last step), refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_ID_LIST, VAR.LAST_STEP_OCCUPANCY]);
  }
  lastStep(id: string): InductionLoopStep | undefined {
    const v = this.t.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE)?.get(id);
    if (!v) return undefined;
    return {
      vehicleIds: (v.get(VAR.LAST_STEP_VEHICLE_ID_LIST) as string[] | undefined) ?? [],
      // SUMO reports occupancy in percent
      occupancy: ((v.get(VAR.LAST_STEP_OCCUPANCY) as number | undefined) ?? 0) / 100,
    };
  }
}
