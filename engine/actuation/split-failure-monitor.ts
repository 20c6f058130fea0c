import type { Phase } from '../../network-models/index.js';
import type { DetectorTracker } from './detector-tracker.js';
import type { PhaseLoops } from './phase-detectors.js';

/**
 * Split failures as ATSPM defines them (UDOT ATSPM "Purdue Split Failure"; Oregon DOT's `atspm` package): a
 * phase fails its split when its stop-line detectors, taken together, are occupied for at least 80 % of the
 * green (green occupancy ratio) and for at least 80 % of the first 5 s of the red that follows (red occupancy
 * ratio): the queue did not clear. Sampled once per clock step.
 */
export class SplitFailureMonitor {
  private readonly greenSteps: number[];
  private readonly greenOccupied: number[];
  private readonly greenOccupancy: number[];
  private readonly redUntil: number[];
  private readonly redSteps: number[];
  private readonly redOccupied: number[];
  /** Split failures of each phase in a row, and cycles in a row without one. */
  readonly failuresInARow: number[];
  readonly clearInARow: number[];
  private readonly loops: string[][];

  constructor(phases: readonly Phase[], phaseLoops: ReadonlyMap<string, PhaseLoops>, private readonly tracker: DetectorTracker) {
    const zeros = () => phases.map(() => 0);
    this.greenSteps = zeros();
    this.greenOccupied = zeros();
    this.greenOccupancy = zeros();
    this.redUntil = phases.map(() => -Infinity);
    this.redSteps = zeros();
    this.redOccupied = zeros();
    this.failuresInARow = zeros();
    this.clearInARow = zeros();
    this.loops = phases.map((p) => phaseLoops.get(p.id)?.ownStopLineLoops ?? []);
  }

  /** One clock step at `t`, with phase `greenIndex` green (-1: none). */
  sample(t: number, greenIndex: number): void {
    for (let i = 0; i < this.loops.length; i++) {
      if (this.loops[i].length === 0) continue;
      const occupied = this.loops[i].some((d) => this.tracker.occupiedAt(d, t));
      if (i === greenIndex) {
        this.greenSteps[i]++;
        if (occupied) this.greenOccupied[i]++;
      } else if (t <= this.redUntil[i]) {
        this.redSteps[i]++;
        if (occupied) this.redOccupied[i]++;
        if (t >= this.redUntil[i]) this.judge(i);
      }
    }
  }

  /** Phase `index`'s green ended at `t`: its red occupancy is now sampled for 5 s. */
  greenEnded(index: number, t: number): void {
    if (this.loops[index].length === 0 || this.greenSteps[index] === 0) return;
    this.greenOccupancy[index] = this.greenOccupied[index] / this.greenSteps[index];
    this.greenSteps[index] = this.greenOccupied[index] = 0;
    this.redSteps[index] = this.redOccupied[index] = 0;
    this.redUntil[index] = t + RED_WINDOW_SECONDS;
  }

  private judge(i: number): void {
    const red = this.redSteps[i] > 0 ? this.redOccupied[i] / this.redSteps[i] : 0;
    const failed = this.greenOccupancy[i] >= OCCUPANCY_THRESHOLD && red >= OCCUPANCY_THRESHOLD;
    if (failed) {
      this.failuresInARow[i]++;
      this.clearInARow[i] = 0;
    } else {
      this.failuresInARow[i] = 0;
      this.clearInARow[i]++;
    }
  }
}

const RED_WINDOW_SECONDS = 5;
const OCCUPANCY_THRESHOLD = 0.8;
