import { describe, expect, it } from 'vitest';
import { placeArrivals } from '../../replay/arrival-model.js';
import { compilePlan, greenWindows, phaseCycleAt, phaseGreenAt } from '../../replay/plan-clock.js';
import { ReplayRun } from '../../replay/replay-run.js';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import type { PhasePlan } from '../../engine/plan-types.js';
import type { BinRow } from '../../replay/replay-summary.js';

// Two phases on a 60 s cycle, offset 10:  A green 10..40, yellow 40..43, red-clear 43..45; B green 45..70 (10 next cycle) ...
const plan = {
  intersectionId: 'X',
  version: 1,
  cycleSeconds: 60,
  offsetSeconds: 10,
  phases: [
    { phaseId: 'A', greenSeconds: 30, yellowSeconds: 3, allRedSeconds: 2, minGreenSeconds: 30, maxGreenSeconds: 30 },
    { phaseId: 'B', greenSeconds: 20, yellowSeconds: 3, allRedSeconds: 2, minGreenSeconds: 20, maxGreenSeconds: 20 },
  ],
} as PhasePlan;

describe('plan clock', () => {
  const c = compilePlan(plan);
  it('knows which phase is green, and where a time falls in the ATSPM cycle (starting at red)', () => {
    expect(phaseGreenAt(c, 0, 10)).toBe(true);
    expect(phaseGreenAt(c, 0, 39.9)).toBe(true);
    expect(phaseGreenAt(c, 0, 40)).toBe(false);
    expect(phaseGreenAt(c, 1, 45)).toBe(true);
    expect(phaseGreenAt(c, 1, 65)).toBe(false);
    const pos = phaseCycleAt(c, 0, 43, { index: 0, secondsIntoCycle: 0, cycleSeconds: 0, greenStart: 0, greenEnd: 0 });
    // Phase A's red starts at 43 (10 + 30 + 3): a new cycle; its green is the last 30 s before the 3 s yellow.
    expect(pos.secondsIntoCycle).toBe(0);
    expect([pos.greenStart, pos.greenEnd, pos.cycleSeconds]).toEqual([27, 57, 60]);
  });

  it('lists green windows in time order', () => {
    expect(greenWindows(c, [0], 0, 130, [])).toEqual([10, 40, 70, 100, 130, 130].slice(0, 4));
    expect(greenWindows(c, [0, 1], 30, 80, [])).toEqual([30, 40, 45, 65, 70, 80]);
  });
});

describe('arrival model', () => {
  it('spreads vehicles evenly with no upstream signal', () => {
    const out: number[] = [];
    expect(placeArrivals(4, 0, 60, [], 0.7, out)).toBe(4);
    expect(out).toEqual([7.5, 22.5, 37.5, 52.5]);
  });

  it('puts the platoon share inside the upstream green windows, the rest evenly', () => {
    const out: number[] = [];
    placeArrivals(10, 0, 60, [10, 20, 40, 50], 0.7, out);
    expect(out).toHaveLength(10);
    const inWindows = out.filter((t) => (t >= 10 && t < 20) || (t >= 40 && t < 50)).length;
    expect(inWindows).toBeGreaterThanOrEqual(7);
    expect([...out].sort((a, b) => a - b)).toEqual(out);
  });
});

describe('replay run', () => {
  it('measures the actual and the engine plans on the same traffic: same arrivals, different greens', () => {
    const network = arterialCorridorNetwork();
    const day = Date.UTC(2026, 10, 23);
    const rows: BinRow[] = [];
    const run = new ReplayRun({ network, onBin: (row) => rows.push(row) });
    for (const c of new SyntheticDemand(network, { seed: 2 }).day(day + 7 * 3_600_000, day + 8 * 3_600_000, 60)) run.push({ kind: 'count', atMs: c.timestamp, record: c });
    const r = run.finish();
    expect(rows).toHaveLength(6 * 4);
    // the report keeps what it draws of each row, exactly, in the rows' order
    expect([...r.bins.rows()]).toEqual(rows.map((b) => ({ intersectionId: b.intersectionId, binStartMs: b.binStartMs, flowVehPerHour: b.flowVehPerHour, actual: { cycleSeconds: b.actual.cycleSeconds, maxDegreeOfSaturation: b.actual.maxDegreeOfSaturation }, engine: { cycleSeconds: b.engine.cycleSeconds, maxDegreeOfSaturation: b.engine.maxDegreeOfSaturation } })));
    const t = r.summary.totals;
    expect(t.actual.arrivals).toBe(t.engine.arrivals);
    expect(t.actual.arrivalsOnGreen).toBeGreaterThan(0);
    expect(t.actual.arrivalsOnGreen).toBeLessThan(t.actual.arrivals);
    expect(t.engine.planChanges).toBeGreaterThan(0);
    expect(r.summary.optimisations).toBe(61);
    for (const b of rows) {
      expect(b.coveredSeconds).toBe(900);
      expect(b.actual.cycleSeconds).toBe(90); // the 06:30-09:30 time-of-day plan
      expect(b.engine.delaySecondsPerVeh).toBeGreaterThan(0);
    }
    // PCDs for the first corridor, with the arrivals of their approaches.
    expect(r.pcdActual!.approaches.length).toBeGreaterThan(0);
    expect(r.corridors[0].corridor.intersectionIds).toHaveLength(6);
  });
});
