import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReportBins } from '../../replay/report-bins.js';
import type { BinRow } from '../../replay/replay-summary.js';

describe('ReportBins: the figures the report draws of the 15-minute rows, kept as numbers', () => {
  const source = (cycleSeconds: number, maxDegreeOfSaturation: number) => ({ cycleSeconds, maxDegreeOfSaturation, delaySecondsPerVeh: 1, delayVehHours: 1, arrivals: 1, arrivalsOnGreen: 1, splitFailures: 0, planChanges: 0 });
  it('gives back every row it was given, exactly and in order, past its first allocation', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1.2345678901234567, Number.MAX_VALUE));
    const row = fc.record({ id: fc.constantFrom('a', 'b', 'IA7', 'x y'), bin: fc.integer({ min: 0, max: 10_000 }), flow: value, ac: value, ec: value, ax: value, ex: value });
    fc.assert(
      fc.property(fc.array(row, { minLength: 0, maxLength: 3000 }), (rows) => {
        const bins = new ReportBins();
        const given: BinRow[] = rows.map((r) => ({ intersectionId: r.id, binStartMs: r.bin * 900_000, binStart: '', timeZone: 'UTC', coveredSeconds: 900, flowVehPerHour: r.flow, actual: source(r.ac, r.ax), engine: source(r.ec, r.ex) }));
        for (const g of given) bins.add(g);
        expect(bins.length).toBe(given.length);
        const back = [...bins.rows()];
        expect(back).toEqual(given.map((g) => ({ intersectionId: g.intersectionId, binStartMs: g.binStartMs, flowVehPerHour: g.flowVehPerHour, actual: { cycleSeconds: g.actual.cycleSeconds, maxDegreeOfSaturation: g.actual.maxDegreeOfSaturation }, engine: { cycleSeconds: g.engine.cycleSeconds, maxDegreeOfSaturation: g.engine.maxDegreeOfSaturation } })));
        // -0 and NaN too (toEqual treats -0 as 0)
        back.forEach((b, i) => expect(Object.is(b.actual.maxDegreeOfSaturation, given[i].actual.maxDegreeOfSaturation)).toBe(true));
      }),
      { numRuns: 60 },
    );
  });
});
