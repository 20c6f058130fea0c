import { CMD, VAR } from '../traci-constants.js';
import { getVariableCommand, readGetResponse } from '../traci-protocol.js';
import type { SubscribedValues, TraciTransport } from '../traci-transport.js';
import type { TraciValue } from '../traci-storage.js';
import type { InductionLoopApi, InductionLoopStep } from '../../sumo-client.js';

export type { InductionLoopStep } from '../../sumo-client.js';


/** The subscribed loop readings, whichever binding (TraCI or libsumo) keeps them. */
export class InductionLoopReadings {
  private readonly decoded = new WeakMap<Map<number, TraciValue>, InductionLoopStep>();
  constructor(private readonly values: SubscribedValues) {}

  /**
   * Ids of the loops whose reading was decoded anew in the last step answer read: every loop whose reading
   * changed is among them (and possibly a few whose reading did not). Readings of the others are the same objects.
   */
  changedInLastStep(): string[] {
    const ids: string[] = [];
    for (const r of this.values.lastStepChanged) if (r.responseId === CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE) ids.push(r.objectId);
    return ids;
  }
  /** The last step's reading; the same object (treat it as read-only) as long as SUMO reports no change. */
  lastStep(id: string): InductionLoopStep | undefined {
    const v = this.values.subscriptions.get(CMD.RESPONSE_SUBSCRIBE_INDUCTIONLOOP_VARIABLE)?.get(id);
    if (!v) return undefined;
    let step = this.decoded.get(v);
    if (!step) {
      step = {
        vehicleIds: (v.get(VAR.LAST_STEP_VEHICLE_ID_LIST) as string[] | undefined) ?? [],
        // SUMO reports occupancy in percent
        occupancy: ((v.get(VAR.LAST_STEP_OCCUPANCY) as number | undefined) ?? 0) / 100,
      };
      this.decoded.set(v, step);
    }
    return step;
  }
}

export class InductionLoopDomain extends InductionLoopReadings implements InductionLoopApi {
  private readonly occupancyGets = new Map<string, Buffer>();
  constructor(private readonly t: TraciTransport) {
    super(t);
  }

  async getIdList(): Promise<string[]> {
    const r = await this.t.request([getVariableCommand(CMD.GET_INDUCTIONLOOP_VARIABLE, VAR.ID_LIST, '')], [CMD.GET_INDUCTIONLOOP_VARIABLE]);
    return readGetResponse(r, CMD.GET_INDUCTIONLOOP_VARIABLE + 0x10, VAR.ID_LIST, '') as string[];
  }
  /**
   * One subscription per loop to the last step's vehicle ids only (`lastStep` then shows occupancy 0): SUMO 1.15
   * spends about as much on each subscribed variable of a loop as on the step itself, so occupancy is better read
   * with `queueOccupancy`, for the loops that show a vehicle (an empty loop's occupancy is 0).
   */
  subscribeVehicleIds(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_ID_LIST]);
  }
  /**
   * Queues a get of a loop's last step occupancy (0..1) with the next message; SUMO answers it before that
   * message's step, so it is the occupancy of the step last read. `onValue` is called when the answer is read.
   */
  queueOccupancy(id: string, onValue: (occupancy: number) => void): void {
    let get = this.occupancyGets.get(id);
    if (!get) {
      get = getVariableCommand(CMD.GET_INDUCTIONLOOP_VARIABLE, VAR.LAST_STEP_OCCUPANCY, id);
      this.occupancyGets.set(id, get);
    }
    this.t.enqueue(get, CMD.GET_INDUCTIONLOOP_VARIABLE, 'inductionLoop.getLastStepOccupancy', (r) =>
      // SUMO reports occupancy in percent
      onValue((readGetResponse(r, CMD.GET_INDUCTIONLOOP_VARIABLE + 0x10, VAR.LAST_STEP_OCCUPANCY, id) as number) / 100),
    );
  }
  /** One subscription per loop (vehicle ids and occupancy of the last step), refreshed by every step. */
  subscribe(ids: readonly string[]): Promise<void> {
    return this.t.subscribe(CMD.SUBSCRIBE_INDUCTIONLOOP_VARIABLE, ids, [VAR.LAST_STEP_VEHICLE_ID_LIST, VAR.LAST_STEP_OCCUPANCY]);
  }
}
