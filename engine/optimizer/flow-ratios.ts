import type { IntersectionModel } from './intersection-model.js';

export interface PhaseFlowRatios {
  /** Critical flow ratio y of each phase (by phase position). */
  byPhase: number[];
  /** Movement index that sets each phase's ratio, or -1 when the phase has no demand. */
  criticalMovement: number[];
  /** Sum of the phases' critical flow ratios, Y. */
  total: number;
}

/**
 * Critical flow ratio of each phase: the largest q/s among the movements it serves. A movement served by
 * several phases (an overlap) needs that green only once, so its ratio is shared evenly among them.
 */
export function phaseFlowRatios(model: IntersectionModel, flowVehPerHourByMovement: ArrayLike<number>): PhaseFlowRatios {
  const n = model.phaseIds.length;
  const byPhase = new Array<number>(n).fill(0);
  const criticalMovement = new Array<number>(n).fill(-1);
  for (let k = 0; k < model.movements.length; k++) {
    const m = model.movements[k];
    if (m.phaseIndices.length === 0) continue;
    const y = Math.max(0, flowVehPerHourByMovement[k]) / m.saturationFlowVehPerHour / m.phaseIndices.length;
    for (const p of m.phaseIndices) {
      if (y > byPhase[p]) {
        byPhase[p] = y;
        criticalMovement[p] = k;
      }
    }
  }
  let total = 0;
  for (const y of byPhase) total += y;
  return { byPhase, criticalMovement, total };
}
