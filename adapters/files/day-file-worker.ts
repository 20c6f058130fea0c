// Worker thread entry: reads, inflates and parses a day file, and posts its lines packed, batch by batch, to
// `readDayRecordBatches` (day-record-batches.ts), at most `maxAhead` batches ahead of what it has taken.
import { parentPort, workerData } from 'node:worker_threads';
import { readLineBatches, type LineWarning } from './day-file-reader.js';
import { DayBatchPacker, type PackedDayBatch } from './day-record-packing.js';

export interface DayFileWorkerData {
  path: string;
  maxAhead: number;
}

/** Worker to main thread, in this order: batches and warnings as they come, then `end` or `error`. */
export type DayFileWorkerMessage =
  | { type: 'batch'; batch: PackedDayBatch; bytesRead: number }
  | { type: 'warning'; warning: LineWarning }
  | { type: 'end' }
  | { type: 'error'; message: string; code?: string };

/**
 * Main to worker thread, once done with a batch: its slot (`PackedDayBatch.slot`), whose shared buffer then
 * holds a later batch. With a fresh buffer a batch, sent one way and dropped on the other thread, the process's
 * memory grew with the length of the file (some 70 MB a day of the benchmark's); reused, it stays flat.
 */
export type DayFileWorkerAck = number;

const port = parentPort!;
const { path, maxAhead } = workerData as DayFileWorkerData;
const post = (m: DayFileWorkerMessage) => port.postMessage(m);

let credit = maxAhead;
let wake: (() => void) | undefined;
const packer = new DayBatchPacker(maxAhead);
port.on('message', (slot: DayFileWorkerAck) => {
  packer.release(slot);
  credit++;
  wake?.();
});

let bytesRead = 0;
try {
  for await (const { firstLineNo, lines } of readLineBatches(path, { onWarning: (warning) => post({ type: 'warning', warning }), onBytes: (b) => (bytesRead = b) })) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    post({ type: 'batch', batch: packer.pack(firstLineNo, lines), bytesRead });
  }
  post({ type: 'end' });
} catch (err) {
  post({ type: 'error', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
}
