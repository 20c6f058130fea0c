import type { MovementDemand, PhasePlan } from '../plan-types.js';
import type { SafetyProblemCode } from '../safety/plan-safety-gate.js';

/** A validated detector count. */
export interface DetectorCount {
  detectorId: string;
  /** End of the counting interval, epoch milliseconds. */
  timestampMs: number;
  /** Vehicles counted in the interval. */
  count: number;
  /** Share of the interval the detector was occupied, 0..1, if the detector reports it. */
  occupancy?: number;
  intervalSeconds: number;
}

/** Stable codes for rejected input; adapters map them onto protocol errors. */
export type InputErrorCode =
  | 'GW_ERR_COUNT_SHAPE'
  | 'GW_ERR_COUNT_FIELD'
  | 'GW_ERR_UNKNOWN_DETECTOR'
  | 'GW_ERR_COUNT_IMPOSSIBLE'
  | 'GW_ERR_TIMESTAMP_FUTURE'
  | 'GW_ERR_TIMESTAMP_PAST'
  | 'GW_ERR_INTERNAL'
  | 'GW_ERR_TIMESTAMP_BACKWARDS';

export interface InputError {
  code: InputErrorCode;
  /** Field that was wrong ('detectorId', 'count', ...), or '(record)'. */
  field: string;
  value: unknown;
  reason: string;
  /** Detector id when one could be read from the record. */
  detectorId?: string;
}

export type DetectorFaultKind = 'silent' | 'stuck-on' | 'stuck-zero';

export interface DetectorHealth {
  detectorId: string;
  intersectionId: string;
  healthy: boolean;
  fault?: DetectorFaultKind;
  lastCountAtMs?: number;
  /** Smoothed flow, veh/h. */
  flowVehPerHour: number;
  occupancy?: number;
}

export interface IntersectionKpi {
  intersectionId: string;
  /** Total measured/estimated demand entering, veh/h. */
  flowVehPerHour: number;
  /** Highest degree of saturation of a critical movement under the plan in force. */
  maxDegreeOfSaturation: number;
  /** Predicted delay, vehicle-hours per hour, under the plan in force. */
  delayVehHoursPerHour: number;
  faultyDetectors: number;
}

export type EngineEvent =
  | { type: 'plan'; atMs: number; plan: PhasePlan; previousVersion: number | null }
  | { type: 'plan-rejected'; atMs: number; intersectionId: string; problems: string[]; codes: SafetyProblemCode[]; keptVersion: number | null }
  | { type: 'input-error'; atMs: number; error: InputError }
  | { type: 'detector-fault'; atMs: number; health: DetectorHealth }
  | { type: 'detector-recovered'; atMs: number; health: DetectorHealth }
  | { type: 'kpi'; atMs: number; kpis: IntersectionKpi[]; demand: MovementDemand[] }
  /**
   * An exception while handling one record or one group of intersections: caught at that boundary so the rest
   * flows on. `cause` is the exception's class and message, the key under which adapters count and rate-limit logs.
   */
  | { type: 'engine-fault'; atMs: number; stage: 'ingest' | 'optimise' | 'health'; intersectionIds: string[]; cause: string };
