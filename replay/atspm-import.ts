import type { NetworkFile } from '../network-models/index.js';
import type { DayRecord, SignalState } from '../adapters/files/index.js';

/**
 * Indiana hi-resolution controller event enumerations used here (Sturdevant et al., 2012; kept in the 2019
 * TPF-5(377) revision): 1 phase begin green, 8 phase begin yellow clearance, 9 phase end yellow clearance,
 * 10 phase begin red clearance, 81 detector off, 82 detector on. Checked against the code tables of several
 * public ATSPM implementations, which agree on these values.
 */
export const ATSPM_EVENT = {
  phaseBeginGreen: 1,
  phaseBeginYellowClearance: 8,
  phaseEndYellowClearance: 9,
  phaseBeginRedClearance: 10,
  detectorOff: 81,
  detectorOn: 82,
} as const;

export type AtspmProblemCode = 'GW_ATSPM_COLUMNS' | 'GW_ATSPM_TIMESTAMP' | 'GW_ATSPM_NUMBER' | 'GW_ATSPM_OUT_OF_ORDER';

export interface AtspmProblem {
  code: AtspmProblemCode;
  lineNo: number;
  message: string;
}

export interface AtspmImportOptions {
  /** Length of the counting interval the detector events are aggregated into, seconds. Default 60. */
  intervalSeconds?: number;
  /** Malformed rows, with their line number; the import goes on. */
  onProblem?: (p: AtspmProblem) => void;
}

interface SignalMap {
  intersectionId: string;
  /** Network phase ids served by each NEMA phase number. */
  phasesOfNema: Map<number, string[]>;
  /** NEMA phase numbers of each network phase. */
  nemaOfPhase: Map<string, number[]>;
  detectorOfChannel: Map<number, number>;
}

interface DetectorTrack {
  id: string;
  stopLine: boolean;
  shiftMs: number;
  count: number;
  onSince: number;
  occupiedMs: number;
}

/**
 * ATSPM high-resolution event log (CSV: signal id, timestamp, event code, event parameter; sorted by time)
 * to day records, streaming:
 * - detector on/off (82/81) become counts and occupancy per detector and interval (channel → detector from the
 *   network's `detectors[].channel`), an `arrival` at the stop line per on-event (advance detectors moved at the
 *   link's free-flow speed), and on/off `detector` records of stop-line detectors for measured split failures;
 * - phase green / yellow / red (1 / 8 / 9 or 10) become `phase` records: the signal states actually shown.
 *
 * Signals map to intersections by `intersections[].external.atspm.signalId` (default: the intersection id) and
 * NEMA phases to network phases by `external.atspm.phases` ({ phaseId: [nema, ...] }; default: the i-th phase
 * is NEMA phase i + 1). Unknown or unused codes are counted and ignored; malformed rows are reported with their
 * line number and skipped. Timestamps without a zone are local time in the network's time zone.
 */
export class AtspmImport {
  private readonly signals = new Map<string, SignalMap>();
  private readonly detectors: DetectorTrack[] = [];
  private readonly intervalMs: number;
  private readonly timeZone: string;
  private readonly onProblem: (p: AtspmProblem) => void;
  private readonly nemaState = new Map<string, SignalState>();
  private readonly phaseState = new Map<string, SignalState>();
  /** Arrivals waiting for the log to reach their stop-line time (advance detectors), in time order per shift. */
  private readonly pending: Array<{ atMs: number; detectorId: string }> = [];
  private intervalEnd = NaN;
  private lastMs = -Infinity;
  private header: { signal: number; time: number; code: number; param: number } | undefined;
  private readonly counters = { rows: 0, used: 0, malformed: 0, unknownChannels: 0, ignoredByCode: {} as Record<string, number> };

  constructor(network: NetworkFile, options: AtspmImportOptions = {}) {
    this.intervalMs = (options.intervalSeconds ?? 60) * 1000;
    this.timeZone = network.timeZone ?? 'UTC';
    this.onProblem = options.onProblem ?? (() => {});
    const links = new Map(network.links.map((l) => [l.id, l]));
    const detectorIndex = new Map<string, number>();
    for (const d of network.detectors) {
      detectorIndex.set(d.id, this.detectors.length);
      const speed = links.get(d.linkId)?.freeFlowSpeedMetresPerSecond ?? 13.9;
      this.detectors.push({ id: d.id, stopLine: d.kind === 'stop-line', shiftMs: Math.round((d.distanceFromStopLineMetres / speed) * 1000), count: 0, onSince: NaN, occupiedMs: 0 });
    }
    for (const x of network.intersections) {
      if (x.control !== 'signalized') continue;
      const ext = (x.external?.atspm ?? {}) as { signalId?: string | number; phases?: Record<string, number[]> };
      const nemaOfPhase = new Map<string, number[]>(x.phases.map((p, i) => [p.id, ext.phases?.[p.id] ?? [i + 1]]));
      const phasesOfNema = new Map<number, string[]>();
      for (const [pid, list] of nemaOfPhase) for (const n of list) phasesOfNema.set(n, [...(phasesOfNema.get(n) ?? []), pid]);
      const detectorOfChannel = new Map<number, number>();
      for (const d of network.detectors) if (d.intersectionId === x.id && d.channel !== undefined) detectorOfChannel.set(d.channel, detectorIndex.get(d.id)!);
      this.signals.set(String(ext.signalId ?? x.id), { intersectionId: x.id, phasesOfNema, nemaOfPhase, detectorOfChannel });
    }
  }

