export type AtspmRow = Array<string | number>;

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

/** Rows keyed by bin, device and further integer keys, kept sorted on output. */
export class Tally<V> {
  private readonly map = new Map<string, { bin: number; device: string; keys: number[]; value: V }>();

  constructor(private readonly init: () => V) {}

  at(bin: number, device: string, ...keys: number[]): V {
    const k = `${bin}\u0000${device}\u0000${keys.join(',')}`;
    let e = this.map.get(k);
    if (!e) this.map.set(k, (e = { bin, device, keys, value: this.init() }));
    return e.value;
  }

  /** Entries sorted by bin, device (numerically when both are numbers), then keys. */
  sorted(): Array<{ bin: number; device: string; keys: number[]; value: V }> {
    return [...this.map.values()].sort((a, b) => a.bin - b.bin || compareDevices(a.device, b.device) || compareKeys(a.keys, b.keys));
  }
}

export function compareDevices(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
