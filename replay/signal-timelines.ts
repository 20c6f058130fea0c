import type { PhasePlan } from '../engine/index.js';
import { compilePlan, greenWindowsInto, phaseCycleAt, phaseGreenAt, type CompiledPlan, type PhaseCyclePosition } from './plan-clock.js';
import type { SignalState } from '../adapters/files/index.js';

/** Signal states through time at every intersection: from plans (engine, recorded, fallback) or as observed. */
export interface SignalTimeline {
  isGreen(x: number, phases: readonly number[], t: number): boolean;
  cycleAt(x: number, phase: number, t: number, out: PhaseCyclePosition): PhaseCyclePosition;
  /**
   * Green start and end (seconds into the cycle) that phase `phase` had in cycle `index`, once that cycle is
   * over; `last` is the position last seen in it. Written into out[0], out[1].
   */
  closedGreen(x: number, phase: number, index: number, last: PhaseCyclePosition, out: number[]): void;
  /** Changes whenever the timing in force at x changes, so per-cycle trackers restart. */
  version(x: number): unknown;
  /**
   * Green windows of phases at x within [from, to), epoch seconds (for the platoon model), written into
   * out[start..end) as [start, end) pairs in time order; returns end.
   */
  greenWindowsInto(x: number, phases: readonly number[], from: number, to: number, out: number[], start: number): number;
  /** The plan that sets x's signal states now, when a plan does (not observed states): for batched arithmetic. */
  planAt(x: number): CompiledPlan | undefined;
}

/** Signal states that follow phase plans: whatever plan is in force at each intersection. */
export class PlanTimeline implements SignalTimeline {
  readonly plans: CompiledPlan[];

  constructor(initial: PhasePlan[]) {
    this.plans = initial.map(compilePlan);
  }

  set(x: number, plan: PhasePlan): void {
    this.plans[x] = compilePlan(plan);
  }

  plan(x: number): PhasePlan {
    return this.plans[x].plan;
  }

  isGreen(x: number, phases: readonly number[], t: number): boolean {
    const c = this.plans[x];
    for (const p of phases) if (phaseGreenAt(c, p, t)) return true;
    return false;
  }

  cycleAt(x: number, phase: number, t: number, out: PhaseCyclePosition): PhaseCyclePosition {
    return phaseCycleAt(this.plans[x], phase, t, out);
  }

  closedGreen(_x: number, _phase: number, _index: number, last: PhaseCyclePosition, out: number[]): void {
    out[0] = last.greenStart;
    out[1] = last.greenEnd;
  }

  version(x: number): unknown {
    return this.plans[x];
  }

  greenWindowsInto(x: number, phases: readonly number[], from: number, to: number, out: number[], start: number): number {
    return greenWindowsInto(this.plans[x], phases, from, to, out, start);
  }

  planAt(x: number): CompiledPlan | undefined {
    return this.plans[x];
  }
}

interface ObservedPhase {
  state: SignalState;
  /** The log has reported this phase's state (until then it is unknown, shown as red). */
  seen: boolean;
  cycle: number;
  redStart: number;
  greenStart: number;
  greenEnd: number;
  /** Green seconds of the last completed green, and the cycle it belonged to. */
  lastGreenSeconds: number;
  lastGreenCycle: number;
  lastGreenStartInCycle: number;
  cycleSeconds: number;
  /** Green seconds accumulated since the last `takeGreenTotals`, and cycles started (red starts). */
  greenTotal: number;
  cyclesStarted: number;
}

/**
 * Signal states as a controller event log reported them. Intersections with no observed states fall back on
 * a plan timeline (the plans in force). States must be applied in time order, before arrivals at later times.
 */
export class ObservedTimeline implements SignalTimeline {
  private readonly phases: Array<ObservedPhase[] | undefined>;

  constructor(
    readonly fallback: PlanTimeline,
    phaseCounts: number[],
  ) {
    this.phases = phaseCounts.map(() => undefined);
    this.phaseCounts = phaseCounts;
  }

  private readonly phaseCounts: number[];

