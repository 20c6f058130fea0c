import type { Intersection } from '../../../network-models/index.js';
import type { PhasePlan } from '../../../engine/index.js';
import { sumoSignalOf, type SumoSignalExternal, type SumoStateSegment } from '../../../network-models/importers/sumo/index.js';
import type { SumoProgramLogic, SumoProgramPhase } from '../traci/domains/traffic-light-domain.js';
import { TRAFFICLIGHT_TYPE } from '../traci/traci-constants.js';
import { isSafeTransition } from './phase-skip.js';
import type { BuiltProgram } from './built-program.js';

export type { BuiltProgram } from './built-program.js';

/** Timing of one engine phase to be turned into SUMO phases. */
export interface PhaseTimingInput {
  phaseId: string;
  greenSeconds: number;
  yellowSeconds: number;
  allRedSeconds: number;
  /** Actuation bounds of the whole green; used when the program is actuated. */
  minGreenSeconds?: number;
  maxGreenSeconds?: number;
}

export type SumoProgramType = 'static' | 'actuated' | 'delay_based';

const TYPE_CODE: Record<SumoProgramType, number> = {
  static: TRAFFICLIGHT_TYPE.STATIC,
  actuated: TRAFFICLIGHT_TYPE.ACTUATED,
  delay_based: TRAFFICLIGHT_TYPE.DELAYBASED,
};

/**
 * Turns engine phase timings into a SUMO program over the imported state strings: each engine phase gives its
 * green segments (the variable one takes what the plan's green leaves after the fixed ones) and its clearance
 * (yellow and all-red segments, rescaled if the plan's clearance differs from the network's).
 */
export function buildSumoProgram(
  sig: SumoSignalExternal,
  timings: readonly PhaseTimingInput[],
  programId: string,
  type: SumoProgramType = 'static',
  options: { directClearances?: boolean } = {},
): BuiltProgram {
  const phases: SumoProgramPhase[] = [];
  const greenStartIndex: Record<string, number> = {};
  const variableIndex: Record<string, number> = {};
  for (const t of timings) {
    const ps = sig.phaseStates[t.phaseId];
    if (!ps) throw new Error(`signal ${sig.tlsId} has no SUMO states for phase ${t.phaseId}`);
    greenStartIndex[t.phaseId] = phases.length;
    const fixed = ps.green.reduce((s, g, i) => (i === ps.variableGreenIndex ? s : s + g.durationSeconds), 0);
    ps.green.forEach((g, i) => {
      if (i !== ps.variableGreenIndex) {
        phases.push({ durationSeconds: g.durationSeconds, state: g.state });
        return;
      }
      variableIndex[t.phaseId] = phases.length;
      const duration = Math.max(1, round1(t.greenSeconds - fixed));
      const p: SumoProgramPhase = { durationSeconds: duration, state: g.state, name: t.phaseId };
      if (type !== 'static' && t.minGreenSeconds !== undefined && t.maxGreenSeconds !== undefined) {
        p.minDurSeconds = Math.max(1, round1(t.minGreenSeconds - fixed));
        p.maxDurSeconds = Math.max(p.minDurSeconds, round1(t.maxGreenSeconds - fixed));
      }
      phases.push(p);
    });
    const lastGreen = ps.green[ps.green.length - 1].state;
    phases.push(...scaledClearance(ps.clearance, 'yellow', t.yellowSeconds, lastGreen));
    phases.push(...scaledClearance(ps.clearance, 'all-red', t.allRedSeconds, lastGreen));
  }
  const cyclePhaseCount = phases.length;
  const cycleSeconds = phases.reduce((s, p) => s + p.durationSeconds, 0);
  const directClearanceIndex = options.directClearances ? appendDirectClearances(phases, sig, timings, greenStartIndex) : {};
  // the cycle closes on itself, not into the transitions that follow it
  if (phases.length > cyclePhaseCount) phases[cyclePhaseCount - 1].next = [0];
  return {
    logic: { programId, type: TYPE_CODE[type], currentPhaseIndex: 0, phases },
    cyclePhaseCount,
    directClearanceIndex,
    greenStartIndex,
    variableIndex,
    cycleSeconds,
  };
}

/**
 * Appends, for every pair of phases the cycle does not join, the clearance from the first's last green to the
 * second's first green (yellow, then all-red, for the movements that lose their green; the last segment goes on
 * to the target's green). Where nothing loses its green the jump goes straight to the target's green.
 */
