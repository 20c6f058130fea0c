import type { PhasePlan } from '../engine/index.js';

/**
 * One set of plans replayed against the day's traffic (the plans actually in force, or the engine's): per
 * intersection, which plans ran for how long in the current 15-minute bin, and how often they changed. (The
 * arrivals measured under them are the measure thread's: `MeasureCore`.)
 */
export class PlanTrack {
  /** Plan in force at each intersection since `segmentStartMs`. */
  private readonly segmentPlan: PhasePlan[];
  private readonly segmentStartMs: Float64Array;
  /** Seconds each plan ran at each intersection in the current bin, before the running segment. */
  private readonly secondsByPlan: Array<Map<PhasePlan, number>>;
  /** Plan changes at each intersection in the current bin. */
  readonly planChanges: Float64Array;

  constructor(
    readonly name: 'actual' | 'engine',
    placeholder: readonly PhasePlan[],
  ) {
    this.segmentPlan = [...placeholder];
    this.segmentStartMs = new Float64Array(placeholder.length).fill(NaN);
    this.secondsByPlan = placeholder.map(() => new Map<PhasePlan, number>());
    this.planChanges = new Float64Array(placeholder.length);
  }

  /** The replay's first plan at intersection `x`, from `startMs`. */
  begin(x: number, plan: PhasePlan, startMs: number): void {
    this.segmentPlan[x] = plan;
    this.segmentStartMs[x] = startMs;
  }

  /** Intersection `x` switches to `plan` at `t` (epoch ms). */
  switchTo(x: number, plan: PhasePlan, t: number): void {
    const prev = this.segmentPlan[x];
    const secs = (t - this.segmentStartMs[x]) / 1000;
    const segs = this.secondsByPlan[x];
    if (secs > 0) segs.set(prev, (segs.get(prev) ?? 0) + secs);
    this.segmentPlan[x] = plan;
    this.segmentStartMs[x] = Math.max(t, this.segmentStartMs[x]);
    this.planChanges[x]++;
  }

  /** The plans that ran at intersection `x` in the bin up to `endMs`, with their seconds. */
  secondsByPlanUntil(x: number, endMs: number): Map<PhasePlan, number> {
    const segs = this.secondsByPlan[x];
    const tail = (endMs - this.segmentStartMs[x]) / 1000;
    if (tail > 0) segs.set(this.segmentPlan[x], (segs.get(this.segmentPlan[x]) ?? 0) + tail);
    return segs;
  }

  /** Starts the next bin at `binEndMs`. */
  closeBin(binEndMs: number): void {
    this.planChanges.fill(0);
    for (let x = 0; x < this.secondsByPlan.length; x++) {
      this.secondsByPlan[x].clear();
      if (this.segmentStartMs[x] < binEndMs) this.segmentStartMs[x] = Math.max(this.segmentStartMs[x], binEndMs);
    }
  }
}
