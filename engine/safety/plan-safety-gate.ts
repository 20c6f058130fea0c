import { pairKey, type Intersection } from '../../network-models/index.js';
import type { PhasePlan } from '../plan-types.js';

export interface SafetyGateConfig {
  /** Absolute bounds no plan may leave, whatever the network says, seconds. */
  absoluteMinCycleSeconds: number;
  absoluteMaxCycleSeconds: number;
  /** Tolerance for the cycle arithmetic, seconds. */
  toleranceSeconds: number;
}

export const DEFAULT_SAFETY_GATE_CONFIG: Readonly<SafetyGateConfig> = Object.freeze({
  absoluteMinCycleSeconds: 10,
  absoluteMaxCycleSeconds: 300,
  toleranceSeconds: 1e-3,
});

/** Why the gate stops a plan: stable codes for programs and tests; the message is for people and may change. */
export type SafetyProblemCode =
  | 'GW_SAFETY_WRONG_INTERSECTION'
  | 'GW_SAFETY_NOT_SIGNALIZED'
  | 'GW_SAFETY_CYCLE_OUT_OF_BOUNDS'
  | 'GW_SAFETY_OFFSET_OUTSIDE_CYCLE'
  | 'GW_SAFETY_PHASE_COUNT'
  | 'GW_SAFETY_PHASE_ORDER'
  | 'GW_SAFETY_NOT_A_NUMBER'
  | 'GW_SAFETY_GREEN_BELOW_MIN'
  | 'GW_SAFETY_GREEN_ABOVE_MAX'
  | 'GW_SAFETY_YELLOW_BELOW_CLEARANCE'
  | 'GW_SAFETY_ALL_RED_BELOW_CLEARANCE'
  | 'GW_SAFETY_PEDESTRIAN_TOO_SHORT'
  | 'GW_SAFETY_MIN_GREEN_BOUND_BELOW_MIN'
  | 'GW_SAFETY_MAX_GREEN_BOUND_ABOVE_MAX'
  | 'GW_SAFETY_GREEN_OUTSIDE_ACTUATION_BOUNDS'
  | 'GW_SAFETY_CYCLE_NOT_SUM_OF_PHASES'
  | 'GW_SAFETY_CONFLICTING_MOVEMENTS'
  | 'GW_SAFETY_MOVEMENT_UNSERVED';

export interface SafetyProblem {
  code: SafetyProblemCode;
  /** Field of the plan (or of the intersection) at fault, e.g. `phases[1].yellowSeconds`. */
  path: string;
  /** Its value in the plan. */
  value: unknown;
  /** The intersection's phase at fault (the one at that position of the plan), if one is. */
  phaseId?: string;
  /** The number the value broke, seconds (a bound, the required sum), or the bounds [low, high]. */
  limit?: number | readonly [number, number];
  /** Movements at fault (conflicting pair, unserved movement). */
  movementIds?: readonly string[];
  /** `path = value: rule`, as people read it. */
  message: string;
}

/**
 * The plan safety gate. Checks a plan against its intersection: the phase sequence is the intersection's,
 * greens within min/max (and long enough for pedestrians), yellow and all-red at least the network's clearance
 * intervals, green + yellow + all-red summing to the cycle, offset in [0, cycle), actuation bounds inside the
 * phase bounds, no phase serving conflicting movements, every movement served. Returns every problem found;
 * an empty list means the plan may leave the engine.
 */
