import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from './sibling-worker.js';
import type { LineReaderOptions } from './day-file-reader.js';
import type { DayFileWorkerAck, DayFileWorkerData, DayFileWorkerMessage } from './day-file-worker.js';
import { DayBatchUnpacker, type DayRecordBatch } from './day-record-packing.js';

export type { DayLine, DayLineProblem, DayRecordBatch } from './day-record-packing.js';
export { isDayLineProblem } from './day-record-packing.js';

/** Batches the worker may have read that the consumer is not done with: enough to keep both threads busy. */
const MAX_AHEAD = 4;
/** Parsing makes short-lived garbage only: a small young generation is as fast, and some 40 MB smaller. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export interface DayRecordReaderOptions extends LineReaderOptions {
  /**
   * Count records are filled into the same objects line after line (no allocation per record): a count record
   * is then valid only until the next line is read, and must not be kept. For callers that consume each record
   * at once (the replay); off by default.
   */
  reuseRecords?: boolean;
}

/**
 * The lines of a day file (see `readLineBatches`) parsed as day records, read and parsed on a worker thread
 * while the caller works on the previous batches. Warnings and bytes read are told in file order, when the
 * caller gets there. Stopping early (break, return, throw) ends the worker thread.
 */
export async function* readDayRecordBatches(path: string, options: DayRecordReaderOptions = {}): AsyncGenerator<DayRecordBatch> {
  const worker = startWorker({ path, maxAhead: MAX_AHEAD });
  const queue: DayFileWorkerMessage[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (m: DayFileWorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (err) => {
    failure ??= err;
    wake?.();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`day file reader thread exited early (code ${code})`);
    wake?.();
  });
  const unpacker = new DayBatchUnpacker(options.reuseRecords);
  try {
    for (;;) {
      // One turn of the event loop a batch, as a stream would take: a consumer always behind the worker would
      // otherwise never let I/O callbacks run, and its own writes would pile up in memory.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const m = queue.shift();
      if (m === undefined) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (m.type === 'batch') {
        options.onBytes?.(m.bytesRead);
        const batch = unpacker.unpack(m.batch);
        yield batch;
        batch.release();
        const done: DayFileWorkerAck = m.batch.slot;
        worker.postMessage(done);
      } else if (m.type === 'warning') options.onWarning?.(m.warning);
      else if (m.type === 'end') return;
      else throw Object.assign(new Error(m.message), { code: m.code });
    }
  } finally {
    await worker.terminate();
  }
}

function startWorker(workerData: DayFileWorkerData): Worker {
  return startSiblingWorker(import.meta.url, 'day-file-worker', { workerData, resourceLimits: WORKER_LIMITS });
}
