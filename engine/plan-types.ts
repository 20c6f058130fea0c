/** Plain-data types the optimizer consumes and produces. Times are seconds unless the name says otherwise. */

export type DemandSource = 'measured' | 'history' | 'fallback-plan';

export interface MovementDemand {
  movementId: string;
  flowVehPerHour: number;
  /** 0..1: how much the estimate can be trusted (share of healthy detector time behind it). */
  confidence: number;
  source: DemandSource;
}

export interface PhaseTiming {
  phaseId: string;
  greenSeconds: number;
  yellowSeconds: number;
  allRedSeconds: number;
  /** Actuation bounds: a controller that runs actuated may end this green anywhere in [min, max]. */
  minGreenSeconds: number;
  maxGreenSeconds: number;
}

export interface PlanDiagnostics {
  /** Critical flow ratio y (q/s) of each phase. */
  flowRatioByPhase: Record<string, number>;
  /** Movement that sets each phase's flow ratio. */
  criticalMovementByPhase: Record<string, string>;
  /** Degree of saturation x = y·C/g of each phase's critical movement under this plan. */
  degreeOfSaturationByPhase: Record<string, number>;
  /** Predicted control delay per movement, s/veh (HCM uniform + incremental delay). */
  delaySecondsPerVehByMovement: Record<string, number>;
  /** Flow-weighted total predicted delay, vehicle-hours per hour. */
  totalDelayVehHoursPerHour: number;
  sumCriticalFlowRatio: number;
  lostTimeSeconds: number;
  /** Webster's optimum cycle for this intersection alone (before bounds and coordination). */
  websterCycleSeconds: number;
  /** Lowest confidence among the critical movements' demand. */
  demandConfidence: number;
  oversaturated: boolean;
  /**
   * Intersection this one is coordinated from, and the corridor link, if any; with the phase of this signal that
   * is aligned and the phase of the other signal it is aligned on.
   */
  coordinatedFrom?: { intersectionId: string; linkIds: string[]; travelTimeSeconds: number; phaseId?: string; fromPhaseId?: string };
  /**
   * The plan runs its group's common cycle, its offset set against neighbours (false: an intersection on its own,
   * whose offset nobody's progression depends on). Absent in plans from before this field: taken as coordinated.
   */
  coordinated?: boolean;
  reason: string;
}

export type PlanSource = 'optimizer' | 'fallback';

export interface PhasePlan {
  intersectionId: string;
  /** Increases by one each time a changed plan is adopted for this intersection. */
  version: number;
  cycleSeconds: number;
  /** Start of the first phase's green relative to the common time reference (t mod cycle), in [0, cycle). */
  offsetSeconds: number;
  phases: PhaseTiming[];
  source: PlanSource;
  /** Engine time when the plan was computed, epoch milliseconds (scheduler time, virtual in replay). */
  computedAtMs: number;
  diagnostics: PlanDiagnostics;
}

/** A plan to put in force from a given engine time (epoch ms): recorded plans replayed open loop. */
export interface ScheduledPlan {
  atMs: number;
  plan: PhasePlan;
}
