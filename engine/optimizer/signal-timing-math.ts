/**
 * Textbook signal timing formulas, written once and shared by the optimizer, replay reports and baselines.
 * Times in seconds, flows in veh/h.
 */

/**
 * Webster's optimum cycle C0 = (1.5·L + 5) / (1 − Y)  (Webster 1958, Road Research Technical Paper 39).
 * Returns Infinity when Y >= 1 (no finite cycle serves the demand).
 */
export function websterOptimumCycleSeconds(lostTimeSeconds: number, sumCriticalFlowRatio: number): number {
  if (sumCriticalFlowRatio >= 1) return Infinity;
  return (1.5 * lostTimeSeconds + 5) / (1 - sumCriticalFlowRatio);
}

/** Minimum cycle that just serves the demand at a target degree of saturation x: C = L / (1 − Y/x). */
export function minimumCycleSeconds(lostTimeSeconds: number, sumCriticalFlowRatio: number, targetDegreeOfSaturation: number): number {
  const r = sumCriticalFlowRatio / targetDegreeOfSaturation;
  if (r >= 1) return Infinity;
  return lostTimeSeconds / (1 - r);
}

export interface DelayInputs {
  cycleSeconds: number;
  effectiveGreenSeconds: number;
  flowVehPerHour: number;
  saturationFlowVehPerHour: number;
  /** Analysis period, hours (HCM default 0.25). */
  analysisPeriodHours?: number;
  /** Incremental delay factor k: 0.5 pretimed, lower for actuated. */
  incrementalDelayFactor?: number;
}

/**
 * HCM 2000 control delay (Eq. 16-9 without initial queue): uniform delay d1 plus incremental delay d2, s/veh.
 * Defined for oversaturated movements too (x > 1), unlike Webster's delay formula.
 */
export function hcmControlDelaySecondsPerVeh(i: DelayInputs): number {
  const C = i.cycleSeconds;
  const gOverC = Math.min(1, Math.max(0, i.effectiveGreenSeconds / C));
  const capacity = i.saturationFlowVehPerHour * gOverC;
  if (capacity <= 0) return i.flowVehPerHour > 0 ? 3600 : C / 2;
  const x = i.flowVehPerHour / capacity;
  const d1 = (0.5 * C * (1 - gOverC) ** 2) / (1 - Math.min(1, x) * gOverC);
  const T = i.analysisPeriodHours ?? 0.25;
  const k = i.incrementalDelayFactor ?? 0.5;
  const d2 = 900 * T * (x - 1 + Math.sqrt((x - 1) ** 2 + (8 * k * x) / (capacity * T)));
  return d1 + d2;
}
