import type { PhasePlan } from '../engine/index.js';
import { greenStartsSeconds, modulo } from '../engine/timing/index.js';

/** A plan pre-digested for signal-state arithmetic: phase starts within the cycle, relative to the offset. */
export interface CompiledPlan {
  plan: PhasePlan;
  cycleSeconds: number;
  offsetSeconds: number;
  /** Start of each phase's green, seconds after the cycle reference (offset). */
  phaseStart: Float64Array;
  green: Float64Array;
  yellow: Float64Array;
}

const compiled = new WeakMap<PhasePlan, CompiledPlan>();

/** Compiles a plan once (cached by identity: plans are immutable values). */
export function compilePlan(plan: PhasePlan): CompiledPlan {
  let c = compiled.get(plan);
  if (c) return c;
  const n = plan.phases.length;
  const phaseStart = Float64Array.from(greenStartsSeconds(plan.phases));
  const green = new Float64Array(n);
  const yellow = new Float64Array(n);
  plan.phases.forEach((p, i) => {
    green[i] = p.greenSeconds;
    yellow[i] = p.yellowSeconds;
  });
  c = { plan, cycleSeconds: plan.cycleSeconds, offsetSeconds: plan.offsetSeconds, phaseStart, green, yellow };
  compiled.set(plan, c);
  return c;
}

/** Whether phase `i` shows green at epoch second `t`. */
export function phaseGreenAt(c: CompiledPlan, i: number, t: number): boolean {
  return modulo(t - c.offsetSeconds - c.phaseStart[i], c.cycleSeconds) < c.green[i];
}

/**
 * Where epoch second `t` falls in phase `i`'s cycle, ATSPM style: the cycle starts when the phase's red
 * starts (end of its yellow), so red comes first, then green, then yellow.
 */
export interface PhaseCyclePosition {
  /** Cycle number (consecutive integers while the plan stays in force). */
  index: number;
  /** Seconds since the cycle started. */
  secondsIntoCycle: number;
  cycleSeconds: number;
  /** Green start and end within the cycle, seconds. */
  greenStart: number;
  greenEnd: number;
}

export function phaseCycleAt(c: CompiledPlan, i: number, t: number, out: PhaseCyclePosition): PhaseCyclePosition {
  const C = c.cycleSeconds;
  const redStart = c.offsetSeconds + c.phaseStart[i] + c.green[i] + c.yellow[i];
  const s = t - redStart;
  const index = Math.floor(s / C);
  out.index = index;
  out.secondsIntoCycle = s - index * C;
  out.cycleSeconds = C;
  out.greenEnd = C - c.yellow[i];
  out.greenStart = out.greenEnd - c.green[i];
  return out;
}

/**
 * Green windows of a set of phases within [from, to) epoch seconds, appended to `out` as [start, end) pairs
 * in time order (windows of different phases may touch).
 */
export function greenWindows(c: CompiledPlan, phases: readonly number[], from: number, to: number, out: number[]): number[] {
  greenWindowsInto(c, phases, from, to, out, out.length);
  return out;
}

/**
 * The same windows written into out[start..end), whatever `out` held there; returns `end`. The replay's hot
 * path reuses one array this way (truncating an array's length is a runtime call, per record).
 */
export function greenWindowsInto(c: CompiledPlan, phases: readonly number[], from: number, to: number, out: number[], start: number): number {
  const C = c.cycleSeconds;
  let end = start;
  for (let p = 0; p < phases.length; p++) {
    const i = phases[p];
    const first = c.offsetSeconds + c.phaseStart[i];
    let k = Math.floor((from - first) / C);
    for (let s = first + k * C; s < to; k++, s = first + k * C) {
      const a = Math.max(s, from);
      const b = Math.min(s + c.green[i], to);
      if (b > a) {
        out[end++] = a;
        out[end++] = b;
      }
    }
  }
  // Several phases: windows in start order (insertion sort of the pairs, in place: a handful per interval).
  if (phases.length > 1)
    for (let j = start + 2; j < end; j += 2) {
      const a = out[j];
      const b = out[j + 1];
      let m = j - 2;
      while (m >= start && out[m] > a) {
        out[m + 2] = out[m];
        out[m + 3] = out[m + 1];
        m -= 2;
      }
      out[m + 2] = a;
      out[m + 3] = b;
    }
  return end;
}
