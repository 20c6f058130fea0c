import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distributeGreens } from '../../engine/optimizer/green-splits.js';
import { buildIntersectionModel } from '../../engine/optimizer/intersection-model.js';
import { phaseFlowRatios } from '../../engine/optimizer/flow-ratios.js';
import { requiredCycle } from '../../engine/optimizer/cycle-length.js';
import { resolveOptimizerConfig } from '../../engine/optimizer/optimizer-config.js';
import { actuationWindowSeconds } from '../../engine/optimizer/optimize-group.js';
import { checkPlanSafety } from '../../engine/safety/plan-safety-gate.js';
import { fallbackPhasePlan } from '../../engine/safety/fallback-plan.js';
import { buildGridNetwork } from '../../network-models/demo/build-grid-network.js';
import type { PhasePlan } from '../../engine/plan-types.js';
import { demandArb, intersectionArb, phaseSpecArb, singleIntersectionNetwork } from '../fixtures/single-intersection.js';
import { optimizeNetwork } from '../fixtures/optimize.js';

const RUNS = { numRuns: 150 };

function sumCycle(plan: PhasePlan): number {
  return plan.phases.reduce((s, p) => s + p.greenSeconds + p.yellowSeconds + p.allRedSeconds, 0);
}

describe('optimizer invariants (fast-check)', () => {
  it('every plan passes the safety gate: cycle arithmetic, min/max greens, clearances, offset range', () => {
    fc.assert(
      fc.property(intersectionArb.chain((net) => fc.tuple(fc.constant(net), demandArb(net, 1.2))), ([net, flows]) => {
        const x = net.intersections[0];
        const plan = optimizeNetwork(net, flows).get('X')!;
        expect(checkPlanSafety(plan, x)).toEqual([]);
        expect(sumCycle(plan)).toBeCloseTo(plan.cycleSeconds, 6);
        expect(plan.offsetSeconds).toBeGreaterThanOrEqual(0);
        expect(plan.offsetSeconds).toBeLessThan(plan.cycleSeconds);
      }),
      RUNS,
    );
  });

  it('successive plans from a plan in force stay safe and move by bounded steps', () => {
    fc.assert(
      fc.property(intersectionArb.chain((net) => fc.tuple(fc.constant(net), fc.array(demandArb(net, 1), { minLength: 2, maxLength: 6 }))), ([net, demands]) => {
        const x = net.intersections[0];
        const config = resolveOptimizerConfig();
        let inForce = fallbackPhasePlan(x, 0);
        for (const flows of demands) {
          const next = optimizeNetwork(net, flows, new Map([['X', inForce]])).get('X')!;
          expect(checkPlanSafety(next, x)).toEqual([]);
          expect(Math.abs(next.cycleSeconds - inForce.cycleSeconds)).toBeLessThanOrEqual(config.maxCycleStepSeconds + 1e-9);
          if (next !== inForce) expect(next.version).toBe(inForce.version + 1);
          inForce = next;
        }
      }),
      RUNS,
    );
  });

  it('more demand on a phase never gives it less green (exact before rounding, within 1 s after)', () => {
    const config = resolveOptimizerConfig();
    fc.assert(
      fc.property(
        intersectionArb.chain((net) => fc.tuple(fc.constant(net), demandArb(net, 0.5), fc.nat({ max: 20 }), fc.double({ min: 1, max: 400, noNaN: true }))),
        ([net, flows, pick, extra]) => {
          const x = net.intersections[0];
          const movement = x.movements[pick % x.movements.length];
          const phaseIndex = x.phases.findIndex((p) => p.movementIds.includes(movement.id));
          const more = { ...flows, [movement.id]: flows[movement.id] + extra };
          const model = buildIntersectionModel(x, config);
          const ratios = (f: Record<string, number>) => phaseFlowRatios(model, x.movements.map((m) => f[m.id]));
          const before = ratios(flows);
          const after = ratios(more);
          const cBefore = requiredCycle(model, before.total, config).cycleSeconds;
          const cAfter = requiredCycle(model, after.total, config).cycleSeconds;
          expect(cAfter).toBeGreaterThanOrEqual(cBefore);
          const gBefore = distributeGreens(model, before.byPhase, cBefore)[phaseIndex];
          const gAfter = distributeGreens(model, after.byPhase, cAfter)[phaseIndex];
          expect(gAfter).toBeGreaterThanOrEqual(gBefore - 1e-6);
          const planBefore = optimizeNetwork(net, flows).get('X')!;
          const planAfter = optimizeNetwork(net, more).get('X')!;
          expect(planAfter.phases[phaseIndex].greenSeconds).toBeGreaterThanOrEqual(planBefore.phases[phaseIndex].greenSeconds - 1);
        },
      ),
      RUNS,
    );
  });

  it('symmetric demand gives symmetric splits', () => {
    fc.assert(
      fc.property(phaseSpecArb, fc.double({ min: 0, max: 0.45, noNaN: true }), (spec, ratio) => {
        const net = singleIntersectionNetwork([spec, spec]);
        const flows: Record<string, number> = {};
        for (const m of net.intersections[0].movements) flows[m.id] = m.saturationFlowVehPerHour * ratio;
        const config = resolveOptimizerConfig();
        const model = buildIntersectionModel(net.intersections[0], config);
        const r = phaseFlowRatios(model, net.intersections[0].movements.map((m) => flows[m.id]));
        const greens = distributeGreens(model, r.byPhase, requiredCycle(model, r.total, config).cycleSeconds);
        expect(greens[0]).toBeCloseTo(greens[1], 6);
        const plan = optimizeNetwork(net, flows).get('X')!;
        expect(Math.abs(plan.phases[0].greenSeconds - plan.phases[1].greenSeconds)).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it('zero demand gives minimum greens at the shortest feasible cycle', () => {
    fc.assert(
      fc.property(intersectionArb, (net) => {
        const x = net.intersections[0];
        const zero = Object.fromEntries(x.movements.map((m) => [m.id, 0]));
        const plan = optimizeNetwork(net, zero, new Map(), { minCycleSeconds: 10 }).get('X')!;
        plan.phases.forEach((p, i) => expect(p.greenSeconds).toBe(x.phases[i].minGreenSeconds));
        expect(plan.cycleSeconds).toBe(x.phases.reduce((s, p) => s + p.minGreenSeconds + p.yellowSeconds + p.allRedSeconds, 0));
      }),
      RUNS,
    );
  });

  it('splits are the exact water-filling solution: free phases share one green per unit of flow ratio', () => {
    fc.assert(
      fc.property(
        fc.array(phaseSpecArb, { minLength: 2, maxLength: 6 }).chain((specs) =>
          fc.tuple(fc.constant(specs), fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.5, noNaN: true })), { minLength: specs.length, maxLength: specs.length }), fc.integer({ min: 20, max: 400 })),
        ),
        ([specs, ys, cycle]) => {
          const net = singleIntersectionNetwork(specs);
          const model = buildIntersectionModel(net.intersections[0], resolveOptimizerConfig());
          const g = distributeGreens(model, ys, cycle);
          const available = cycle - model.lostTimeSeconds;
          const total = g.reduce((a, b) => a + b, 0);
          const lo = model.minGreenSeconds;
          const hi = model.maxGreenSeconds;
          g.forEach((v, i) => {
            expect(v).toBeGreaterThanOrEqual(lo[i] - 1e-9);
            expect(v).toBeLessThanOrEqual(hi[i] + 1e-9);
          });
          if (available <= lo.reduce((a, b) => a + b, 0) || available >= hi.reduce((a, b) => a + b, 0)) return;
          expect(total).toBeCloseTo(available, 6);
          const free = g.map((v, i) => i).filter((i) => ys[i] > 0 && g[i] > lo[i] + 1e-6 && g[i] < hi[i] - 1e-6);
          if (free.length === 0) return;
          const lambda = g[free[0]] / ys[free[0]];
          for (const i of free) expect(g[i] / ys[i]).toBeCloseTo(lambda, 4);
          g.forEach((v, i) => {
            if (ys[i] <= 0) return;
            if (Math.abs(v - lo[i]) < 1e-6) expect(lambda * ys[i]).toBeLessThanOrEqual(lo[i] + 1e-6);
            if (Math.abs(v - hi[i]) < 1e-6) expect(lambda * ys[i]).toBeGreaterThanOrEqual(hi[i] - 1e-6);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(intersectionArb.chain((net) => fc.tuple(fc.constant(net), demandArb(net, 1))), ([net, flows]) => {
        expect(optimizeNetwork(net, flows)).toEqual(optimizeNetwork(net, flows));
      }),
      { numRuns: 50 },
    );
  });

  it('coordinated grids share one cycle and every plan is safe', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (columns, rows, seed) => {
        const net = buildGridNetwork({ name: 'g', columns, rows, spacingMetres: 250, mainStreetRows: [0], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
        let s = seed;
        const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
        const flows = Object.fromEntries(net.intersections.flatMap((x) => x.movements.map((m) => [m.id, rand() * 0.5 * m.saturationFlowVehPerHour])));
        const plans = optimizeNetwork(net, flows);
        const cycles = new Set([...plans.values()].map((p) => p.cycleSeconds));
        expect(cycles.size).toBe(1);
        for (const x of net.intersections) expect(checkPlanSafety(plans.get(x.id)!, x)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('actuation window', () => {
  const config = resolveOptimizerConfig();

  it('is the full ±30 s in light traffic and narrows linearly to ±15 s at oversaturation (worked values)', () => {
    expect(actuationWindowSeconds(0.3, config)).toBe(30);
    expect(actuationWindowSeconds(0.5, config)).toBe(30);
    // halfway from 0.5 to the 0.92 oversaturation threshold
    expect(actuationWindowSeconds(0.71, config)).toBeCloseTo(22.5, 6);
    expect(actuationWindowSeconds(0.92, config)).toBeCloseTo(15, 6);
    expect(actuationWindowSeconds(1.4, config)).toBe(15);
  });

  it('never widens with demand, stays between the two windows, and equal windows switch the narrowing off', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(actuationWindowSeconds(hi, config)).toBeLessThanOrEqual(actuationWindowSeconds(lo, config));
        expect(actuationWindowSeconds(lo, config)).toBeGreaterThanOrEqual(15);
        expect(actuationWindowSeconds(lo, config)).toBeLessThanOrEqual(30);
        expect(actuationWindowSeconds(hi, { ...config, congestedActuationWindowSeconds: 30 })).toBe(30);
      }),
      RUNS,
    );
  });

  it('plans of a near-saturated intersection carry the narrower bounds', () => {
    fc.assert(
      fc.property(intersectionArb.chain((net) => fc.tuple(fc.constant(net), demandArb(net, 1.2))), ([net, flows]) => {
        const plan = optimizeNetwork(net, flows).get('X')!;
        if (plan.source !== 'optimizer') return;
        const y = Object.values(plan.diagnostics?.flowRatioByPhase ?? {}).reduce((s, r) => s + r, 0);
        const w = actuationWindowSeconds(y, config);
        const x = net.intersections[0];
        plan.phases.forEach((p, i) => {
          expect(p.maxGreenSeconds).toBeLessThanOrEqual(Math.max(p.greenSeconds, p.greenSeconds + w) + 0.05);
          expect(p.minGreenSeconds).toBeGreaterThanOrEqual(Math.max(x.phases[i].minGreenSeconds, p.greenSeconds - w) - 0.05);
        });
      }),
      RUNS,
    );
  });
});