  observed(x: number): boolean {
    return this.phases[x] !== undefined;
  }

  /** Whether the log has reported the state of every one of these phases at x. */
  knows(x: number, phases: readonly number[]): boolean {
    const list = this.phases[x];
    if (!list) return false;
    for (const p of phases) if (!list[p]?.seen) return false;
    return true;
  }

  apply(x: number, phase: number, state: SignalState, t: number): void {
    let list = this.phases[x];
    if (!list) {
      list = Array.from({ length: this.phaseCounts[x] }, () => ({ state: 'red' as SignalState, seen: false, cycle: 0, redStart: t, greenStart: NaN, greenEnd: NaN, lastGreenSeconds: 0, lastGreenCycle: -1, lastGreenStartInCycle: 0, cycleSeconds: NaN, greenTotal: 0, cyclesStarted: 0 }));
      this.phases[x] = list;
    }
    const p = list[phase];
    if (!p) return;
    p.seen = true;
    if (p.state === state) return;
    if (p.state === 'green') {
      p.greenEnd = t;
      p.lastGreenSeconds = t - p.greenStart;
      p.lastGreenCycle = p.cycle;
      p.lastGreenStartInCycle = p.greenStart - p.redStart;
      p.greenTotal += p.lastGreenSeconds;
    }
    if (state === 'green') p.greenStart = t;
    if (state === 'red') {
      if (Number.isFinite(p.redStart)) p.cycleSeconds = t - p.redStart;
      p.cycle++;
      p.cyclesStarted++;
      p.redStart = t;
      p.greenStart = NaN;
      p.greenEnd = NaN;
    }
    p.state = state;
  }

  /** Observed greens per phase and cycles since the last call (the plan actually run, for delay estimates). */
  takeGreenTotals(x: number, nowSeconds: number): { greens: number[]; cycles: number } | undefined {
    const list = this.phases[x];
    if (!list) return undefined;
    const greens = list.map((p) => {
      let g = p.greenTotal;
      if (p.state === 'green') {
        g += nowSeconds - p.greenStart;
        p.greenStart = nowSeconds;
      }
      p.greenTotal = 0;
      return g;
    });
    const cycles = Math.max(...list.map((p) => p.cyclesStarted));
    for (const p of list) p.cyclesStarted = 0;
    return { greens, cycles };
  }

  isGreen(x: number, phases: readonly number[], t: number): boolean {
    const list = this.phases[x];
    if (!list) return this.fallback.isGreen(x, phases, t);
    for (const p of phases) if (list[p]?.state === 'green') return true;
    return false;
  }

  cycleAt(x: number, phase: number, t: number, out: PhaseCyclePosition): PhaseCyclePosition {
    const list = this.phases[x];
    if (!list) return this.fallback.cycleAt(x, phase, t, out);
    const p = list[phase];
    out.index = p.cycle;
    out.secondsIntoCycle = t - p.redStart;
    out.cycleSeconds = p.cycleSeconds;
    out.greenStart = p.greenStart - p.redStart;
    out.greenEnd = p.greenEnd - p.redStart;
    return out;
  }

  closedGreen(x: number, phase: number, index: number, last: PhaseCyclePosition, out: number[]): void {
    const list = this.phases[x];
    if (!list) return this.fallback.closedGreen(x, phase, index, last, out);
    const p = list[phase];
    if (p.lastGreenCycle === index) {
      out[0] = p.lastGreenStartInCycle;
      out[1] = p.lastGreenStartInCycle + p.lastGreenSeconds;
    } else {
      out[0] = out[1] = 0;
    }
  }

  version(x: number): unknown {
    return this.phases[x] ?? this.fallback.version(x);
  }

  greenWindowsInto(x: number, phases: readonly number[], from: number, to: number, out: number[], start: number): number {
    return this.fallback.greenWindowsInto(x, phases, from, to, out, start);
  }

  planAt(x: number): CompiledPlan | undefined {
    return this.phases[x] ? undefined : this.fallback.planAt(x);
  }
}
