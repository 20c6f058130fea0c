/**
 * Rows of a controller high-resolution event log (Indiana enumerations) as CSV, in the layouts ATSPM tools
 * export:
 * - UDOT ATSPM 4: `SignalID,Timestamp,EventCode,EventParam` (also the order assumed without a header);
 * - ATSPM 5: `LocationIdentifier,Timestamp,EventCode,EventParam`;
 * - the Python `atspm` package: `TimeStamp,DeviceId,EventId,Parameter`.
 * Columns are found by header name, in any order.
 *
 * Timestamps are ISO-8601 with a zone, or local wall time `YYYY-MM-DD HH:MM:SS[.f…]` (0–7 fractional digits,
 * .NET writes 7) or `M/D/YYYY H:MM:SS[.f…] [AM|PM]`. Local times are kept as written (`localMs`, wall time
 * read as if UTC: what outputs show) and placed on the time line (`atMs`) in the log's time zone. In the
 * repeated hour when clocks go back, a local time has two instants: the one that keeps the file in order is
 * taken, so the fall-back hour reads in file order.
 */
export interface AtspmEvent {
  deviceId: string;
  /** Epoch ms of the instant (for ordering and durations). */
  atMs: number;
  /** Local wall time as written, as epoch ms of the same wall time in UTC (for bins and output timestamps). */
  localMs: number;
  code: number;
  param: number;
}

export type EventLogProblemCode = 'GW_ATSPM_COLUMNS' | 'GW_ATSPM_TIMESTAMP' | 'GW_ATSPM_NUMBER' | 'GW_ATSPM_OUT_OF_ORDER';

export interface EventLogProblem {
  code: EventLogProblemCode;
  lineNo: number;
  message: string;
}

interface Columns {
  device: number;
  time: number;
  code: number;
  param: number;
}

const DEFAULT_COLUMNS: Columns = { device: 0, time: 1, code: 2, param: 3 };
const HOUR_MS = 3_600_000;

/** Reads event-log lines one at a time; keeps the header and the time order. */
export class EventLogReader {
  private columns: Columns | undefined;
  private lastMs = -Infinity;
  /** Candidate UTC offsets of each local hour seen recently (two in the repeated fall-back hour). */
  private readonly offsets = new Map<number, number[]>();

  constructor(readonly timeZone = 'UTC') {
    new Intl.DateTimeFormat('en-CA', { timeZone }); // throws RangeError on an unknown zone, before any row
  }

  /** The layout recognised from the header, for the import statistics. */
  get layout(): string {
    return this.columns ? 'header' : 'SignalID,Timestamp,EventCode,EventParam (no header)';
  }

  /**
   * One CSV line: the event, a problem (the row is skipped), or undefined for a header or a blank line.
   */
  read(lineNo: number, text: string): AtspmEvent | EventLogProblem | undefined {
    if (text.trim() === '') return undefined;
    const cols = splitCsv(text);
    // A first line with no timestamp in it is the header.
    if (!this.columns && lineNo === 1 && !cols.some((c) => parseTimestamp(c) !== undefined)) {
      this.columns = headerColumns(cols);
      return undefined;
    }
    const h = this.columns ?? DEFAULT_COLUMNS;
    if (cols.length < 4) return { code: 'GW_ATSPM_COLUMNS', lineNo, message: `expected 4 columns (signal id, timestamp, event code, event parameter), found ${cols.length}` };
    const timeText = cols[h.time];
    const parsed = parseTimestamp(timeText);
    if (!parsed) return { code: 'GW_ATSPM_TIMESTAMP', lineNo, message: `timestamp ${JSON.stringify(timeText)} is not a date and time (YYYY-MM-DD HH:MM:SS with 0-7 fractional digits, M/D/YYYY H:MM:SS [AM|PM], or ISO-8601 with a zone)` };
    const codeText = cols[h.code];
    const paramText = cols[h.param];
    const code = Number(codeText);
    const param = Number(paramText);
    if (!Number.isInteger(code) || !Number.isInteger(param) || codeText === '' || paramText === '')
      return { code: 'GW_ATSPM_NUMBER', lineNo, message: `event code ${JSON.stringify(codeText)} and parameter ${JSON.stringify(paramText)} must be whole numbers` };
    const atMs = this.place(parsed);
    if (atMs < this.lastMs)
      return { code: 'GW_ATSPM_OUT_OF_ORDER', lineNo, message: `timestamp ${timeText} is earlier than the previous row's (${new Date(this.lastMs).toISOString()}); the log must be sorted by time` };
    this.lastMs = atMs;
    return { deviceId: cols[h.device], atMs, localMs: parsed.localMs, code, param };
  }

