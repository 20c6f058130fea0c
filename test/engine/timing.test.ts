import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capacityVehPerHour, cycleSecondsRounded, degreeOfSaturation, degreeOfSaturationOfFlowRatio, dischargedVehicles, greenStartSeconds, greenStartsSeconds, intervalAt, lostTimeSeconds, modulo } from '../../engine/timing/index.js';

const seconds = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const cycle = fc.double({ min: 1, max: 600, noNaN: true });
const phase = fc.record({ greenSeconds: fc.integer({ min: 0, max: 90 }), yellowSeconds: fc.integer({ min: 0, max: 6 }), allRedSeconds: fc.integer({ min: 0, max: 4 }) });

describe('engine/timing: the cycle arithmetic written once', () => {
  it('modulo lands in [0, m] and agrees with the floored remainder (fast-check)', () => {
    fc.assert(
      fc.property(seconds, cycle, (a, m) => {
        const r = modulo(a, m);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(m);
        // the same point of the cycle as the floored remainder (which float rounding can carry to m itself)
        const d = Math.abs(r - (a - m * Math.floor(a / m)));
        expect(Math.min(d, m - d)).toBeLessThan(1e-6 * Math.max(1, Math.abs(a)));
      }),
    );
    expect(modulo(-1e-17, 60)).toBe(60); // -1e-17 + 60 rounds to 60: the cycle's very end
    expect(modulo(-15, 60)).toBe(45);
    expect(modulo(130.5, 60)).toBe(10.5);
  });

  it('a cycle time written into a plan is kept to the microsecond and stays below the cycle', () => {
    expect(cycleSecondsRounded(0.1 + 0.2, 60)).toBe(0.3);
    expect(cycleSecondsRounded(59.9999999, 60)).toBe(0);
    expect(cycleSecondsRounded(-0.0000001, 60)).toBe(0);
    expect(cycleSecondsRounded(-20, 90)).toBe(70);
    // The optimizer's offsets before the timing core (coordination-offsets.ts `mod`): plans stay byte-identical.
    const before = (v: number, m: number) => {
      const r = v % m;
      const out = r < 0 ? r + m : r;
      return Math.round(out * 1e6) / 1e6 >= m ? 0 : Math.round(out * 1e6) / 1e6;
    };
    fc.assert(
      fc.property(seconds, cycle, (a, m) => {
        expect(cycleSecondsRounded(a, m)).toBeLessThan(m);
        expect(cycleSecondsRounded(a, m)).toBe(before(a, m));
      }),
    );
  });

  it('each phase green starts where the phases before it end, and intervalAt finds the interval there (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(phase, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), (phases, f) => {
        const starts = greenStartsSeconds(phases);
        const g = phases.map((p) => p.greenSeconds);
        const y = phases.map((p) => p.yellowSeconds);
        const r = phases.map((p) => p.allRedSeconds);
        phases.forEach((p, i) => {
          expect(greenStartSeconds(g, y, r, i)).toBe(starts[i]);
          if (p.greenSeconds > 0) expect(intervalAt(phases, starts[i])).toEqual({ phase: i, interval: 'green', secondsLeft: p.greenSeconds });
        });
        const total = phases.reduce((s, p) => s + p.greenSeconds + p.yellowSeconds + p.allRedSeconds, 0);
        expect(lostTimeSeconds(phases) + g.reduce((s, v) => s + v, 0)).toBe(total);
        const at = intervalAt(phases, f * total);
        expect(at.secondsLeft).toBeGreaterThanOrEqual(0);
        expect(at.phase).toBeLessThan(phases.length);
      }),
    );
  });

  it('worked example (Webster 1958; Roess, Prassas & McShane, Traffic Engineering, ch. on signal timing)', () => {
    // Two phases, 3 s yellow and 2 s all-red each: L = 10 s. A movement at 1,800 veh/h saturation flow with 27 s
    // effective green in a 60 s cycle has capacity 810 veh/h; at 648 veh/h it runs at x = 0.8.
    const phases = [
      { greenSeconds: 27, yellowSeconds: 3, allRedSeconds: 2 },
      { greenSeconds: 23, yellowSeconds: 3, allRedSeconds: 2 },
    ];
    expect(lostTimeSeconds(phases)).toBe(10);
    expect(capacityVehPerHour(1800, 27, 60)).toBe(810);
    expect(degreeOfSaturation(648, 1800, 27, 60)).toBeCloseTo(0.8, 12);
    expect(degreeOfSaturationOfFlowRatio(648 / 1800, 27, 60)).toBeCloseTo(0.8, 12);
    expect(degreeOfSaturationOfFlowRatio(0.3, 0, 60)).toBe(0);
    expect(degreeOfSaturation(100, 1800, 0, 60)).toBe(Infinity);
    // 1,800 veh/h per lane is one vehicle every 2 s: a 20 s green discharges 10.
    expect(dischargedVehicles(1800, 20)).toBe(10);
    expect(dischargedVehicles(1500, 24)).toBe(10);
    expect(intervalAt(phases, 28.5)).toEqual({ phase: 0, interval: 'yellow', secondsLeft: 1.5 });
    expect(intervalAt(phases, 31)).toEqual({ phase: 0, interval: 'all-red', secondsLeft: 1 });
    expect(intervalAt(phases, 59.99)).toMatchObject({ phase: 1, interval: 'all-red' });
  });
});
