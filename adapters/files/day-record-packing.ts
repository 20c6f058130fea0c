import { toDayRecord, type DayRecord } from './day-record.js';

/** A line of a day file that is not a day record. */
export interface DayLineProblem {
  kind: 'json' | 'not-record';
  lineNo: number;
  /** What is wrong, e.g. `not valid JSON: ...`. */
  message: string;
}

/** What a non-blank line of a day file holds: a record, or a problem. */
export type DayLine = DayRecord | DayLineProblem;

export function isDayLineProblem(line: DayLine): line is DayLineProblem {
  return line.kind === 'json' || line.kind === 'not-record';
}

/** Reads one line of a day file; undefined for a blank line. */
export function parseDayLine(text: string, lineNo: number): DayLine | undefined {
  // A line that starts with '{' is not blank: skip trimming it (the common case).
  if (text.charCodeAt(0) !== 123 && text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'json', lineNo, message: `not valid JSON: ${(err as Error).message}` };
  }
  return toDayRecord(value) ?? { kind: 'not-record', lineNo, message: 'not a day record (need kind and atMs) nor a count with a timestamp' };
}

/**
 * The lines of one batch of a day file, parsed, in a form cheap to post between threads: structured-cloning a
 * million small objects costs as much as parsing them, so the common count records travel as rows of numbers
 * in a transferable array, and only the others as objects.
 */
export interface PackedDayBatch {
  firstLineNo: number;
  /** Detector ids first seen in this batch, to append to the id table (ids are numbered from 0 in order). */
  newIds: string[];
  /** Packed counts, `ROW` numbers each (see `packCount`), in order: a view on shared memory (see `DayBatchPacker`). */
  counts: Float64Array;
  /** Which of the packer's shared buffers holds `counts`: handed back once the consumer is done with the batch. */
  slot: number;
  /** The other lines, in order, each with its position among all the batch's lines (blank lines excepted). */
  others: { at: number; line: DayLine }[];
}

const ROW = 6;
/** Rows a batch's array starts with; a chunk of about 1 MiB holds some 7,000 counts. */
const INITIAL_ROWS = 8192;

/**
 * Packs batches of lines; one per file, as the id table grows from batch to batch. Counts are written into
 * shared memory, one buffer a slot, and the consumer hands a slot's number back once done with its batch. Shared
 * rather than transferred: detaching a transferred ArrayBuffer on the consumer's thread waited on its heap's
 * array-buffer sweeper, some 2.6 ms a batch (0.45 s of the main thread's time on the 24 h replay bench).
 * At most `slots` batches are out at once (the caller's credit); the buffers stay, so memory stays flat.
 */
export class DayBatchPacker {
  private readonly ids = new Map<string, number>();
  private readonly buffers: SharedArrayBuffer[] = [];
  private readonly free: number[] = [];
  /** The batch being filled: its counts so far (`n` rows), its other lines, and its non-blank (`at`) and all lines. */
  private open: { firstLineNo: number; slot: number; rows: Float64Array; newIds: string[]; others: PackedDayBatch['others']; n: number; at: number; lines: number } | undefined;

  constructor(slots: number) {
    for (let i = 0; i < slots; i++) {
      this.buffers.push(new SharedArrayBuffer(INITIAL_ROWS * ROW * 8));
      this.free.unshift(i);
    }
  }

  /** The consumer is done with the batch in `slot`: its buffer may hold a later batch. */
  release(slot: number): void {
    if (!(slot >= 0 && slot < this.buffers.length) || this.free.includes(slot)) throw new Error(`day batch slot ${slot} released twice or never taken`);
    this.free.push(slot);
  }

  /** Packs `lines` (from line `firstLineNo` on) as one batch. */
  pack(firstLineNo: number, lines: string[]): PackedDayBatch {
    this.add(firstLineNo, lines);
    return this.take()!;
  }

  /** Whether a batch is being filled (`add` took a slot for it, `take` not called yet). */
  get filling(): boolean {
    return this.open !== undefined;
  }

  /** Lines (blank ones included) in the batch being filled. */
  get linesFilled(): number {
    return this.open?.lines ?? 0;
  }

