import type { MeasuredNetwork } from './measured-lanes.js';
import type { SignalState } from '../adapters/files/index.js';

/** ATSPM thresholds: green occupancy ratio and red occupancy ratio (first 5 s of red) both above 0.79. */
export const SPLIT_FAILURE_OCCUPANCY_THRESHOLD = 0.79;
export const RED_OCCUPANCY_WINDOW_SECONDS = 5;

interface PhaseWindows {
  greenStart: number;
  greenEnd: number;
  redStart: number;
}

/**
 * Measured split failures from detector on/off events and observed signal states (controller event logs
 * only), as ATSPM defines them: a cycle of a phase fails when one of its stop-line detectors was occupied more
 * than 79 % of the green (GOR) and more than 79 % of the first 5 s of the following red (ROR5). A cycle is
 * judged when the phase's next green begins. Counts per intersection for the current bin.
 */
export class OccupancySplitFailures {
  readonly splitFailures: Float64Array;
  private readonly windows: Array<Array<PhaseWindows | undefined>>;
  private readonly onSince: Float64Array;
  private readonly greenOcc: Float64Array;
  private readonly redOcc: Float64Array;
  private readonly detectorsOfPhase = new Map<number, number[]>();

  constructor(private readonly net: MeasuredNetwork) {
    this.splitFailures = new Float64Array(net.intersections.length);
    this.windows = net.intersections.map((x) => x.model.phaseIds.map(() => undefined));
    const n = net.phaseOfDetector.length;
    this.onSince = new Float64Array(n).fill(NaN);
    this.greenOcc = new Float64Array(n);
    this.redOcc = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      const x = net.intersectionOfDetector[d];
      const p = net.phaseOfDetector[d];
      if (x < 0 || p < 0) continue;
      const key = x * 64 + p;
      this.detectorsOfPhase.set(key, [...(this.detectorsOfPhase.get(key) ?? []), d]);
    }
  }

  detector(d: number, on: boolean, t: number): void {
    if (on) {
      if (Number.isNaN(this.onSince[d])) this.onSince[d] = t;
      return;
    }
    if (Number.isNaN(this.onSince[d])) return;
    this.accumulate(d, t);
    this.onSince[d] = NaN;
  }

  phase(x: number, phase: number, state: SignalState, t: number): void {
    const w = this.windows[x][phase];
    if (state === 'green') {
      if (w && Number.isFinite(w.redStart)) this.judge(x, phase, w, t);
      this.windows[x][phase] = { greenStart: t, greenEnd: NaN, redStart: NaN };
      return;
    }
    if (!w) return;
    if (state === 'yellow' && Number.isNaN(w.greenEnd)) w.greenEnd = t;
    if (state === 'red') {
      if (Number.isNaN(w.greenEnd)) w.greenEnd = t;
      if (Number.isNaN(w.redStart)) w.redStart = t;
    }
  }

  resetBin(): void {
    this.splitFailures.fill(0);
  }

  private accumulate(d: number, t: number): void {
    const x = this.net.intersectionOfDetector[d];
    const p = this.net.phaseOfDetector[d];
    if (x < 0 || p < 0) return;
    const w = this.windows[x][p];
    if (!w) return;
    const from = this.onSince[d];
    const gEnd = Number.isNaN(w.greenEnd) ? t : w.greenEnd;
    this.greenOcc[d] += overlap(from, t, w.greenStart, gEnd);
    if (Number.isFinite(w.redStart)) this.redOcc[d] += overlap(from, t, w.redStart, w.redStart + RED_OCCUPANCY_WINDOW_SECONDS);
  }

  private judge(x: number, phase: number, w: PhaseWindows, t: number): void {
    const green = w.greenEnd - w.greenStart;
    let failed = false;
    for (const d of this.detectorsOfPhase.get(x * 64 + phase) ?? []) {
      if (!Number.isNaN(this.onSince[d])) {
        this.accumulate(d, t);
        this.onSince[d] = t;
      }
      const gor = green > 0 ? this.greenOcc[d] / green : 0;
      const ror = this.redOcc[d] / RED_OCCUPANCY_WINDOW_SECONDS;
      if (gor > SPLIT_FAILURE_OCCUPANCY_THRESHOLD && ror > SPLIT_FAILURE_OCCUPANCY_THRESHOLD) failed = true;
      this.greenOcc[d] = 0;
      this.redOcc[d] = 0;
    }
    if (failed) this.splitFailures[x]++;
  }
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}