  /** Wall time → instant; in the repeated hour, the earliest instant not before the previous row. */
  private place(p: ParsedTime): number {
    if (p.zoned) return p.localMs;
    if (this.timeZone === 'UTC') return p.localMs;
    const hour = Math.floor(p.localMs / HOUR_MS);
    let candidates = this.offsets.get(hour);
    if (!candidates) {
      candidates = offsetsOfWallTime(hour * HOUR_MS, this.timeZone);
      if (this.offsets.size > 100) this.offsets.clear();
      this.offsets.set(hour, candidates);
    }
    let best = NaN;
    for (const off of candidates) {
      const t = p.localMs - off;
      if (t >= this.lastMs && !(t >= best)) best = t;
    }
    return Number.isNaN(best) ? p.localMs - candidates[0] : best;
  }
}

interface ParsedTime {
  /** Wall time as if UTC; for zoned timestamps, the instant. */
  localMs: number;
  zoned: boolean;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;
const US_LOCAL = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?: ?([AP]M))?$/i;
const ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:?\d{2})$/i;

/** A timestamp of the event log (see the module comment); undefined when it is none of the forms. */
export function parseTimestamp(text: string): ParsedTime | undefined {
  let m = ZONED.exec(text);
  if (m) {
    const wall = wallMs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7]);
    if (wall === undefined) return undefined;
    const z = m[8].toUpperCase();
    const off = z === 'Z' ? 0 : (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(-2))) * 60_000;
    return { localMs: wall - off, zoned: true };
  }
  m = ISO_LOCAL.exec(text);
  if (m) {
    const wall = wallMs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7]);
    return wall === undefined ? undefined : { localMs: wall, zoned: false };
  }
  m = US_LOCAL.exec(text);
  if (!m) return undefined;
  let h = +m[4];
  if (m[8]) {
    if (h < 1 || h > 12) return undefined;
    h = (h % 12) + (m[8].toUpperCase() === 'PM' ? 12 : 0);
  }
  const wall = wallMs(+m[3], +m[1], +m[2], h, +m[5], +m[6], m[7]);
  return wall === undefined ? undefined : { localMs: wall, zoned: false };
}

function wallMs(y: number, mo: number, d: number, h: number, mi: number, s: number, fraction: string | undefined): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  // Up to 7 digits (.NET ticks of 100 ns): kept to the microsecond, so 0.1234567 s is 123.457 ms.
  const ms = fraction ? Math.round(Number(`0.${fraction}`) * 1e6) / 1e3 : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s) + ms;
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDate() === d ? t : undefined;
}

/**
 * UTC offsets (ms, local − UTC) a wall-clock hour has in a zone: one normally, two in the repeated hour when
 * clocks go back (earlier instant first), and for a skipped hour the offset before the change.
 */
export function offsetsOfWallTime(wallHourMs: number, timeZone: string): number[] {
  const before = zoneOffsetMs(wallHourMs - 14 * HOUR_MS, timeZone);
  const after = zoneOffsetMs(wallHourMs + 14 * HOUR_MS, timeZone);
  const valid = [...new Set([before, after])].filter((off) => zoneOffsetMs(wallHourMs - off, timeZone) === off);
  if (valid.length === 0) return [before];
  return valid.sort((a, b) => b - a); // larger offset = earlier instant
}

const formats = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetMs(epochMs: number, timeZone: string): number {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(epochMs))) p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(epochMs / 1000) * 1000;
}

function headerColumns(cols: string[]): Columns {
  const names = cols.map((c) => c.replace(/[\s_]/g, '').toLowerCase());
  const find = (re: RegExp, fallback: number) => {
    const i = names.findIndex((c) => re.test(c));
    return i >= 0 ? i : fallback;
  };
  return {
    device: find(/^(signal|device|intersection|location)/, 0),
    time: find(/time/, 1),
    code: find(/^(eventcode|eventid|code|event|eventtypeid)$/, 2),
    param: find(/param/, 3),
  };
}

function splitCsv(text: string): string[] {
  const cols = text.split(',');
  for (let i = 0; i < cols.length; i++) {
    let c = cols[i].trim();
    if (c.length >= 2 && c.charCodeAt(0) === 34 && c.charCodeAt(c.length - 1) === 34) c = c.slice(1, -1);
    cols[i] = c;
  }
  return cols;
}

export function isEventLogProblem(r: AtspmEvent | EventLogProblem): r is EventLogProblem {
  return 'lineNo' in r;
}