  /**
   * Parses and packs `lines` (from line `firstLineNo` on, following the lines added before) into the batch being
   * filled, which it opens, taking a slot, when none is.
   */
  add(firstLineNo: number, lines: string[]): void {
    let b = this.open;
    if (b === undefined) {
      const slot = this.free.pop();
      if (slot === undefined) throw new Error('no free day batch slot: a batch must be released before the next is packed');
      b = this.open = { firstLineNo, slot, rows: new Float64Array(this.buffers[slot]), newIds: [], others: [], n: 0, at: 0, lines: 0 };
    }
    let rows = b.rows;
    let n = b.n;
    let at = b.at;
    for (let i = 0; i < lines.length; i++) {
      const line = parseDayLine(lines[i], firstLineNo + i);
      if (line === undefined) continue;
      if (rows.length < (n + 1) * ROW) {
        const grown = new SharedArrayBuffer(rows.length * 2 * 8);
        const bigger = new Float64Array(grown);
        bigger.set(rows);
        rows = bigger;
        this.buffers[b.slot] = grown;
      }
      if (isDayLineProblem(line) || !packCount(line, rows, n * ROW, this.ids, b.newIds)) b.others.push({ at, line });
      else n++;
      at++;
    }
    b.rows = rows;
    b.n = n;
    b.at = at;
    b.lines += lines.length;
  }

  /** The batch filled so far (undefined when none is open); the next `add` opens another. */
  take(): PackedDayBatch | undefined {
    const b = this.open;
    if (b === undefined) return undefined;
    this.open = undefined;
    return { firstLineNo: b.firstLineNo, newIds: b.newIds, counts: b.rows.subarray(0, b.n * ROW), slot: b.slot, others: b.others };
  }
}

/**
 * Writes `{kind: 'count', atMs, record: {detectorId, timestamp, count, occupancy?, intervalSeconds}}` as a row
 * `atMs, timestamp, count, intervalSeconds, occupancy (NaN when absent), detector id number`; returns false, and
 * writes nothing, for any other shape (other keys, key order or types), which must travel as it is.
 */
function packCount(r: DayRecord, rows: Float64Array, o: number, ids: Map<string, number>, newIds: string[]): boolean {
  if (r.kind !== 'count' || !hasKeys(r, TOP_KEYS)) return false;
  const c = r.record as Record<string, unknown>;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return false;
  const withOccupancy = hasKeys(c, COUNT_KEYS);
  if (!withOccupancy && !hasKeys(c, COUNT_KEYS_NO_OCCUPANCY)) return false;
  const { detectorId, timestamp, count, intervalSeconds, occupancy } = c;
  if (typeof detectorId !== 'string' || typeof timestamp !== 'number' || typeof count !== 'number' || typeof intervalSeconds !== 'number') return false;
  if (withOccupancy && typeof occupancy !== 'number') return false;
  let id = ids.get(detectorId);
  if (id === undefined) {
    id = ids.size;
    ids.set(detectorId, id);
    newIds.push(detectorId);
  }
  rows[o] = r.atMs;
  rows[o + 1] = timestamp;
  rows[o + 2] = count;
  rows[o + 3] = intervalSeconds;
  rows[o + 4] = withOccupancy ? (occupancy as number) : NaN;
  rows[o + 5] = id;
  return true;
}

const TOP_KEYS = ['kind', 'atMs', 'record'];
const COUNT_KEYS = ['detectorId', 'timestamp', 'count', 'occupancy', 'intervalSeconds'];
const COUNT_KEYS_NO_OCCUPANCY = ['detectorId', 'timestamp', 'count', 'intervalSeconds'];

/** Whether an object's own keys are exactly these, in this order (the rebuilt record keeps the original's). */
function hasKeys(o: object, keys: string[]): boolean {
  let i = 0;
  for (const k in o) if (k !== keys[i++]) return false;
  return i === keys.length;
}

/** Unpacks the batches of one file, in order. */
export class DayBatchUnpacker {
  private readonly ids: string[] = [];
  /** With `reuseRecords`: the count records every batch's iterator fills in (see `DayRecordBatch`). */
  private readonly reused: ReusedCounts | undefined;

