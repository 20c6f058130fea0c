/**
 * Split failures as the reference ATSPM aggregations judge them (Python `atspm`, `split_failures.sql`, by
 * approach; UDOT ATSPM "Purdue Split Failure"): one judgement per cycle of a phase, the cycle running from its
 * begin green (1) to its next begin green.
 *
 * - Occupancy is the union of the phase's stop-bar (presence) detectors' on-time: the approach is occupied
 *   while any of them is on.
 * - Green occupancy ratio (GOR): occupied time over the green, begin green (1) to begin yellow (8).
 * - Red occupancy ratio (ROR5): occupied time in the first 5 s after begin red clearance (10), cut short by
 *   the next green, over 5 s.
 * - The cycle fails when both are at least 0.80 (the Python package's thresholds, `>= 0.80`; UDOT's manual
 *   states "> 79 %").
 * - A cycle is judged only when it showed one yellow and one red and the phase's detector state was known at
 *   its green (a detector event of the phase came before it); others are left out, as the reference does.
 * - Detector events are repaired as the reference's `impute_actuations` does: two ons in a row get the missing
 *   off at the second on when they are at most 2 s apart, else halfway; two offs in a row get the missing on
 *   halfway; an off before any on is dropped.
 *
 * Times are epoch ms, in order. Phases and detectors are identified by the caller's numbers.
 */
export const SPLIT_FAILURE_GREEN_OCCUPANCY = 0.8;
export const SPLIT_FAILURE_RED_OCCUPANCY = 0.8;
export const RED_OCCUPANCY_WINDOW_MS = 5000;
export const IMPUTE_OFF_AT_NEXT_ON_MS = 2000;

export interface SplitFailureCycle {
  phase: number;
  greenStartMs: number;
  /** The green's start as the caller labelled it (e.g. local wall time); greenStartMs when not given. */
  greenStartLabelMs: number;
  greenMs: number;
  greenOccupancy: number;
  redOccupancy: number;
  failed: boolean;
}

interface DetectorState {
  onSince: number;
  lastOffMs: number;
}

interface PhaseCycle {
  greenStartMs: number;
  greenStartLabelMs: number;
  yellowStartMs: number;
  redStartMs: number;
  yellows: number;
  reds: number;
  /** The phase's detector state was known at this green. */
  detectorsKnown: boolean;
  judged: boolean;
}

interface PhaseState {
  phase: number;
  detectors: Map<number, DetectorState>;
  /** Closed on-intervals of the phase's detectors not yet past every window they can fall in: [start, end, ...]. */
  intervals: number[];
  anyDetectorEvent: boolean;
  cycle: PhaseCycle | undefined;
}

export class SplitFailureCycles {
  private readonly phases = new Map<number, PhaseState>();
  /** Phases whose red window is open, to judge when it ends. */
  private readonly awaiting: PhaseState[] = [];
  private readonly scratch: number[] = [];

  constructor(private readonly onCycle: (c: SplitFailureCycle) => void) {}

  /** A detector of `phase` switching on or off (call once per phase the detector serves). */
  detector(phase: number, detector: number, on: boolean, t: number): void {
    this.advance(t);
    const p = this.state(phase);
    p.anyDetectorEvent = true;
    let d = p.detectors.get(detector);
    if (!d) p.detectors.set(detector, (d = { onSince: NaN, lastOffMs: NaN }));
    if (on) {
      if (!Number.isNaN(d.onSince)) keep(p, d.onSince, t - d.onSince <= IMPUTE_OFF_AT_NEXT_ON_MS ? t : d.onSince + (t - d.onSince) / 2);
      d.onSince = t;
      return;
    }
    if (Number.isNaN(d.onSince)) {
      // Two offs in a row: on halfway between them; an off before any on: dropped.
      if (!Number.isNaN(d.lastOffMs)) keep(p, d.lastOffMs + (t - d.lastOffMs) / 2, t);
    } else keep(p, d.onSince, t);
    d.onSince = NaN;
    d.lastOffMs = t;
  }

  /** Begin green (1), begin yellow (8) or begin red clearance (10) of `phase`; `labelMs` labels a green's start. */
  phase(phase: number, event: 'green' | 'yellow' | 'red', t: number, labelMs = t): void {
    this.advance(t);
    const p = this.state(phase);
    const c = p.cycle;
    if (event === 'green') {
      if (c && !c.judged) this.judge(p, t);
      p.cycle = { greenStartMs: t, greenStartLabelMs: labelMs, yellowStartMs: NaN, redStartMs: NaN, yellows: 0, reds: 0, detectorsKnown: p.anyDetectorEvent, judged: false };
      return;
    }
    if (!c || c.judged) return;
    if (event === 'yellow') {
      c.yellows++;
      if (c.yellows === 1) c.yellowStartMs = t;
    } else {
      c.reds++;
      if (c.reds === 1) {
        c.redStartMs = t;
        this.awaiting.push(p);
      }
    }
  }

