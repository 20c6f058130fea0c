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

/**
 * Text decoded and parsed at once, bytes; lines a batch gathers before it is posted (a 1 MiB chunk of counts),
 * but the first batch goes with its first piece: the consumer waits for it to start.
 */
const PIECE_BYTES = 1 << 16;
const BATCH_LINES = 7000;

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
/** Batches posted so far. */
let posted = 0;
/** Posts the batch filled so far, if any. */
const flush = () => {
  const batch = packer.take();
  if (batch) {
    post({ type: 'batch', batch, bytesRead });
    posted++;
  }
};
try {
  // Text is decoded and parsed in small pieces, packed into batches of about a read chunk's lines: a piece's text
  // is garbage once its lines are packed, where a whole chunk's (a large string) lived through young-generation
  // collections and was promoted, some 100 MB a day of the replay bench.
  const lines = readLineBatches(path, {
    pieceBytes: PIECE_BYTES,
    onWarning: (warning) => {
      flush();
      post({ type: 'warning', warning });
    },
    onBytes: (b) => (bytesRead = b),
  });
  for await (const piece of lines) {
    if (!packer.filling) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
    }
    packer.add(piece.firstLineNo, piece.lines);
    if (packer.linesFilled >= (posted === 0 ? 1 : BATCH_LINES)) flush();
  }
  flush();
  post({ type: 'end' });
} catch (err) {
  post({ type: 'error', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
}
