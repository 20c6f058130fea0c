export type * from './day-record.js';
export { toDayRecord } from './day-record.js';
export { DayFileWriter, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BUFFERED_BYTES, type DayFileWriterOptions } from './day-file-writer.js';
export { readLines, readLineBatches, type LineWarning, type LineReaderOptions, type LineBatch } from './day-file-reader.js';
export { readDayRecordBatches, isDayLineProblem, type DayLine, type DayLineProblem, type DayRecordBatch, type DayRecordReaderOptions } from './day-record-batches.js';
export { localDayOf, localIsoTime, localTimeOn, type LocalDay } from './local-day.js';
export { startSiblingWorker } from './sibling-worker.js';
export { earlierDayFiles } from './earlier-day-files.js';
