export type AtspmRow = Array<string | number>;

/** Where a table streams: opens `file` with its header, returns what writes a row. */
export type RowSink = (file: string, header: readonly string[]) => (row: AtspmRow) => void;

/** One CSV table of ATSPM measures: a file name in DIR/atspm/, its header, and its rows. */
export interface AtspmTable {
  file: string;
  header: readonly string[];
  rows: AtspmRow[];
  /** Rows written to the file as the log went (`rows` then holds none). */
  streamed?: { rowCount: number };
}

/** A table's row as a CSV line (no newline): fields with a comma, quote or newline quoted. */
export function csvLine(row: readonly (string | number)[]): string {
  return row.map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

/** A measure computed from the event log, one event at a time, in order. */
export interface AtspmMeasure {
  /** Its table's file name in DIR/atspm/. */
  readonly file: string;
  /** The event codes it reads (the others pass it by): summary.json and the report say which codes each table read. */
  readonly eventCodes: readonly number[];
  event(e: import('./event-log.js').AtspmEvent): void;
  /** End of the log: the table, rows sorted by time, device, then the other keys. */
  finish(): AtspmTable;
}

/** Start of the bin holding a local wall time (ms, as if UTC). */
export function binOf(localMs: number, binMs: number): number {
  return Math.floor(localMs / binMs) * binMs;
}

/** Local wall time as the logs write it: `YYYY-MM-DD HH:MM:SS`, with `.fff` when it has milliseconds. */
export function formatLocal(localMs: number): string {
  const iso = new Date(Math.floor(localMs)).toISOString();
  return localMs % 1000 === 0 ? iso.slice(0, 19).replace('T', ' ') : iso.slice(0, 23).replace('T', ' ');
}

/** A number for CSV: at most `digits` decimals, no trailing zeros. */
export function fixed(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export interface TallyEntry<V> {
  bin: number;
  device: string;
  keys: number[];
  value: V;
}

/** Rows keyed by bin, device and further integer keys, kept sorted on output. */
export class Tally<V> {
  private readonly map = new Map<string, TallyEntry<V>>();

  constructor(private readonly init: () => V) {}

  at(bin: number, device: string, ...keys: number[]): V {
    const k = `${bin}\u0000${device}\u0000${keys.join(',')}`;
    let e = this.map.get(k);
    if (!e) this.map.set(k, (e = { bin, device, keys, value: this.init() }));
    return e.value;
  }

  /** Entries sorted by bin, device (numerically when both are numbers), then keys. */
  sorted(): TallyEntry<V>[] {
    return [...this.map.values()].sort(compareEntries);
  }

  /** Entries of bins before `beforeBin`, sorted as `sorted`, taken out of the tally. */
  takeBefore(beforeBin: number): TallyEntry<V>[] {
    const out: TallyEntry<V>[] = [];
    for (const [k, e] of this.map)
      if (e.bin < beforeBin) {
        out.push(e);
        this.map.delete(k);
      }
    return out.sort(compareEntries);
  }
}

export function compareDevices(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareEntries<V>(a: TallyEntry<V>, b: TallyEntry<V>): number {
  return a.bin - b.bin || compareDevices(a.device, b.device) || compareKeys(a.keys, b.keys);
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Rows are held this long (local time) after the last event that could change them: the hour repeated when
 * clocks go back adds to bins already passed once.
 */
const HOLD_MS = 3_600_000;
/** A cycle or wait open longer than this no longer holds rows back (it may then add a row out of order). */
const MAX_OPEN_MS = 6 * 3_600_000;

/**
 * A table of binned rows handed on as the log goes: once the log is past a bin (by `HOLD_MS`) and nothing still
 * open can add to it, its rows go to `onRow` in the order of the whole table (bin, device, keys), so memory does
 * not grow with the length of the log. Without `onRow`, `finish` returns them all.
 */
export class BinnedTable<V> {
  readonly tally: Tally<V>;
  private readonly kept: AtspmRow[] = [];
  private readonly onRow: (row: AtspmRow) => void;
  private readonly streaming: boolean;
  private rowsOut = 0;
  private nextCheckMs = -Infinity;

  constructor(
    readonly file: string,
    readonly header: readonly string[],
    init: () => V,
    private readonly binMs: number,
    private readonly toRow: (entry: TallyEntry<V>) => AtspmRow,
    sink?: RowSink,
  ) {
    this.tally = new Tally(init);
    this.streaming = sink !== undefined;
    this.onRow = sink?.(file, header) ?? ((row) => this.kept.push(row));
  }

  /**
   * After an event at local time `localMs`: once a bin, hands on the bins nothing can change any more.
   * `oldestOpenLocalMs`: the earliest local time something still open (a cycle, a wait) will add its row at.
   */
  advance(localMs: number, oldestOpenLocalMs?: () => number): void {
    if (localMs < this.nextCheckMs) return;
    this.nextCheckMs = binOf(localMs, this.binMs) + this.binMs;
    const open = Math.max(oldestOpenLocalMs?.() ?? Infinity, localMs - MAX_OPEN_MS);
    this.flush(binOf(Math.min(localMs, open) - HOLD_MS, this.binMs));
  }

  finish(): AtspmTable {
    this.flush(Infinity);
    return { file: this.file, header: this.header, rows: this.kept, ...(this.streaming ? { streamed: { rowCount: this.rowsOut } } : {}) };
  }

  private flush(beforeBin: number): void {
    for (const entry of this.tally.takeBefore(beforeBin)) {
      this.rowsOut++;
      this.onRow(this.toRow(entry));
    }
  }
}
