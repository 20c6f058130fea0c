import { describe, expect, it } from 'vitest';
import { hcmControlDelaySecondsPerVeh, minimumCycleSeconds, websterOptimumCycleSeconds } from '../../engine/optimizer/signal-timing-math.js';
import { degreeOfSaturation } from '../../engine/timing/index.js';
import { distributeGreens } from '../../engine/optimizer/green-splits.js';
import { buildIntersectionModel } from '../../engine/optimizer/intersection-model.js';
import { resolveOptimizerConfig } from '../../engine/optimizer/optimizer-config.js';
import { singleIntersectionNetwork } from '../fixtures/single-intersection.js';

describe("Webster's method, worked examples", () => {
  // Two-phase signal, flows 500 and 300 pcu/h on approaches of saturation flow 1600 pcu/h, lost time 16 s per cycle.
  // Khanna & Justo, Highway Engineering, traffic signal design by Webster's method: Y = 0.5, C0 = 58 s.
  it('C0 = (1.5 x 16 + 5) / (1 - 0.5) = 58 s', () => {
    const Y = 500 / 1600 + 300 / 1600;
    expect(Y).toBeCloseTo(0.5, 10);
    expect(websterOptimumCycleSeconds(16, Y)).toBeCloseTo(58, 10);
  });

  // GATE Civil Engineering (transportation): N-S 1000 veh/h at s = 2500, E-W 900 veh/h at s = 3000, L = 12 s:
  // y = 0.4 and 0.3, Y = 0.7, C0 = 23 / 0.3 = 76.7 s (77 s); effective greens g_i = (y_i / Y)(C - L).
  it('C0 = 77 s and greens 37.1 / 27.9 s for y = 0.4 / 0.3, L = 12 s', () => {
    const C0 = websterOptimumCycleSeconds(12, 0.4 + 0.3);
    expect(C0).toBeCloseTo(76.67, 2);
    const net = singleIntersectionNetwork([
      { minGreenSeconds: 5, extraMaxSeconds: 100, yellowSeconds: 3, allRedSeconds: 3, movementSaturationFlows: [2500] },
      { minGreenSeconds: 5, extraMaxSeconds: 100, yellowSeconds: 3, allRedSeconds: 3, movementSaturationFlows: [3000] },
    ]);
    const model = buildIntersectionModel(net.intersections[0], resolveOptimizerConfig());
    expect(model.lostTimeSeconds).toBe(12);
    const greens = distributeGreens(model, [0.4, 0.3], 77);
    expect(greens[0]).toBeCloseTo((0.4 / 0.7) * 65, 6);
    expect(greens[1]).toBeCloseTo((0.3 / 0.7) * 65, 6);
    // Equal degree of saturation on both critical movements.
    expect(degreeOfSaturation(1000, 2500, greens[0], 77)).toBeCloseTo(degreeOfSaturation(900, 3000, greens[1], 77), 6);
  });

  it('has no finite cycle at or beyond saturation', () => {
    expect(websterOptimumCycleSeconds(12, 1)).toBe(Infinity);
    expect(minimumCycleSeconds(12, 0.9, 0.9)).toBe(Infinity);
    expect(minimumCycleSeconds(12, 0.45, 0.9)).toBeCloseTo(24, 9);
  });
});

describe('HCM 2000 control delay', () => {
  it('gives the uniform delay plus a small incremental delay at low flow', () => {
    // C = 90, g = 45, s = 1800, q = 300: x = 0.333; d1 = 0.5*90*0.25/(1-0.1667) = 13.5 s
    const d = hcmControlDelaySecondsPerVeh({ cycleSeconds: 90, effectiveGreenSeconds: 45, flowVehPerHour: 300, saturationFlowVehPerHour: 1800 });
    expect(d).toBeGreaterThan(13.5);
    expect(d).toBeLessThan(15);
  });
  it('grows with flow and stays finite past saturation', () => {
    const at = (q: number) => hcmControlDelaySecondsPerVeh({ cycleSeconds: 90, effectiveGreenSeconds: 45, flowVehPerHour: q, saturationFlowVehPerHour: 1800 });
    expect(at(600)).toBeGreaterThan(at(300));
    expect(at(900)).toBeGreaterThan(at(600));
    expect(Number.isFinite(at(1200))).toBe(true);
    expect(at(1200)).toBeGreaterThan(at(900));
  });
});
