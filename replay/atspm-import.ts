import type { NetworkFile } from '../network-models/index.js';
import type { DayRecord, SignalState } from '../adapters/files/index.js';
import { IMPUTE_OFF_AT_NEXT_ON_MS } from './atspm/split-failure-cycles.js';
import { EventLogReader, isEventLogProblem, type AtspmEvent, type EventLogProblemCode } from './atspm/event-log.js';

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

/** The event codes the engine's import uses (phase states, detector counts and arrivals). */
export const ENGINE_EVENT_CODES: readonly number[] = Object.values(ATSPM_EVENT);

export type AtspmProblemCode = EventLogProblemCode;

/** The network's ATSPM mapping cannot be used (e.g. two intersections claim one controller). */
export class AtspmMappingError extends Error {}

/** What the import made of the log, for summary.json and the report. */
export interface AtspmImportStats {
  /** Data rows (header and blank lines excluded). */
  rows: number;
  /** Events used (phase and detector events of mapped signals, phases and channels). */
  used: number;
  malformed: number;
  /** Malformed rows by problem code. */
  malformedByCode: Record<string, number>;
  /** Detector events of channels no detector is mapped to, by "device/channel". */
  unmappedChannels: Record<string, number>;
  /** Events on channels no detector is mapped to (sum of unmappedChannels). */
  unknownChannels: number;
  /** Rows of devices no intersection is mapped to, by device id. */
  unknownDevices: Record<string, number>;
  /** Phase events of NEMA phases no network phase is mapped to, by "device/phase". */
  unmappedPhases: Record<string, number>;
  /**
   * Well-formed events by code, every code of the log (which of them the engine and the ATSPM tables read:
   * `eventCodeUse`).
   */
  eventsByCode: Record<string, number>;
  /** Detector-on events that came while the detector was already on: counted, with the missing off imputed. */
  repeatedDetectorOns: number;
  timeZone: string;
}

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
  /** Every well-formed event of the log, in order (for the ATSPM measures). */
  onEvent?: (e: AtspmEvent) => void;
}

interface SignalMap {
  signalId: string;
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
 *   link's free-flow speed), and the on/off events of stop-line detectors as `detector` records, as logged,
 *   for measured split failures;
 * - phase green / yellow / red (1 / 8 / 9 or 10) become `phase` records: the signal states actually shown.
 *
 * Signals map to intersections by `intersections[].external.atspm.signalId` (default: the intersection id) and
 * NEMA phases to network phases by `external.atspm.phases` ({ phaseId: [nema, ...] }; default: the i-th phase
 * is NEMA phase i + 1). Every code is counted (`eventsByCode`); those the engine does not use are passed by
 * here (the ATSPM tables read their own: `eventCodeUse`); malformed rows are reported with their
 * line number and skipped. Timestamps without a zone are local time in the network's time zone (see
 * `EventLogReader` for the layouts and timestamp forms read). Every 82 is an actuation, as in ATSPM: an on while
 * the detector is already on gets the missing off imputed. Two intersections mapped to one controller are refused.
 */
export class AtspmImport {
  private readonly signals = new Map<string, SignalMap>();
  private readonly detectors: DetectorTrack[] = [];
  private readonly intervalMs: number;
  private readonly reader: EventLogReader;
  private readonly onProblem: (p: AtspmProblem) => void;
  private readonly onEvent: (e: AtspmEvent) => void;
  private readonly nemaState = new Map<string, SignalState>();
  private readonly phaseState = new Map<string, SignalState>();
  /** Arrivals waiting for the log to reach their stop-line time (advance detectors), in time order per shift. */
  private readonly pending: Array<{ atMs: number; detectorId: string }> = [];
  private intervalEnd = NaN;
  private lastMs = -Infinity;
  private readonly counters: AtspmImportStats;