  stats(): { rows: number; used: number; malformed: number; unknownChannels: number; ignoredByCode: Record<string, number> } {
    return { ...this.counters, ignoredByCode: { ...this.counters.ignoredByCode } };
  }

  /** One CSV line; records it completes go to `emit`, in time order. */
  line(lineNo: number, text: string, emit: (r: DayRecord) => void): void {
    if (text.trim() === '') return;
    const cols = text.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    if (!this.header && lineNo === 1 && cols.some((c) => /[a-z]/i.test(c) && Number.isNaN(Date.parse(c)))) {
      const find = (re: RegExp, fallback: number) => {
        const i = cols.findIndex((c) => re.test(c.replace(/[\s_]/g, '')));
        return i >= 0 ? i : fallback;
      };
      this.header = { signal: find(/^(signal|device|intersection)/i, 0), time: find(/time/i, 1), code: find(/(eventcode|eventid|^code|^event$)/i, 2), param: find(/param/i, 3) };
      return;
    }
    this.counters.rows++;
    const h = this.header ?? { signal: 0, time: 1, code: 2, param: 3 };
    if (cols.length < 4) return this.problem('GW_ATSPM_COLUMNS', lineNo, `expected 4 columns (signal id, timestamp, event code, event parameter), found ${cols.length}`);
    const t = this.parseTime(cols[h.time]);
    if (!Number.isFinite(t)) return this.problem('GW_ATSPM_TIMESTAMP', lineNo, `timestamp ${JSON.stringify(cols[h.time])} is not a date and time`);
    const code = Number(cols[h.code]);
    const param = Number(cols[h.param]);
    if (!Number.isInteger(code) || !Number.isInteger(param) || cols[h.code] === '' || cols[h.param] === '')
      return this.problem('GW_ATSPM_NUMBER', lineNo, `event code ${JSON.stringify(cols[h.code])} and parameter ${JSON.stringify(cols[h.param])} must be whole numbers`);
    if (t < this.lastMs) return this.problem('GW_ATSPM_OUT_OF_ORDER', lineNo, `timestamp ${cols[h.time]} is earlier than the previous row's; the log must be sorted by time`);
    this.advance(t, emit);
    this.lastMs = t;
    const signal = this.signals.get(cols[h.signal]);
    if (!signal) {
      this.ignore(code);
      return;
    }
    switch (code) {
      case ATSPM_EVENT.phaseBeginGreen:
        return this.nema(signal, param, 'green', t, emit);
      case ATSPM_EVENT.phaseBeginYellowClearance:
        return this.nema(signal, param, 'yellow', t, emit);
      case ATSPM_EVENT.phaseEndYellowClearance:
      case ATSPM_EVENT.phaseBeginRedClearance:
        return this.nema(signal, param, 'red', t, emit);
      case ATSPM_EVENT.detectorOn:
      case ATSPM_EVENT.detectorOff:
        return this.detector(signal, param, code === ATSPM_EVENT.detectorOn, t, emit);
      default:
        this.ignore(code);
    }
  }

  /** End of the log: the last interval's counts and pending arrivals. */
  end(emit: (r: DayRecord) => void): void {
    if (!Number.isFinite(this.lastMs)) return;
    this.advance(Math.max(this.lastMs, this.intervalEnd), emit);
    this.flushPending(Infinity, emit);
  }

  private problem(code: AtspmProblemCode, lineNo: number, message: string): void {
    this.counters.malformed++;
    this.onProblem({ code, lineNo, message });
  }

  private ignore(code: number): void {
    this.counters.ignoredByCode[code] = (this.counters.ignoredByCode[code] ?? 0) + 1;
  }

