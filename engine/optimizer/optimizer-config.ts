export interface OptimizerConfig {
  /** Cycle bounds for intersections that set none of their own, seconds. */
  minCycleSeconds: number;
  maxCycleSeconds: number;
  /** Start-up lost time of each phase, added to the clearances in the lost time that sizes the cycle, seconds. */
  startupLostTimeSeconds: number;
  /** Degree of saturation the cycle is sized for; Webster's C0 is raised if it would exceed this. */
  targetDegreeOfSaturation: number;
  /** At or above this sum of critical flow ratios the intersection is treated as oversaturated: maximum cycle. */
  oversaturatedFlowRatio: number;
  /** Largest change of cycle per update, seconds. */
  maxCycleStepSeconds: number;
  /** Each update moves the cycle this share of the way to the wanted cycle (damps oscillation from noisy counts). */
  cycleStepFraction: number;
  /** Cycle changes smaller than this are ignored (hysteresis), seconds. */
  cycleHysteresisSeconds: number;
  /** A shorter cycle is adopted only when the wanted one is shorter by this share of the cycle in force too: the
   * common cycle is the maximum over a group, which noise keeps pushing up and down. */
  cycleDecreaseHysteresisFraction: number;
  /** Largest change of any phase's green per update, seconds. */
  maxGreenStepSeconds: number;
  /** A new split is adopted only if predicted delay falls by at least this fraction. */
  adoptionMarginFraction: number;
  /** Offset changes smaller than this, or than offsetHysteresisFraction of the cycle, are ignored (each offset
   * change costs the controller a transition), seconds. */
  offsetHysteresisSeconds: number;
  offsetHysteresisFraction: number;
  /** Half-width of the actuation window around each planned green, seconds (clamped to min/max green). */
  actuationWindowSeconds: number;
  /** The window at the oversaturation flow ratio; it narrows towards this from a flow-ratio sum of 0.5, seconds. */
  congestedActuationWindowSeconds: number;
  /** A coordination choice in force (direction, tree edge, aligned phase, root of the group) is kept unless the
   * alternative carries this much more flow, and more than counting noise explains (see flowEvidenceSeconds). */
  coordinationDirectionHysteresisFraction: number;
  /** Counting time behind a smoothed flow estimate, for its Poisson noise: twice the smoothing time constant of
   * an exponential filter, seconds. Flows differing by less than two standard deviations are not told apart. */
  flowEvidenceSeconds: number;
  /** Coordinate signals of a group with offsets along their heaviest corridors. */
  coordinate: boolean;
  /** Offsets lead the platoon's arrival by this much, letting the standing queue clear first, seconds per veh queued. */
  queueDischargeSecondsPerVeh: number;
  /** Signals further apart than this are not coordinated, metres. */
  maxCoordinationDistanceMetres: number;
  /** Largest subsystem sharing one cycle when the network names no coordination groups. */
  maxSignalsPerGroup: number;
}

export const DEFAULT_OPTIMIZER_CONFIG: Readonly<OptimizerConfig> = Object.freeze({
  minCycleSeconds: 30,
  maxCycleSeconds: 120,
  startupLostTimeSeconds: 0,
  targetDegreeOfSaturation: 0.9,
  oversaturatedFlowRatio: 0.92,
  maxCycleStepSeconds: 10,
  cycleStepFraction: 0.6,
  cycleHysteresisSeconds: 4,
  cycleDecreaseHysteresisFraction: 0.08,
  maxGreenStepSeconds: 8,
  adoptionMarginFraction: 0.03,
  offsetHysteresisSeconds: 3,
  offsetHysteresisFraction: 0.08,
  actuationWindowSeconds: 30,
  congestedActuationWindowSeconds: 15,
  coordinationDirectionHysteresisFraction: 0.15,
  flowEvidenceSeconds: 360,
  coordinate: true,
  queueDischargeSecondsPerVeh: 2,
  maxCoordinationDistanceMetres: 1000,
  maxSignalsPerGroup: 20,
});

export function resolveOptimizerConfig(partial: Partial<OptimizerConfig> = {}): OptimizerConfig {
  return { ...DEFAULT_OPTIMIZER_CONFIG, ...partial };
}
