import type { InductionLoopStep } from '../traci/domains/induction-loop-domain.js';

import type { LaneLoopLayout } from '../../../engine/index.js';
export type { LaneLoopLayout };

interface LaneState {
  layout: LaneLoopLayout;
  /** Advance-loop total minus stop-line total when the stretch between them was last seen empty. */
  base: number;
  lastOccupiedStopLine: number;
  lastOccupiedAdvance: number;
  /** Vehicles on the stop-line loop in the last step (counted out already, still at the stop line). */
  onStopLine: number;
  /** Vehicle standing on the upstream-most loop and since when; the queue reaches back over it. */
  standingVehicle?: string;
  standingSince: number;
  /** Vehicles estimated to queue upstream of the upstream-most loop. */
  beyond: number;
  /** Arrival rate over the upstream-most loop while it is not blocked, veh/s (exponential average). */
  arrivalsPerSecond: number;
}

/** Vehicle counts of the loops (a vehicle counted once, when it first appears on a loop), as `DetectorCounter` keeps them. */
export interface LoopTotals {
  /** Since the start. */
  total(loopId: string): number;
  /** In the last step. */
  lastStepCount(loopId: string): number;
}

/** Seconds a vehicle must stand on a loop before the queue is taken to reach back over it. */
const STANDING_SECONDS = 2;
/** Time constant of the arrival-rate average, seconds. */
const ARRIVAL_RATE_SECONDS = 300;

/**
 * Queue per lane from induction loops alone, as a local controller can know it: the vehicles on the stop-line
 * loop, those between the set-back loop and the stop-line loop by input-output counting (re-zeroed whenever the
 * stretch is seen empty, so counting errors do not accumulate), plus, when a vehicle stands on the upstream-most
 * loop, the queue behind it grown at the lane's recent arrival rate and drained by the vehicles that then pass.
 */
export class LoopQueueEstimator {
  private readonly lanes = new Map<string, LaneState>();
  private lastT = Number.NaN;

  constructor(
    layouts: ReadonlyMap<string, LaneLoopLayout>,
    private readonly totals: LoopTotals,
  ) {
    for (const [key, layout] of layouts)
      this.lanes.set(key, { layout, base: 0, onStopLine: 0, lastOccupiedStopLine: -Infinity, lastOccupiedAdvance: -Infinity, standingSince: 0, beyond: 0, arrivalsPerSecond: 0 });
  }

  /** Reads the loops after a simulation step (the totals already counted it). */
  update(t: number, read: (loopId: string) => InductionLoopStep | undefined): void {
    const dt = Number.isNaN(this.lastT) ? 0 : t - this.lastT;
    this.lastT = t;
    for (const s of this.lanes.values()) {
      const { stopLineLoop, advanceLoop, advanceTravelSeconds, capacityVehicles } = s.layout;
      const stop = stopLineLoop ? read(stopLineLoop) : undefined;
      const adv = advanceLoop ? read(advanceLoop) : undefined;
      s.onStopLine = stop?.vehicleIds.length ?? 0;
      if (s.onStopLine > 0) s.lastOccupiedStopLine = t;
      if ((adv?.vehicleIds.length ?? 0) > 0) s.lastOccupiedAdvance = t;
      if (stopLineLoop && advanceLoop) {
        const diff = this.totals.total(advanceLoop) - this.totals.total(stopLineLoop);
        const quiet = advanceTravelSeconds + 1;
        // nothing seen on either loop for longer than it takes to drive between them: the stretch is empty
        if (diff - s.base < 0 || (t - s.lastOccupiedStopLine >= quiet && t - s.lastOccupiedAdvance >= quiet)) s.base = diff;
      }
      const upstreamLoop = advanceLoop ?? stopLineLoop;
      if (!upstreamLoop) continue;
      const up = advanceLoop ? adv : stop;
      const ids = up?.vehicleIds ?? [];
      const fresh = this.totals.lastStepCount(upstreamLoop);
      if (ids.length === 1 && s.standingVehicle === ids[0]) {
        if (t - s.standingSince >= STANDING_SECONDS) s.beyond = Math.min(capacityVehicles, s.beyond + s.arrivalsPerSecond * dt);
      } else {
        s.standingVehicle = ids.length === 1 ? ids[0] : undefined;
        s.standingSince = t;
        s.beyond = Math.max(0, s.beyond - fresh);
        if (dt > 0) s.arrivalsPerSecond += (fresh / dt - s.arrivalsPerSecond) * Math.min(1, dt / ARRIVAL_RATE_SECONDS);
      }
    }
  }

  /** Estimated vehicles queued (or about to reach the stop line) on a lane. */
  queue(laneKey: string): number {
    const s = this.lanes.get(laneKey);
    if (!s) return 0;
    const { stopLineLoop, advanceLoop, capacityVehicles } = s.layout;
    const between = stopLineLoop && advanceLoop ? Math.max(0, this.totals.total(advanceLoop) - this.totals.total(stopLineLoop) - s.base) : 0;
    return Math.min(capacityVehicles, between + s.onStopLine + s.beyond);
  }
}
