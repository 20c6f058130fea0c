import { describe, expect, it } from 'vitest';
import { checkPlanSafety } from '../../engine/safety/plan-safety-gate.js';
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

  it('names each broken rule with its field and value', () => {
    const cases: Array<[string, (p: PhasePlan) => void, RegExp]> = [
      ['green below min', (p) => { p.phases[0].greenSeconds = 2; p.cycleSeconds -= p.phases[0].minGreenSeconds - 2 + 4; p.phases[0].minGreenSeconds = 2; }, /^phases\[0\]\.greenSeconds = 2: must be >= min green 6$/m],
      ['cycle arithmetic', (p) => { p.cycleSeconds += 5; p.offsetSeconds = 0; }, /^cycleSeconds = \d+: must equal the sum of greens, yellows and all-reds/m],
      ['offset outside the cycle', (p) => { p.offsetSeconds = p.cycleSeconds; }, /^offsetSeconds = \d+: must be in \[0, cycleSeconds/m],
      ['yellow shorter than the clearance', (p) => { p.phases[1].yellowSeconds = 1; p.phases[1].greenSeconds += 2; p.phases[1].maxGreenSeconds += 2; p.phases[1].minGreenSeconds += 2; }, /^phases\[1\]\.yellowSeconds = 1: must be >= clearance yellow 3$/m],
      ['phase order', (p) => { [p.phases[0], p.phases[1]] = [p.phases[1], p.phases[0]]; }, /^phases\[0\]\.phaseId = ".*:EW": must be .*:EW-left/m],
      ['actuation bounds outside the phase', (p) => { p.phases[2].maxGreenSeconds = 500; }, /^phases\[2\]\.maxGreenSeconds = 500: must be <= max green/m],
      ['not a number', (p) => { p.phases[0].greenSeconds = NaN; }, /^phases\[0\]\.greenSeconds = null: must be a finite number$/m],
    ];
    for (const [name, breakIt, expected] of cases) {
      const plan = safe();
      breakIt(plan);
      expect(checkPlanSafety(plan, x).join('\n'), name).toMatch(expected);
    }
  });

  it('refuses plans for an intersection whose phases serve conflicting movements or leave one unserved', () => {
    const bad = JSON.parse(JSON.stringify(x)) as typeof x;
    const [a, b] = bad.conflicts[0];
    bad.phases[0].movementIds.push(a, b);
    const lonely = bad.movements[0].id;
    for (const p of bad.phases) p.movementIds = p.movementIds.filter((m) => m !== lonely);
    const problems = checkPlanSafety(safe(), bad);
    expect(problems.some((p) => p.includes(`serves conflicting movements ${a} and ${b}`))).toBe(true);
    expect(problems).toContain(`phases = "${lonely}": movement is served by no phase`);
    // the same checks on the intact intersection still pass (results are cached per intersection object)
    expect(checkPlanSafety(safe(), x)).toEqual([]);
  });
});
