import type { DetectorCount } from '../../../engine/index.js';
import type { InductionLoopStep } from '../traci/domains/induction-loop-domain.js';

/**
 * Turns per-step induction loop readings into interval counts. A vehicle is counted once, in the step it first
 * appears on the loop: a vehicle standing on a loop for many steps is not counted again.
 */
export class DetectorCounter {
  private previous = new Map<string, Set<string>>();
  private counts = new Map<string, number>();
  private totals = new Map<string, number>();
  private freshLastStep = new Map<string, number>();
  private occupancySum = new Map<string, number>();
  private steps = 0;

  constructor(private readonly detectorIds: readonly string[]) {
    for (const id of detectorIds) {
      this.previous.set(id, new Set());
      this.counts.set(id, 0);
      this.occupancySum.set(id, 0);
    }
  }

  addStep(read: (id: string) => InductionLoopStep | undefined): void {
    this.steps++;
    for (const id of this.detectorIds) {
      const r = read(id);
      if (!r) continue;
      const prev = this.previous.get(id)!;
      let fresh = 0;
      for (const v of r.vehicleIds) if (!prev.has(v)) fresh++;
      this.counts.set(id, this.counts.get(id)! + fresh);
      if (fresh > 0) this.totals.set(id, (this.totals.get(id) ?? 0) + fresh);
      this.freshLastStep.set(id, fresh);
      this.occupancySum.set(id, this.occupancySum.get(id)! + r.occupancy);
      this.previous.set(id, new Set(r.vehicleIds));
    }
  }

  /** Vehicles counted on a loop since the start. */
  total(id: string): number {
    return this.totals.get(id) ?? 0;
  }

  /** Vehicles counted on a loop in the last step. */
  lastStepCount(id: string): number {
    return this.freshLastStep.get(id) ?? 0;
  }

  /** Counts of the interval that ends now, then starts a new interval. */
  flush(timestampMs: number, intervalSeconds: number): DetectorCount[] {
    const out: DetectorCount[] = [];
    for (const id of this.detectorIds) {
      out.push({
        detectorId: id,
        timestampMs,
        count: this.counts.get(id)!,
        occupancy: this.steps > 0 ? Math.min(1, Math.max(0, this.occupancySum.get(id)! / this.steps)) : 0,
        intervalSeconds,
      });
      this.counts.set(id, 0);
      this.occupancySum.set(id, 0);
    }
    this.steps = 0;
    return out;
  }
}