  /** Moves the clock to t: judges cycles whose 5 s red window has ended. */
  advance(t: number): void {
    for (let i = 0; i < this.awaiting.length; ) {
      const p = this.awaiting[i];
      const c = p.cycle;
      if (c && !c.judged && c.redStartMs + RED_OCCUPANCY_WINDOW_MS <= t) {
        this.judge(p, c.redStartMs + RED_OCCUPANCY_WINDOW_MS);
        this.awaiting.splice(i, 1);
      } else if (!c || c.judged) this.awaiting.splice(i, 1);
      else i++;
    }
  }

  /** Start of the earliest green whose cycle is not judged yet (epoch ms); Infinity when none is open. */
  oldestOpenGreenMs(): number {
    let oldest = Infinity;
    for (const p of this.phases.values()) if (p.cycle && !p.cycle.judged && p.cycle.greenStartMs < oldest) oldest = p.cycle.greenStartMs;
    return oldest;
  }

  private state(phase: number): PhaseState {
    let p = this.phases.get(phase);
    if (!p) this.phases.set(phase, (p = { phase, detectors: new Map(), intervals: [], anyDetectorEvent: false, cycle: undefined }));
    return p;
  }

  /** Judges the cycle with its red window ending at `endMs` (red + 5 s, or the next green if sooner). */
  private judge(p: PhaseState, endMs: number): void {
    const c = p.cycle!;
    c.judged = true;
    if (c.detectorsKnown && c.yellows === 1 && c.reds === 1 && c.yellowStartMs >= c.greenStartMs && c.redStartMs >= c.yellowStartMs) {
      const u = this.union(p, endMs);
      const greenMs = c.yellowStartMs - c.greenStartMs;
      const greenOn = covered(u, c.greenStartMs, c.yellowStartMs);
      const redOn = covered(u, c.redStartMs, Math.min(endMs, c.redStartMs + RED_OCCUPANCY_WINDOW_MS));
      const greenOccupancy = greenMs > 0 ? greenOn / greenMs : 0;
      const redOccupancy = redOn / RED_OCCUPANCY_WINDOW_MS;
      this.onCycle({
        phase: p.phase,
        greenStartMs: c.greenStartMs,
        greenStartLabelMs: c.greenStartLabelMs,
        greenMs,
        greenOccupancy,
        redOccupancy,
        failed: greenOccupancy >= SPLIT_FAILURE_GREEN_OCCUPANCY && redOccupancy >= SPLIT_FAILURE_RED_OCCUPANCY,
      });
    }
    // Later cycles' windows start after endMs: intervals over by then are no longer needed.
    const kept: number[] = [];
    for (let i = 0; i < p.intervals.length; i += 2) if (p.intervals[i + 1] > endMs) kept.push(p.intervals[i], p.intervals[i + 1]);
    p.intervals = kept;
  }

  /** Union of the phase's on-intervals up to endMs (open ones end there), sorted: [start, end, ...]. */
  private union(p: PhaseState, endMs: number): number[] {
    const all = this.scratch;
    all.length = 0;
    for (let i = 0; i < p.intervals.length; i += 2) all.push(p.intervals[i], p.intervals[i + 1]);
    for (const d of p.detectors.values()) if (!Number.isNaN(d.onSince) && d.onSince < endMs) all.push(d.onSince, endMs);
    const order = Array.from({ length: all.length / 2 }, (_, i) => i).sort((a, b) => all[2 * a] - all[2 * b]);
    const out: number[] = [];
    for (const i of order) {
      const s = all[2 * i];
      const e = all[2 * i + 1];
      if (out.length > 0 && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
      else out.push(s, e);
    }
    return out;
  }
}

/** Keeps a closed on-interval while a cycle it can fall in is open (later windows all start after it). */
function keep(p: PhaseState, start: number, end: number): void {
  const c = p.cycle;
  if (c && !c.judged && end > c.greenStartMs) p.intervals.push(start, end);
}

/** Time of [from, to) covered by sorted disjoint intervals. */
function covered(u: number[], from: number, to: number): number {
  let sum = 0;
  for (let i = 0; i < u.length; i += 2) sum += Math.max(0, Math.min(u[i + 1], to) - Math.max(u[i], from));
  return sum;
}
