export type * from './replay-summary.js';
export { AtspmImport, ATSPM_EVENT, type AtspmProblem, type AtspmImportOptions } from './atspm-import.js';
export { ReplayRun, BIN_MS, DEFAULT_PLATOON_SHARE, DEFINITIONS, type ReplayOptions, type ReplayResult, type CorridorSnapshot, type ActualPlanPolicy } from './replay-run.js';
export { renderReport } from './report-html.js';
export { replayDay, ReplayInputError, type ReplayDayOptions, type ReplayProgress } from './replay-day.js';
export { replayInSumo, sumoNetMismatch, type ReplaySumoOptions } from './replay-sumo.js';
export { SumoDemand } from './sumo-demand.js';
