import { describe, expect, it } from 'vitest';
import { checkPlan, checkPlanSafety, type SafetyProblem } from '../../engine/safety/plan-safety-gate.js';
import { fallbackPhasePlan } from '../../engine/safety/fallback-plan.js';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import type { PhasePlan } from '../../engine/plan-types.js';

// IA2 of the demo arterial: phases EW-left (min 6), EW (min 15, pedestrians 7 + 12 s), NS (min 10); 3 s yellow, 2 s all-red.
const net = arterialCorridorNetwork();
const x = net.intersections[1];
const safe = (): PhasePlan => {
  const p = fallbackPhasePlan(x, Date.UTC(2026, 10, 23, 8));
  return { ...p, phases: p.phases.map((ph) => ({ ...ph, minGreenSeconds: ph.greenSeconds - 2, maxGreenSeconds: ph.greenSeconds + 2 })) };
};

describe('plan safety gate', () => {
  it('passes the fallback plan', () => {
    expect(checkPlanSafety(safe(), x)).toEqual([]);
  });

  it('codes each broken rule, with the phase and the numbers', () => {
    const ids = x.phases.map((ph) => ph.id);
    const cases: Array<[string, (p: PhasePlan) => void, Partial<SafetyProblem>]> = [
      ['green below min', (p) => { p.phases[0].greenSeconds = 2; p.cycleSeconds -= p.phases[0].minGreenSeconds - 2 + 4; p.phases[0].minGreenSeconds = 2; }, { code: 'GW_SAFETY_GREEN_BELOW_MIN', path: 'phases[0].greenSeconds', phaseId: ids[0], value: 2, limit: 6 }],
      ['cycle arithmetic', (p) => { p.cycleSeconds += 5; p.offsetSeconds = 0; }, { code: 'GW_SAFETY_CYCLE_NOT_SUM_OF_PHASES', path: 'cycleSeconds', value: safe().cycleSeconds + 5, limit: safe().cycleSeconds }],
      ['offset outside the cycle', (p) => { p.offsetSeconds = p.cycleSeconds; }, { code: 'GW_SAFETY_OFFSET_OUTSIDE_CYCLE', value: safe().cycleSeconds, limit: [0, safe().cycleSeconds] }],
      ['yellow shorter than the clearance', (p) => { p.phases[1].yellowSeconds = 1; p.phases[1].greenSeconds += 2; p.phases[1].maxGreenSeconds += 2; p.phases[1].minGreenSeconds += 2; }, { code: 'GW_SAFETY_YELLOW_BELOW_CLEARANCE', phaseId: ids[1], value: 1, limit: 3 }],
      ['phase order', (p) => { [p.phases[0], p.phases[1]] = [p.phases[1], p.phases[0]]; }, { code: 'GW_SAFETY_PHASE_ORDER', path: 'phases[0].phaseId', phaseId: ids[0], value: ids[1] }],
      ['actuation bounds outside the phase', (p) => { p.phases[2].maxGreenSeconds = 500; }, { code: 'GW_SAFETY_MAX_GREEN_BOUND_ABOVE_MAX', phaseId: ids[2], value: 500, limit: x.phases[2].maxGreenSeconds }],
      ['not a number', (p) => { p.phases[0].greenSeconds = NaN; }, { code: 'GW_SAFETY_NOT_A_NUMBER', path: 'phases[0].greenSeconds', phaseId: ids[0] }],
      ['cycle beyond the absolute bounds', (p) => { p.cycleSeconds = 400; }, { code: 'GW_SAFETY_CYCLE_OUT_OF_BOUNDS', value: 400, limit: [10, 300] }],
      ['green outside its own actuation bounds', (p) => { p.phases[2].minGreenSeconds = p.phases[2].greenSeconds + 1; }, { code: 'GW_SAFETY_GREEN_OUTSIDE_ACTUATION_BOUNDS', phaseId: ids[2] }],
    ];
    for (const [name, breakIt, expected] of cases) {
      const plan = safe();
      breakIt(plan);
      expect(checkPlan(plan, x), name).toContainEqual(expect.objectContaining(expected));
    }
  });

  it('says the same as text: path = value: rule', () => {
    const plan = safe();
    plan.phases[1].yellowSeconds = 1;
    const problems = checkPlan(plan, x);
    expect(checkPlanSafety(plan, x)).toEqual(problems.map((p) => p.message));
    expect(problems.find((p) => p.code === 'GW_SAFETY_YELLOW_BELOW_CLEARANCE')?.message).toBe('phases[1].yellowSeconds = 1: must be >= clearance yellow 3');
  });

  it('refuses plans for an intersection whose phases serve conflicting movements or leave one unserved', () => {
    const bad = JSON.parse(JSON.stringify(x)) as typeof x;
    const [a, b] = bad.conflicts[0];
    bad.phases[0].movementIds.push(a, b);
    const lonely = bad.movements[0].id;
    for (const p of bad.phases) p.movementIds = p.movementIds.filter((m) => m !== lonely);
    const problems = checkPlan(safe(), bad);
    expect(problems).toContainEqual(expect.objectContaining({ code: 'GW_SAFETY_CONFLICTING_MOVEMENTS', phaseId: bad.phases[0].id, movementIds: [a, b] }));
    expect(problems).toContainEqual(expect.objectContaining({ code: 'GW_SAFETY_MOVEMENT_UNSERVED', movementIds: [lonely] }));
    // the same checks on the intact intersection still pass (results are cached per intersection object)
    expect(checkPlanSafety(safe(), x)).toEqual([]);
  });
});