function appendDirectClearances(phases: SumoProgramPhase[], sig: SumoSignalExternal, timings: readonly PhaseTimingInput[], greenStartIndex: Record<string, number>): Record<string, Record<string, number>> {
  const index: Record<string, Record<string, number>> = {};
  timings.forEach((from, i) => {
    index[from.phaseId] = {};
    const fromGreen = sig.phaseStates[from.phaseId].green;
    const fromState = fromGreen[fromGreen.length - 1].state;
    for (const to of timings) {
      if (to === from || to === timings[(i + 1) % timings.length]) continue;
      const toState = sig.phaseStates[to.phaseId].green[0].state;
      if (isSafeTransition(fromState, toState)) {
        index[from.phaseId][to.phaseId] = greenStartIndex[to.phaseId];
        continue;
      }
      const start = phases.length;
      if (from.yellowSeconds > 0) phases.push({ durationSeconds: round1(from.yellowSeconds), state: transitionState(fromState, toState, 'yellow') });
      if (from.allRedSeconds > 0) phases.push({ durationSeconds: round1(from.allRedSeconds), state: transitionState(fromState, toState, 'all-red') });
      // no clearance time to give: no direct jump, the cycle's own clearances are used
      if (phases.length === start) continue;
      phases[phases.length - 1].next = [greenStartIndex[to.phaseId]];
      index[from.phaseId][to.phaseId] = start;
    }
  });
  return index;
}

function scaledClearance(clearance: readonly SumoStateSegment[], kind: 'yellow' | 'all-red', seconds: number, lastGreen: string): SumoProgramPhase[] {
  const segs = clearance.filter((c) => c.kind === kind);
  const total = segs.reduce((s, c) => s + c.durationSeconds, 0);
  if (seconds <= 0) return [];
  if (segs.length === 0 || total <= 0) return [{ durationSeconds: round1(seconds), state: kind === 'yellow' ? yellowOf(lastGreen) : redOf(lastGreen) }];
  if (Math.abs(total - seconds) < 1e-6) return segs.map((c) => ({ durationSeconds: c.durationSeconds, state: c.state }));
  const f = seconds / total;
  return segs.map((c) => ({ durationSeconds: Math.max(0.1, round1(c.durationSeconds * f)), state: c.state }));
}

/** Every green of a state turned yellow (a clearance the network did not define). */
export function yellowOf(state: string): string {
  return state.replace(/[Gg]/g, 'y');
}
export function redOf(state: string): string {
  return state.replace(/[Ggy]/g, 'r');
}

/** Program for a plan that passed the safety gate. */
export function programFromPlan(plan: PhasePlan, intersection: Intersection, programId: string, type: SumoProgramType = 'static', options: { directClearances?: boolean } = {}): BuiltProgram {
  const sig = sumoSignalOf(intersection.external);
  if (!sig) throw new Error(`intersection ${intersection.id} was not imported from SUMO (no external.sumo)`);
  return buildSumoProgram(sig, plan.phases, programId, type, options);
}

/** The network's own fixed-time program (its first fallback plan), as an engine-phase timing list. */
export function fallbackTimings(intersection: Intersection, minGreenSeconds?: number, maxGreenSeconds?: number): PhaseTimingInput[] {
  const plan = intersection.fallbackPlans[0];
  return intersection.phases.map((ph) => ({
    phaseId: ph.id,
    greenSeconds: plan?.greenSecondsByPhase[ph.id] ?? ph.minGreenSeconds,
    yellowSeconds: ph.yellowSeconds,
    allRedSeconds: ph.allRedSeconds,
    minGreenSeconds: minGreenSeconds ?? ph.minGreenSeconds,
    maxGreenSeconds: maxGreenSeconds ?? ph.maxGreenSeconds,
  }));
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * Clearance between two green states: links green in both keep their green (permissive unless protected in
 * both); links that lose green show yellow (then red in the all-red stage); everything else is red.
 */
export function transitionState(from: string, to: string, kind: 'yellow' | 'all-red'): string {
  let out = '';
  for (let i = 0; i < from.length; i++) {
    const a = from[i];
    const b = to[i] ?? 'r';
    const greenA = a === 'G' || a === 'g';
    const greenB = b === 'G' || b === 'g';
    if (greenA && greenB) out += a === 'G' && b === 'G' ? 'G' : 'g';
    else if (greenA) out += kind === 'yellow' ? 'y' : 'r';
    else out += 'r';
  }
  return out;
}
