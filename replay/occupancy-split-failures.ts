import type { MeasuredNetwork } from './measured-lanes.js';
import type { SignalState } from '../adapters/files/index.js';
import { SplitFailureCycles, type SplitFailureCycle } from './atspm/split-failure-cycles.js';

/** Phase keys: intersection × 64 + phase index. */
const PHASES_PER_INTERSECTION = 64;

/**
 * Measured split failures of the network's phases from a controller event log: stop-line detector on/off
 * records and observed signal states, judged per cycle as ATSPM does (see `SplitFailureCycles`: the union of
 * the phase's stop-line detectors, GOR over the whole green and ROR over the first 5 s of red, both >= 0.80).
 * Each judged cycle goes to `onCycle` with its intersection and the start of its green, so the caller counts
 * it in the bin of the cycle's green.
 */
export class OccupancySplitFailures {
  private readonly cycles: SplitFailureCycles;
  private readonly lastState = new Map<number, SignalState>();

  constructor(
    private readonly net: MeasuredNetwork,
    onCycle: (x: number, phase: number, cycle: SplitFailureCycle) => void,
  ) {
    this.cycles = new SplitFailureCycles((c) => onCycle(Math.floor(c.phase / PHASES_PER_INTERSECTION), c.phase % PHASES_PER_INTERSECTION, c));
  }

  /** Moves the clock (epoch seconds): cycles whose red window is over are judged. */
  advance(t: number): void {
    this.cycles.advance(t * 1000);
  }

  detector(d: number, on: boolean, t: number): void {
    const x = this.net.intersectionOfDetector[d];
    const p = this.net.phaseOfDetector[d];
    if (x < 0 || p < 0) return;
    this.cycles.detector(x * PHASES_PER_INTERSECTION + p, d, on, t * 1000);
  }

  phase(x: number, phase: number, state: SignalState, t: number): void {
    const key = x * PHASES_PER_INTERSECTION + phase;
    if (this.lastState.get(key) === state) return;
    this.lastState.set(key, state);
    this.cycles.phase(key, state, t * 1000);
  }
}