  constructor(network: NetworkFile, options: AtspmImportOptions = {}) {
    this.intervalMs = (options.intervalSeconds ?? 60) * 1000;
    const timeZone = network.timeZone ?? 'UTC';
    this.reader = new EventLogReader(timeZone);
    this.counters = { rows: 0, used: 0, malformed: 0, malformedByCode: {}, unmappedChannels: {}, unknownChannels: 0, unknownDevices: {}, unmappedPhases: {}, eventsByCode: {}, repeatedDetectorOns: 0, timeZone };
    this.onProblem = options.onProblem ?? (() => {});
    this.onEvent = options.onEvent ?? (() => {});
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
      const signalId = String(ext.signalId ?? x.id);
      const taken = this.signals.get(signalId);
      if (taken)
        throw new AtspmMappingError(
          `intersections ${taken.intersectionId} and ${x.id} both map to controller (signal id) ${JSON.stringify(signalId)}: each controller's events can feed one intersection; set intersections[].external.atspm.signalId so they differ`,
        );
      this.signals.set(signalId, { signalId, intersectionId: x.id, phasesOfNema, nemaOfPhase, detectorOfChannel });
    }
  }

  stats(): AtspmImportStats {
    const c = this.counters;
    return { ...c, malformedByCode: { ...c.malformedByCode }, unmappedChannels: { ...c.unmappedChannels }, unknownDevices: { ...c.unknownDevices }, unmappedPhases: { ...c.unmappedPhases }, eventsByCode: { ...c.eventsByCode } };
  }

  /** One CSV line; records it completes go to `emit`, in time order. */
  line(lineNo: number, text: string, emit: (r: DayRecord) => void): void {
    const e = this.reader.read(lineNo, text);
    if (e === undefined) return;
    this.counters.rows++;
    if (isEventLogProblem(e)) return this.problem(e.code, e.lineNo, e.message);
    this.onEvent(e);
    const t = e.atMs;
    const code = e.code;
    const param = e.param;
    this.counters.eventsByCode[code] = (this.counters.eventsByCode[code] ?? 0) + 1;
    this.advance(t, emit);
    this.lastMs = t;
    const signal = this.signals.get(e.deviceId);
    if (!signal) {
      this.counters.unknownDevices[e.deviceId] = (this.counters.unknownDevices[e.deviceId] ?? 0) + 1;
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
    this.counters.malformedByCode[code] = (this.counters.malformedByCode[code] ?? 0) + 1;
    this.onProblem({ code, lineNo, message });
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
      const key = `${signal.signalId}/${nema}`;
      this.counters.unmappedPhases[key] = (this.counters.unmappedPhases[key] ?? 0) + 1;
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
      const key = `${signal.signalId}/${channel}`;
      this.counters.unmappedChannels[key] = (this.counters.unmappedChannels[key] ?? 0) + 1;
      return;
    }
    this.counters.used++;
    const d = this.detectors[di];
    this.seen.add(d);
    if (on) {
      if (!Number.isNaN(d.onSince)) {
        // A repeated on is another vehicle (ATSPM counts every 82): the missing off is imputed as the
        // reference aggregation does, at this on when within 2 s of the last, else halfway between them.
        this.counters.repeatedDetectorOns++;
        const offAt = t - d.onSince <= IMPUTE_OFF_AT_NEXT_ON_MS ? t : d.onSince + (t - d.onSince) / 2;
        this.switchOff(d, offAt);
      }
      d.onSince = t;
      d.count++;
      const at = t + d.shiftMs;
      // Keep pending arrivals sorted: shifts differ by detector, so insert in place (the list is short).
      let i = this.pending.length;
      while (i > 0 && this.pending[i - 1].atMs > at) i--;
      this.pending.splice(i, 0, { atMs: at, detectorId: d.id });
      if (d.shiftMs === 0) this.flushPending(t, emit);
    } else if (!Number.isNaN(d.onSince)) this.switchOff(d, t);
    // Stop-line events go on as logged: the split-failure judgement repairs them as the reference does.
    if (d.stopLine) emit({ kind: 'detector', atMs: t, detectorId: d.id, on });
  }

  private switchOff(d: DetectorTrack, t: number): void {
    const start = this.intervalEnd - this.intervalMs;
    d.occupiedMs += Math.max(0, t - Math.max(start, d.onSince));
    d.onSince = NaN;
  }
}
