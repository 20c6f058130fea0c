import { clamp, type IntersectionModel } from './intersection-model.js';
import type { OptimizerConfig } from './optimizer-config.js';
import { minimumCycleSeconds, websterOptimumCycleSeconds } from './signal-timing-math.js';

export interface CycleChoice {
  cycleSeconds: number;
  websterCycleSeconds: number;
  oversaturated: boolean;
}

/**
 * The cycle this intersection wants on its own: Webster's optimum, raised to keep critical movements under the
 * target degree of saturation, within the intersection's feasible bounds, in whole seconds.
 * No demand gives the shortest feasible cycle; oversaturation gives the longest (most capacity per hour).
 */
export function requiredCycle(model: IntersectionModel, sumCriticalFlowRatio: number, config: OptimizerConfig): CycleChoice {
  // Lost time per cycle: the clearances, plus each phase's start-up loss (drivers react and accelerate).
  const L = model.lostTimeSeconds + model.phaseIds.length * config.startupLostTimeSeconds;
  const Y = sumCriticalFlowRatio;
  const webster = websterOptimumCycleSeconds(L, Y);
  if (Y <= 0) return { cycleSeconds: model.cycleLowSeconds, websterCycleSeconds: webster, oversaturated: false };
  if (Y >= config.oversaturatedFlowRatio)
    return { cycleSeconds: model.cycleHighSeconds, websterCycleSeconds: webster, oversaturated: true };
  const wanted = Math.max(webster, minimumCycleSeconds(L, Y, config.targetDegreeOfSaturation));
  const cycle = clamp(Math.ceil(wanted), model.cycleLowSeconds, model.cycleHighSeconds);
  return { cycleSeconds: cycle, websterCycleSeconds: webster, oversaturated: false };
}
