import { DEFAULT_OPTIMIZER_CONFIG, type OptimizerConfig } from '../optimizer/optimizer-config.js';
import { DEFAULT_SAFETY_GATE_CONFIG, type SafetyGateConfig } from '../safety/plan-safety-gate.js';

export interface EngineConfig {
  /** How often the optimizer runs, seconds. */
  optimisationPeriodSeconds: number;
  /** Time constant of the exponential smoothing of detector flows, seconds. */
  smoothingSeconds: number;
  /** A detector with no count for this long is silent (faulty), seconds. */
  silentAfterSeconds: number;
  /** Occupancy at or above stuckOnOccupancy for this long means the detector is stuck on, seconds. */
  stuckOnSeconds: number;
  stuckOnOccupancy: number;
  /** Zero counts for this long while a neighbour counts traffic means the detector is stuck at zero, seconds. */
  stuckZeroSeconds: number;
  /** Counts above this rate per lane are physically impossible and rejected, veh/h. */
  maxLaneFlowVehPerHour: number;
  /** Counts stamped further than this ahead of the engine clock are rejected, seconds. */
  maxFutureSkewSeconds: number;
  /** Counts stamped further than this behind the engine clock are rejected, seconds (devices resend buffered counts after an outage). */
  maxPastSkewSeconds: number;
  /** Longest counting interval accepted, seconds. */
  maxIntervalSeconds: number;
  /** A faulty detector's last healthy flow stands in for it this long when it has no time-of-day history, seconds. */
  recentHistorySeconds: number;
  /** Degree of saturation at which demand is implied from a fallback plan's greens when nothing better is known. */
  fallbackImpliedDegreeOfSaturation: number;
  /**
   * A movement measured at this share of its capacity under the plan in force is taken as saturated... At 1 (its
   * capacity), above any degree of saturation the optimiser plans for (targetDegreeOfSaturation), so the rule
   * cannot feed on the engine's own plans: at 0.85 a Webster plan for a flow-ratio sum of 0.72 or more (two
   * phases, 12 s lost) already triggered it, and the cycle ratcheted to its maximum at medium demand.
   */
  saturatedMovementThreshold: number;
  /** ...and its demand is taken this much above what was counted (a queue was left behind). */
  saturatedDemandBoost: number;
  /**
   * Version of the first plans (the fallback plans); each adopted plan is the one in force plus one. A live server
   * starts each engine run at a new base so that versions never repeat across restarts.
   */
  planVersionBase: number;
  /** Emit a KPI event on each optimisation tick. */
  emitKpis: boolean;
  optimizer: OptimizerConfig;
  safetyGate: SafetyGateConfig;
}

export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = Object.freeze({
  optimisationPeriodSeconds: 60,
  smoothingSeconds: 180,
  silentAfterSeconds: 180,
  stuckOnSeconds: 300,
  stuckOnOccupancy: 0.95,
  stuckZeroSeconds: 1200,
  maxLaneFlowVehPerHour: 3600,
  maxFutureSkewSeconds: 60,
  maxPastSkewSeconds: 86_400,
  maxIntervalSeconds: 3600,
  recentHistorySeconds: 3600,
  fallbackImpliedDegreeOfSaturation: 0.8,
  saturatedMovementThreshold: 1,
  saturatedDemandBoost: 0.2,
  planVersionBase: 0,
  emitKpis: true,
  optimizer: DEFAULT_OPTIMIZER_CONFIG,
  safetyGate: DEFAULT_SAFETY_GATE_CONFIG,
});

export type EngineConfigInput = Partial<Omit<EngineConfig, 'optimizer' | 'safetyGate'>> & {
  optimizer?: Partial<OptimizerConfig>;
  safetyGate?: Partial<SafetyGateConfig>;
};

export function resolveEngineConfig(input: EngineConfigInput = {}): EngineConfig {
  return {
    ...DEFAULT_ENGINE_CONFIG,
    ...input,
    optimizer: { ...DEFAULT_OPTIMIZER_CONFIG, ...input.optimizer },
    safetyGate: { ...DEFAULT_SAFETY_GATE_CONFIG, ...input.safetyGate },
  };
}