export function checkPlan(plan: PhasePlan, intersection: Intersection, config: SafetyGateConfig = DEFAULT_SAFETY_GATE_CONFIG): SafetyProblem[] {
  const problems: SafetyProblem[] = [];
  const tol = config.toleranceSeconds;
  const bad = (code: SafetyProblemCode, path: string, value: unknown, rule: string, detail: Pick<SafetyProblem, 'phaseId' | 'limit'> = {}) =>
    problems.push({ code, path, value, ...detail, message: `${path} = ${JSON.stringify(value)}: ${rule}` });

  if (plan.intersectionId !== intersection.id) bad('GW_SAFETY_WRONG_INTERSECTION', 'intersectionId', plan.intersectionId, `must be ${intersection.id}`);
  if (intersection.control !== 'signalized') bad('GW_SAFETY_NOT_SIGNALIZED', 'intersectionId', plan.intersectionId, 'intersection is not signalized');
  if (!isFiniteNumber(plan.cycleSeconds) || plan.cycleSeconds < config.absoluteMinCycleSeconds || plan.cycleSeconds > config.absoluteMaxCycleSeconds)
    bad('GW_SAFETY_CYCLE_OUT_OF_BOUNDS', 'cycleSeconds', plan.cycleSeconds, `must be within ${config.absoluteMinCycleSeconds}..${config.absoluteMaxCycleSeconds}`, {
      limit: [config.absoluteMinCycleSeconds, config.absoluteMaxCycleSeconds],
    });
  if (!isFiniteNumber(plan.offsetSeconds) || plan.offsetSeconds < 0 || plan.offsetSeconds >= plan.cycleSeconds)
    bad('GW_SAFETY_OFFSET_OUTSIDE_CYCLE', 'offsetSeconds', plan.offsetSeconds, `must be in [0, cycleSeconds ${plan.cycleSeconds})`, { limit: [0, plan.cycleSeconds] });
  if (plan.phases.length !== intersection.phases.length)
    bad('GW_SAFETY_PHASE_COUNT', 'phases', plan.phases.length, `must have the intersection's ${intersection.phases.length} phases`, { limit: intersection.phases.length });

  let total = 0;
  const n = Math.min(plan.phases.length, intersection.phases.length);
  for (let i = 0; i < n; i++) {
    const t = plan.phases[i];
    const ph = intersection.phases[i];
    const p = `phases[${i}]`;
    const at = (limit?: SafetyProblem['limit']) => ({ phaseId: ph.id, ...(limit === undefined ? {} : { limit }) });
    if (t.phaseId !== ph.id) bad('GW_SAFETY_PHASE_ORDER', `${p}.phaseId`, t.phaseId, `must be ${ph.id} (the intersection's phase order)`, at());
    for (const key of ['greenSeconds', 'yellowSeconds', 'allRedSeconds', 'minGreenSeconds', 'maxGreenSeconds'] as const)
      if (!isFiniteNumber(t[key])) bad('GW_SAFETY_NOT_A_NUMBER', `${p}.${key}`, t[key], 'must be a finite number', at());
    if (t.greenSeconds < ph.minGreenSeconds - tol) bad('GW_SAFETY_GREEN_BELOW_MIN', `${p}.greenSeconds`, t.greenSeconds, `must be >= min green ${ph.minGreenSeconds}`, at(ph.minGreenSeconds));
    if (t.greenSeconds > ph.maxGreenSeconds + tol) bad('GW_SAFETY_GREEN_ABOVE_MAX', `${p}.greenSeconds`, t.greenSeconds, `must be <= max green ${ph.maxGreenSeconds}`, at(ph.maxGreenSeconds));
    if (t.yellowSeconds < ph.yellowSeconds - tol) bad('GW_SAFETY_YELLOW_BELOW_CLEARANCE', `${p}.yellowSeconds`, t.yellowSeconds, `must be >= clearance yellow ${ph.yellowSeconds}`, at(ph.yellowSeconds));
    if (t.allRedSeconds < ph.allRedSeconds - tol) bad('GW_SAFETY_ALL_RED_BELOW_CLEARANCE', `${p}.allRedSeconds`, t.allRedSeconds, `must be >= clearance all-red ${ph.allRedSeconds}`, at(ph.allRedSeconds));
    if (ph.pedestrian) {
      const need = ph.pedestrian.walkSeconds + ph.pedestrian.clearanceSeconds;
      if (t.greenSeconds + t.yellowSeconds + t.allRedSeconds < need - tol)
        bad('GW_SAFETY_PEDESTRIAN_TOO_SHORT', `${p}.greenSeconds`, t.greenSeconds, `too short for pedestrian walk + clearance ${need} s`, at(need));
    }
    if (t.minGreenSeconds < ph.minGreenSeconds - tol) bad('GW_SAFETY_MIN_GREEN_BOUND_BELOW_MIN', `${p}.minGreenSeconds`, t.minGreenSeconds, `must be >= min green ${ph.minGreenSeconds}`, at(ph.minGreenSeconds));
    if (t.maxGreenSeconds > ph.maxGreenSeconds + tol) bad('GW_SAFETY_MAX_GREEN_BOUND_ABOVE_MAX', `${p}.maxGreenSeconds`, t.maxGreenSeconds, `must be <= max green ${ph.maxGreenSeconds}`, at(ph.maxGreenSeconds));
    if (t.minGreenSeconds > t.greenSeconds + tol || t.maxGreenSeconds < t.greenSeconds - tol)
      bad('GW_SAFETY_GREEN_OUTSIDE_ACTUATION_BOUNDS', `${p}.greenSeconds`, t.greenSeconds, `must lie within its actuation bounds ${t.minGreenSeconds}..${t.maxGreenSeconds}`, at([t.minGreenSeconds, t.maxGreenSeconds]));
    total += t.greenSeconds + t.yellowSeconds + t.allRedSeconds;
  }
  if (plan.phases.length === intersection.phases.length && Math.abs(total - plan.cycleSeconds) > tol)
    bad('GW_SAFETY_CYCLE_NOT_SUM_OF_PHASES', 'cycleSeconds', plan.cycleSeconds, `must equal the sum of greens, yellows and all-reds (${Math.round(total * 1000) / 1000})`, {
      limit: total,
    });

  for (const p of networkProblems(intersection)) problems.push(p);
  return problems;
}

