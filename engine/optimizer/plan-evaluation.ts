import type { IntersectionModel } from './intersection-model.js';
import { hcmControlDelaySecondsPerVeh } from './signal-timing-math.js';
import { capacityVehPerHour } from '../timing/index.js';

export interface PlanEvaluation {
  delaySecondsPerVehByMovement: number[];
  degreeOfSaturationByMovement: number[];
  /** Flow-weighted total delay, vehicle-hours per hour. */
  totalDelayVehHoursPerHour: number;
  maxDegreeOfSaturation: number;
}

/** Predicted delay and degree of saturation of every movement under given greens and cycle (HCM 2000 delay). */
export function evaluatePlan(model: IntersectionModel, greens: ArrayLike<number>, cycleSeconds: number, flows: ArrayLike<number>): PlanEvaluation {
  const delays: number[] = [];
  const dos: number[] = [];
  let total = 0;
  let maxX = 0;
  for (let k = 0; k < model.movements.length; k++) {
    const m = model.movements[k];
    let g = 0;
    for (const p of m.phaseIndices) g += greens[p];
    const q = Math.max(0, flows[k]);
    const capacity = capacityVehPerHour(m.saturationFlowVehPerHour, Math.min(g, cycleSeconds), cycleSeconds);
    const x = capacity > 0 ? q / capacity : q > 0 ? Infinity : 0;
    const d = hcmControlDelaySecondsPerVeh({
      cycleSeconds,
      effectiveGreenSeconds: g,
      flowVehPerHour: q,
      saturationFlowVehPerHour: m.saturationFlowVehPerHour,
    });
    delays.push(d);
    dos.push(x);
    if (x > maxX) maxX = x;
    total += (q * d) / 3600;
  }
  return { delaySecondsPerVehByMovement: delays, degreeOfSaturationByMovement: dos, totalDelayVehHoursPerHour: total, maxDegreeOfSaturation: maxX };
}

/**
 * `evaluatePlan(...).totalDelayVehHoursPerHour` alone, the same sum in the same order, without the per-movement
 * arrays (deciding whether new splits beat the plan in force needs only the totals).
 */
export function totalDelayVehHoursPerHour(model: IntersectionModel, greens: ArrayLike<number>, cycleSeconds: number, flows: ArrayLike<number>): number {
  let total = 0;
  const movements = model.movements;
  for (let k = 0; k < movements.length; k++) {
    const m = movements[k];
    let g = 0;
    for (const p of m.phaseIndices) g += greens[p];
    const q = Math.max(0, flows[k]);
    const d = hcmControlDelaySecondsPerVeh({
      cycleSeconds,
      effectiveGreenSeconds: g,
      flowVehPerHour: q,
      saturationFlowVehPerHour: m.saturationFlowVehPerHour,
    });
    total += (q * d) / 3600;
  }
  return total;
}