  /** Moves the log's clock to t: emits due arrivals and every completed counting interval. */
  private advance(t: number, emit: (r: DayRecord) => void): void {
    if (Number.isNaN(this.intervalEnd)) this.intervalEnd = (Math.floor(t / this.intervalMs) + 1) * this.intervalMs;
    while (t >= this.intervalEnd) {
      this.flushPending(this.intervalEnd, emit);
      const end = this.intervalEnd;
      const start = end - this.intervalMs;
      for (const d of this.detectors) {
        let occupied = d.occupiedMs;
        if (!Number.isNaN(d.onSince)) occupied += end - Math.max(start, d.onSince);
        if (d.count === 0 && occupied === 0 && Number.isNaN(d.onSince) && !this.detectorSeen(d)) continue;
        emit({ kind: 'count', atMs: end, record: { detectorId: d.id, timestamp: end, count: d.count, intervalSeconds: this.intervalMs / 1000, occupancy: Math.round((occupied / this.intervalMs) * 1000) / 1000 } });
        d.count = 0;
        d.occupiedMs = 0;
      }
      this.intervalEnd += this.intervalMs;
    }
    this.flushPending(t, emit);
  }

  private readonly seen = new Set<DetectorTrack>();
  private detectorSeen(d: DetectorTrack): boolean {
    return this.seen.has(d);
  }

  private flushPending(t: number, emit: (r: DayRecord) => void): void {
    if (this.pending.length === 0) return;
    let n = 0;
    while (n < this.pending.length && this.pending[n].atMs <= t) n++;
    if (n === 0) return;
    for (const a of this.pending.splice(0, n)) emit({ kind: 'arrival', atMs: a.atMs, detectorId: a.detectorId });
  }

  private nema(signal: SignalMap, nema: number, state: SignalState, t: number, emit: (r: DayRecord) => void): void {
    const phases = signal.phasesOfNema.get(nema);
    if (!phases) {
      this.ignore(state === 'green' ? 1 : state === 'yellow' ? 8 : 9);
      return;
    }
    this.counters.used++;
    this.nemaState.set(`${signal.intersectionId}#${nema}`, state);
    for (const pid of phases) {
      // A network phase shows the "greenest" state of the NEMA phases that make it up.
      let s: SignalState = 'red';
      for (const n of signal.nemaOfPhase.get(pid)!) {
        const ns = this.nemaState.get(`${signal.intersectionId}#${n}`) ?? 'red';
        if (ns === 'green') s = 'green';
        else if (ns === 'yellow' && s === 'red') s = 'yellow';
      }
      const key = `${signal.intersectionId}#${pid}`;
      if (this.phaseState.get(key) === s) continue;
      this.phaseState.set(key, s);
      this.flushPending(t, emit);
      emit({ kind: 'phase', atMs: t, intersectionId: signal.intersectionId, phaseId: pid, state: s });
    }
  }

  private detector(signal: SignalMap, channel: number, on: boolean, t: number, emit: (r: DayRecord) => void): void {
    const di = signal.detectorOfChannel.get(channel);
    if (di === undefined) {
      this.counters.unknownChannels++;
      return;
    }
    this.counters.used++;
    const d = this.detectors[di];
    this.seen.add(d);
    if (on) {
      if (!Number.isNaN(d.onSince)) return; // repeated on: one vehicle
      d.onSince = t;
      d.count++;
      const at = t + d.shiftMs;
      // Keep pending arrivals sorted: shifts differ by detector, so insert in place (the list is short).
      let i = this.pending.length;
      while (i > 0 && this.pending[i - 1].atMs > at) i--;
      this.pending.splice(i, 0, { atMs: at, detectorId: d.id });
      if (d.shiftMs === 0) this.flushPending(t, emit);
    } else {
      if (Number.isNaN(d.onSince)) return;
      const start = this.intervalEnd - this.intervalMs;
      d.occupiedMs += t - Math.max(start, d.onSince);
      d.onSince = NaN;
    }
    if (d.stopLine) emit({ kind: 'detector', atMs: t, detectorId: d.id, on });
  }

  private readonly offsets = new Map<string, number>();

  /** ISO-8601 with a zone as is; "YYYY-MM-DD HH:MM:SS(.fff)" or "M/D/YYYY H:MM:SS(.f) [AM|PM]" as local time. */
  private parseTime(text: string): number {
    if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) && text.includes('T')) return Date.parse(text);
    let m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
    let y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number;
    if (m) [y, mo, d, h, mi, s, ms] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7] ? Number(m[7].padEnd(3, '0')) : 0];
    else {
      m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?: ?([AP]M))?$/i.exec(text);
      if (!m) return NaN;
      [mo, d, y, h, mi, s, ms] = [+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7] ? Number(m[7].padEnd(3, '0')) : 0];
      if (m[8]) h = (h % 12) + (m[8].toUpperCase() === 'PM' ? 12 : 0);
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
    const naive = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (this.timeZone === 'UTC') return naive;
    const key = `${y}-${mo}-${d}-${h}`;
    let off = this.offsets.get(key);
    if (off === undefined) {
      off = zoneOffsetMs(naive, this.timeZone);
      off = zoneOffsetMs(naive - off, this.timeZone);
      if (this.offsets.size > 100) this.offsets.clear();
      this.offsets.set(key, off);
    }
    return naive - off;
  }
}

function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(epochMs / 1000) * 1000;
}
