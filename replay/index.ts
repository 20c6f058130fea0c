export type * from './day-record.js';
export type * from './replay-summary.js';
export { toDayRecord } from './day-record.js';
export { DayFileWriter, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BUFFERED_BYTES, type DayFileWriterOptions } from './day-file-writer.js';
export { readLines, readLineBatches, type LineWarning, type LineReaderOptions, type LineBatch } from './day-file-reader.js';
export { localDayOf, localTimeOn, type LocalDay } from './local-day.js';
export { AtspmImport, ATSPM_EVENT, type AtspmProblem, type AtspmImportOptions } from './atspm-import.js';
export { ReplayRun, BIN_MS, DEFAULT_PLATOON_SHARE, DEFINITIONS, type ReplayOptions, type ReplayResult, type CorridorSnapshot, type ActualPlanPolicy } from './replay-run.js';
export { renderReport } from './report-html.js';
