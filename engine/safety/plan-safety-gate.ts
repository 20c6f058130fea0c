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

/**
 * The plan safety gate. Checks a plan against its intersection: the phase sequence is the intersection's,
 * greens within min/max (and long enough for pedestrians), yellow and all-red at least the network's clearance
 * intervals, green + yellow + all-red summing to the cycle, offset in [0, cycle), actuation bounds inside the
 * phase bounds, no phase serving conflicting movements, every movement served. Returns every problem found;
 * an empty list means the plan may leave the engine.
 */
export function checkPlanSafety(plan: PhasePlan, intersection: Intersection, config: SafetyGateConfig = DEFAULT_SAFETY_GATE_CONFIG): string[] {
  const problems: string[] = [];
  const tol = config.toleranceSeconds;
  const bad = (path: string, value: unknown, rule: string) => problems.push(`${path} = ${JSON.stringify(value)}: ${rule}`);

  if (plan.intersectionId !== intersection.id) bad('intersectionId', plan.intersectionId, `must be ${intersection.id}`);
  if (intersection.control !== 'signalized') bad('intersectionId', plan.intersectionId, 'intersection is not signalized');
  if (!isFiniteNumber(plan.cycleSeconds) || plan.cycleSeconds < config.absoluteMinCycleSeconds || plan.cycleSeconds > config.absoluteMaxCycleSeconds)
    bad('cycleSeconds', plan.cycleSeconds, `must be within ${config.absoluteMinCycleSeconds}..${config.absoluteMaxCycleSeconds}`);
  if (!isFiniteNumber(plan.offsetSeconds) || plan.offsetSeconds < 0 || plan.offsetSeconds >= plan.cycleSeconds)
    bad('offsetSeconds', plan.offsetSeconds, `must be in [0, cycleSeconds ${plan.cycleSeconds})`);
  if (plan.phases.length !== intersection.phases.length)
    bad('phases', plan.phases.length, `must have the intersection's ${intersection.phases.length} phases`);

  let total = 0;
  const n = Math.min(plan.phases.length, intersection.phases.length);
  for (let i = 0; i < n; i++) {
    const t = plan.phases[i];
    const ph = intersection.phases[i];
    const p = `phases[${i}]`;
    if (t.phaseId !== ph.id) bad(`${p}.phaseId`, t.phaseId, `must be ${ph.id} (the intersection's phase order)`);
    for (const key of ['greenSeconds', 'yellowSeconds', 'allRedSeconds', 'minGreenSeconds', 'maxGreenSeconds'] as const)
      if (!isFiniteNumber(t[key])) bad(`${p}.${key}`, t[key], 'must be a finite number');
    if (t.greenSeconds < ph.minGreenSeconds - tol) bad(`${p}.greenSeconds`, t.greenSeconds, `must be >= min green ${ph.minGreenSeconds}`);
    if (t.greenSeconds > ph.maxGreenSeconds + tol) bad(`${p}.greenSeconds`, t.greenSeconds, `must be <= max green ${ph.maxGreenSeconds}`);
    if (t.yellowSeconds < ph.yellowSeconds - tol) bad(`${p}.yellowSeconds`, t.yellowSeconds, `must be >= clearance yellow ${ph.yellowSeconds}`);
    if (t.allRedSeconds < ph.allRedSeconds - tol) bad(`${p}.allRedSeconds`, t.allRedSeconds, `must be >= clearance all-red ${ph.allRedSeconds}`);
    if (ph.pedestrian) {
      const need = ph.pedestrian.walkSeconds + ph.pedestrian.clearanceSeconds;
      if (t.greenSeconds + t.yellowSeconds + t.allRedSeconds < need - tol)
        bad(`${p}.greenSeconds`, t.greenSeconds, `too short for pedestrian walk + clearance ${need} s`);
    }
    if (t.minGreenSeconds < ph.minGreenSeconds - tol) bad(`${p}.minGreenSeconds`, t.minGreenSeconds, `must be >= min green ${ph.minGreenSeconds}`);
    if (t.maxGreenSeconds > ph.maxGreenSeconds + tol) bad(`${p}.maxGreenSeconds`, t.maxGreenSeconds, `must be <= max green ${ph.maxGreenSeconds}`);
    if (t.minGreenSeconds > t.greenSeconds + tol || t.maxGreenSeconds < t.greenSeconds - tol)
      bad(`${p}.greenSeconds`, t.greenSeconds, `must lie within its actuation bounds ${t.minGreenSeconds}..${t.maxGreenSeconds}`);
    total += t.greenSeconds + t.yellowSeconds + t.allRedSeconds;
  }
  if (plan.phases.length === intersection.phases.length && Math.abs(total - plan.cycleSeconds) > tol)
    bad('cycleSeconds', plan.cycleSeconds, `must equal the sum of greens, yellows and all-reds (${Math.round(total * 1000) / 1000})`);

  for (const p of networkProblems(intersection)) problems.push(p);
  return problems;
}

/**
 * What the gate checks of the intersection itself (no phase serves two conflicting movements, every movement is
 * served): a pure function of the intersection, so computed once per intersection object and reused for every
 * plan (a replayed day gates about a hundred thousand plans). Network objects are treated as immutable once loaded.
 */
const networkProblemsCache = new WeakMap<Intersection, readonly string[]>();

function networkProblems(intersection: Intersection): readonly string[] {
  const cached = networkProblemsCache.get(intersection);
  if (cached) return cached;
  const problems: string[] = [];
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
          problems.push(`phases[${i}] = ${JSON.stringify(ph.id)}: serves conflicting movements ${ph.movementIds[a]} and ${ph.movementIds[b]}`);
  });
  for (const m of intersection.movements) if (!served.has(m.id)) problems.push(`phases = ${JSON.stringify(m.id)}: movement is served by no phase`);
  networkProblemsCache.set(intersection, problems);
  return problems;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
