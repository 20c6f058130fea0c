import type { EngineConfigInput } from '../engine/index.js';
import type { EventCodeUse } from './atspm/event-code-use.js';

/** Measures of one plan source (the plans actually in force, or the engine's) over one 15-minute bin. */
export interface SourceMeasures {
  /** Time-weighted mean cycle, seconds. */
  cycleSeconds: number;
  /** Time-weighted highest degree of saturation of any movement. */
  maxDegreeOfSaturation: number;
  /** Predicted control delay (HCM), flow-weighted mean, s/veh. */
  delaySecondsPerVeh: number;
  /** Predicted delay over the bin, vehicle-hours. */
  delayVehHours: number;
  /** Vehicles reaching the stop line (measured lanes), and those arriving on green (green only, not yellow). */
  arrivals: number;
  arrivalsOnGreen: number;
  /** Modelled split failures (vertical queue), phase-cycles. */
  splitFailures: number;
  /** Measured split failures (ATSPM GOR/ROR5), only from controller event logs and only for actual plans. */
  measuredSplitFailures?: number;
  /** Plans adopted during the bin. */
  planChanges: number;
}

/** One line of bins.ndjson: an intersection over a 15-minute bin. */
export interface BinRow {
  intersectionId: string;
  binStartMs: number;
  /** The bin's start in the network's (the log's) local time, ISO-8601 with the offset then (see `timeZone`). */
  binStart: string;
  timeZone: string;
  /** Seconds of the bin covered by data. */
  coveredSeconds: number;
  /** Measured entering flow, veh/h. */
  flowVehPerHour: number;
  actual: SourceMeasures;
  engine: SourceMeasures;
}

export interface SourceTotals {
  delayVehHours: number;
  arrivals: number;
  arrivalsOnGreen: number;
  splitFailures: number;
  measuredSplitFailures?: number;
  planChanges: number;
  maxDegreeOfSaturation: number;
}

export interface IntersectionSummary {
  intersectionId: string;
  vehicles: number;
  actual: SourceTotals;
  engine: SourceTotals;
}

/** What the input was worth: at the top of summary.json and of the report. */
export interface InputQuality {
  /** Rows (CSV) or lines (NDJSON) read, headers and blank lines excluded. */
  rows: number;
  /** Rows not used because they were malformed or invalid, and why (problem code → rows). */
  rejected: number;
  rejectedShare: number;
  rejectedByReason: Record<string, number>;
  /**
   * Event logs: the log's event codes by who read them, with their events: `engine` (the engine's import: phase
   * states, detector counts and arrivals), `atspmTablesOnly` (only the ATSPM tables, each code with the tables
   * that read it), `unread` (nothing). Each table's codes: docs/atspm-measures.md.
   */
  eventCodes?: EventCodeUse;
  /** Event logs: detector events of channels no detector is mapped to ("device/channel" → events). */
  unmappedChannels?: Record<string, number>;
  /** Event logs: rows of devices no intersection is mapped to (device → rows). */
  unknownDevices?: Record<string, number>;
  /** Event logs: phase events of NEMA phases no network phase is mapped to ("device/phase" → events). */
  unmappedPhases?: Record<string, number>;
  /** Event logs: detector-on events while already on (counted; the missing off imputed). */
  repeatedDetectorOns?: number;
  /** Why the results must not be read as a saving; empty when there is nothing to flag. */
  flags: string[];
}

/** The ATSPM tables written from an event log (DIR/atspm/). */
export interface AtspmOutputSummary {
  directory: string;
  /** Time zone of the log's local times: every TimeStamp in the tables is local time there, as written in the log. */
  timeZone: string;
  /** The first and last event measured, local time as written in the log. */
  firstEvent: string;
  lastEvent: string;
  tables: Array<{ file: string; rows: number }>;
  /** Advance actuations before the log's first event of their phase: not judged for arrivals on green. */
  arrivalsBeforePhaseState: number;
  /** Where the detector configuration came from. */
  detectorConfig: string;
}

export interface ReplaySummary {
  network: string;
  input: string;
  /** Filled in by the caller that read the input. */
  inputQuality?: InputQuality;
  atspm?: AtspmOutputSummary;
  fromMs: number;
  toMs: number;
  /** First and last record's time in the network's (the log's) local time, ISO-8601 with the offset then. */
  from: string;
  to: string;
  /** The time zone of every local time written (bins.ndjson, the report; the ATSPM tables' in `atspm`). */
  timeZone: string;
  records: number;
  recordsByKind: Record<string, number>;
  countsAccepted: number;
  countsRejected: number;
  rejectedByCode: Record<string, number>;
  malformedLines: number;
  warnings: number;
  optimisations: number;
  /** The engine's runs, when the day file recorded more than one start of the live engine (a restart). */
  engineRuns?: number;
  enginePlans: number;
  plansRejectedBySafetyGate: number;
  actualPlanSource: string;
  arrivalModel: string;
  definitions: Record<string, string>;
  /** Measured arrivals (controller logs) before the log showed their phases' states: not judged. */
  arrivalsBeforePhaseState?: number;
  totals: { vehicles: number; actual: SourceTotals; engine: SourceTotals; delaySavedVehHours: number; delaySavedPercent: number };
  intersections: IntersectionSummary[];
  elapsedSeconds?: number;
  /** With `--sumo`: the recorded demand simulated in SUMO under the actual plans and under the engine in closed loop. */
  sumo?: ReplaySumoSummary;
}

/** One SUMO run of the replayed demand. */
export interface ReplaySumoRun {
  control: string;
  /** Mean time loss over every vehicle due to depart (SUMO timeLoss + insertion delay), s. */
  meanTimeLoss: number;
  vehicles: number;
  arrived: number;
  notInserted: number;
  teleports: number;
  planUpdates: number;
  wallSeconds: number;
}

export interface ReplaySumoSummary {
  netFile: string;
  routeFile: string;
  demandModel: string;
  /** What the 'actual' run ran. */
  actualControl: string;
  /** What the 'engine' run ran: which of the replay's engine runs gave its configuration, and what it does not re-enact. */
  engineControl: string;
  /** The closed-loop engine's configuration (the replay's engine run's, as its engine got it). */
  engineConfig: EngineConfigInput;
  vehicles: number;
  entryLinksWithoutCounts: string[];
  simulatedSeconds: number;
  seed: number;
  actual: ReplaySumoRun;
  engine: ReplaySumoRun;
  /** engine.meanTimeLoss / actual.meanTimeLoss (below 1: the engine saves time). */
  timeLossRatio: number;
  timeLossSavedPercent: number;
}