  constructor(reuseRecords = false) {
    this.reused = reuseRecords ? newReusedCounts() : undefined;
  }

  unpack(batch: PackedDayBatch): DayRecordBatch {
    for (const id of batch.newIds) this.ids.push(id);
    return new DayRecordBatch(batch, this.ids, this.reused);
  }
}

/** A count record (with and without occupancy) filled in again for every packed count, instead of a new one each. */
interface ReusedCounts {
  plain: { kind: 'count'; atMs: number; record: { detectorId: string; timestamp: number; count: number; intervalSeconds: number } };
  occupied: { kind: 'count'; atMs: number; record: { detectorId: string; timestamp: number; count: number; occupancy: number; intervalSeconds: number } };
}

function newReusedCounts(): ReusedCounts {
  return {
    plain: { kind: 'count', atMs: 0, record: { detectorId: '', timestamp: 0, count: 0, intervalSeconds: 0 } },
    occupied: { kind: 'count', atMs: 0, record: { detectorId: '', timestamp: 0, count: 0, occupancy: 0, intervalSeconds: 0 } },
  };
}

/**
 * The lines of one batch, in file order (blank lines excepted), each one its record or what is wrong with it.
 * Records are built as they are iterated, not all at once: a whole batch of them built ahead would outlive
 * a few young-generation collections while the engine works through them, and be promoted to the old one.
 * Valid until the next batch is read, as its array then goes back to the reader. With reused records (the
 * reader's `reuseRecords`), a count record is only valid until the next line is read: the same two objects
 * (with and without occupancy) are filled in for every count, two fewer allocations per record of the day.
 */
export class DayRecordBatch implements Iterable<DayLine> {
  readonly firstLineNo: number;
  private readonly size: number;
  /** Set once its buffer went back to the reader (shared memory a later batch is written in). */
  private released = false;

  constructor(
    private readonly batch: PackedDayBatch,
    private readonly ids: readonly string[],
    private readonly reused?: ReusedCounts,
  ) {
    this.firstLineNo = batch.firstLineNo;
    this.size = batch.counts.length / ROW + batch.others.length;
  }

  /** The reader may reuse the batch's buffer: reading the batch from now on throws. */
  release(): void {
    this.released = true;
  }

  /**
   * A plain iterator rather than a generator, its result object reused from line to line (the protocol allows
   * it; for-of reads it before asking for the next): this runs for every record of the day.
   */
  [Symbol.iterator](): Iterator<DayLine> {
    const { counts, others } = this.batch;
    const size = this.size;
    const ids = this.ids;
    const reused = this.reused;
    let i = 0;
    let o = 0;
    let j = 0;
    const result = { done: false, value: undefined as DayLine | undefined };
    const line = result as IteratorResult<DayLine>;
    const next = (): IteratorResult<DayLine> => {
      if (i >= size) {
        result.done = true;
        result.value = undefined;
        return line;
      }
      if (this.released) throw new Error('day record batch read after the next batch was taken');
      if (o < others.length && others[o].at === i) {
        i++;
        result.value = others[o++].line;
        return line;
      }
      const detectorId = ids[counts[j + 5]];
      const occupancy = counts[j + 4];
      if (reused) {
        // The same values, and the same key order, as the records built below.
        const r = Number.isNaN(occupancy) ? reused.plain : reused.occupied;
        r.atMs = counts[j];
        const c = r.record;
        c.detectorId = detectorId;
        c.timestamp = counts[j + 1];
        c.count = counts[j + 2];
        c.intervalSeconds = counts[j + 3];
        if (r === reused.occupied) reused.occupied.record.occupancy = occupancy;
        result.value = r;
        j += ROW;
        i++;
        return line;
      }
      result.value = {
        kind: 'count',
        atMs: counts[j],
        record: Number.isNaN(occupancy)
          ? { detectorId, timestamp: counts[j + 1], count: counts[j + 2], intervalSeconds: counts[j + 3] }
          : { detectorId, timestamp: counts[j + 1], count: counts[j + 2], occupancy, intervalSeconds: counts[j + 3] },
      };
      j += ROW;
      i++;
      return line;
    };
    return { next };
  }
}