/** The gate's problems as text, `path = value: rule` (see `checkPlan` for their codes and numbers). */
export function checkPlanSafety(plan: PhasePlan, intersection: Intersection, config: SafetyGateConfig = DEFAULT_SAFETY_GATE_CONFIG): string[] {
  return checkPlan(plan, intersection, config).map((p) => p.message);
}

/**
 * What the gate checks of the intersection itself (no phase serves two conflicting movements, every movement is
 * served): a pure function of the intersection, so computed once per intersection object and reused for every
 * plan (a replayed day gates about a hundred thousand plans). Network objects are treated as immutable once loaded.
 */
const networkProblemsCache = new WeakMap<Intersection, readonly SafetyProblem[]>();

function networkProblems(intersection: Intersection): readonly SafetyProblem[] {
  const cached = networkProblemsCache.get(intersection);
  if (cached) return cached;
  const problems: SafetyProblem[] = [];
  const conflicts = new Set<string>();
  for (const [a, b] of intersection.conflicts) {
    conflicts.add(pairKey(a, b));
    conflicts.add(pairKey(b, a));
  }
  const served = new Set<string>();
  intersection.phases.forEach((ph, i) => {
    for (const m of ph.movementIds) served.add(m);
    for (let a = 0; a < ph.movementIds.length; a++)
      for (let b = a + 1; b < ph.movementIds.length; b++)
        if (conflicts.has(pairKey(ph.movementIds[a], ph.movementIds[b])))
          problems.push({
            code: 'GW_SAFETY_CONFLICTING_MOVEMENTS',
            path: `phases[${i}]`,
            value: ph.id,
            phaseId: ph.id,
            movementIds: [ph.movementIds[a], ph.movementIds[b]],
            message: `phases[${i}] = ${JSON.stringify(ph.id)}: serves conflicting movements ${ph.movementIds[a]} and ${ph.movementIds[b]}`,
          });
  });
  for (const m of intersection.movements)
    if (!served.has(m.id))
      problems.push({ code: 'GW_SAFETY_MOVEMENT_UNSERVED', path: 'phases', value: m.id, movementIds: [m.id], message: `phases = ${JSON.stringify(m.id)}: movement is served by no phase` });
  networkProblemsCache.set(intersection, problems);
  return problems;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
