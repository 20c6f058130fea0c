import type { DetectorCount } from '../../../engine/index.js';
import type { InductionLoopStep } from '../traci/domains/induction-loop-domain.js';

interface LoopTally {
  id: string;
  /** Vehicles on the loop in the last step read. */
  previous: ReadonlySet<string>;
  /** The last reading, by identity: the TraCI client hands out the same object while SUMO reports no change. */
  lastRead: InductionLoopStep | undefined;
  count: number;
  total: number;
  freshLastStep: number;
  occupancySum: number;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Turns per-step induction loop readings into interval counts. A vehicle is counted once, in the step it first
 * appears on the loop: a vehicle standing on a loop for many steps is not counted again.
 */
export class DetectorCounter {
  private readonly loops: LoopTally[];
  private readonly byId = new Map<string, LoopTally>();
  private steps = 0;

  constructor(detectorIds: readonly string[]) {
    this.loops = detectorIds.map((id) => ({ id, previous: NONE, lastRead: undefined, count: 0, total: 0, freshLastStep: 0, occupancySum: 0 }));
    for (const l of this.loops) this.byId.set(l.id, l);
  }

  /**
   * Adds one step's readings. With `due` (one flag per loop, in the constructor's order), only the flagged loops
   * are read: the caller vouches that every other loop had no vehicle and zero occupancy in this step and in the
   * step before, so that nothing of theirs would change.
   */
  addStep(read: (id: string) => InductionLoopStep | undefined, due?: ArrayLike<number>): void {
    this.beginStep();
    for (let i = 0; i < this.loops.length; i++) {
      if (due && !due[i]) continue;
      const r = read(this.loops[i].id);
      if (r) this.addReading(i, r);
    }
  }

  /** Starts a step whose readings are then given loop by loop with `addReading` (loops not given: as in `addStep`'s `due`). */
  beginStep(): void {
    this.steps++;
  }

  /** One loop's reading of the step begun last, by its index in the constructor's order; returns the vehicles counted. */
  addReading(index: number, r: InductionLoopStep): number {
    const l = this.loops[index];
    l.occupancySum += r.occupancy;
    if (r === l.lastRead) {
      // the same reading as the step before: the same vehicles, none of them fresh
      l.freshLastStep = 0;
      return 0;
    }
    l.lastRead = r;
    let fresh = 0;
    for (const v of r.vehicleIds) if (!l.previous.has(v)) fresh++;
    l.count += fresh;
    l.total += fresh;
    l.freshLastStep = fresh;
    l.previous = r.vehicleIds.length === 0 ? NONE : new Set(r.vehicleIds);
    return fresh;
  }

  /** Adds a loop's occupancy of a step already added (read apart from its vehicles; the reading's was 0). */
  addOccupancy(id: string, occupancy: number): void {
    const l = this.byId.get(id);
    if (l) l.occupancySum += occupancy;
  }

  /** Vehicles counted on a loop since the start. */
  total(id: string): number {
    return this.byId.get(id)?.total ?? 0;
  }

  /** Vehicles counted on a loop in the last step. */
  lastStepCount(id: string): number {
    return this.byId.get(id)?.freshLastStep ?? 0;
  }

  /** Counts of the interval that ends now, then starts a new interval. */
  flush(timestampMs: number, intervalSeconds: number): DetectorCount[] {
    const out: DetectorCount[] = [];
    for (const l of this.loops) {
      out.push({
        detectorId: l.id,
        timestampMs,
        count: l.count,
        occupancy: this.steps > 0 ? Math.min(1, Math.max(0, l.occupancySum / this.steps)) : 0,
        intervalSeconds,
      });
      l.count = 0;
      l.occupancySum = 0;
    }
    this.steps = 0;
    return out;
  }
}
