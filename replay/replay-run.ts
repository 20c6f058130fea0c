import type { NetworkFile } from '../network-models/index.js';
import { buildRoadGraph, type RoutePath } from '../network-models/index.js';
import { countEndMs } from '../engine/index.js';
import type { EngineConfigInput, EngineCore, EngineEvent } from '../engine/index.js';
import type { PhasePlan } from '../engine/index.js';
import { fallbackPhasePlan, localMinuteOfDay, timeOfDayPlanAt } from '../engine/index.js';
import { evaluatePlan } from '../engine/index.js';
import type { DayRecord } from '../adapters/files/index.js';
import { measuredNetwork, type MeasuredNetwork } from './measured-lanes.js';
import { ObservedTimeline, PlanTimeline } from './signal-timelines.js';
import { OccupancySplitFailures } from './occupancy-split-failures.js';
import { PCD_COLUMN_SECONDS } from './pcd-raster.js';
import { PlanTrack } from './plan-track.js';
import type { PcdFigures } from './pcd-figure.js';
import { MeasureClient } from './measure-client.js';
import type { BinMeasures, PcdData } from './measure-core.js';
import { ReportBins } from './report-bins.js';
import { EngineRuns, engineRunMark, type EngineRun, type EngineStart } from './engine-runs.js';
import { localDayOf, localIsoTime } from '../adapters/files/index.js';
import type { BinRow, IntersectionSummary, ReplaySummary, SourceMeasures, SourceTotals } from './replay-summary.js';

export const BIN_MS = 15 * 60_000;
export const DEFAULT_PLATOON_SHARE = 0.7;

/** Which recorded plans count as actually in force. */
export type ActualPlanPolicy = 'acked' | 'recorded' | 'fallback';

export interface ReplayOptions {
  network: NetworkFile;
  /** Input name, for the summary. */
  inputName?: string;
  /** The engine's configuration, instead of what a day file recorded at the engine's start(s) (as `plan --config`). */
  engineConfig?: EngineConfigInput;
  /** Optimisation period; default: `engineConfig`'s, else what the day file recorded at the engine's start, else 60 s. */
  periodSeconds?: number;
  /**
   * Checks the engine configuration a day file recorded at an engine start (`where` names the record) and
   * returns it, or throws saying what is wrong. Without it, a recorded configuration is not used (a warning says so).
   */
  recordedEngineConfig?: (value: unknown, where: string) => EngineConfigInput;
  /** Something worth telling about how the engine runs (a recorded configuration overridden, another period). */
  onNote?: (text: string) => void;
  /** Records outside [fromMs, toMs) are skipped. */
  fromMs?: number;
  toMs?: number;
  /** 'acked' (default): a recorded plan is in force once a controller accepted it; before that, the time-of-day plan. */
  actualPlans?: ActualPlanPolicy;
  /** Share of a link's 1-minute count that arrives in the upstream signal's platoon (default 0.7). */
  platoonShare?: number;
  /** Arrivals come as `arrival` records (controller event logs) rather than modelled from counts. */
  measuredArrivals?: boolean;
  /** Intersections that get Purdue Coordination Diagrams (default: the first corridor's, at most 4). */
  pcdIntersections?: string[];
  /** Engine plans, in the order issued (for plans.ndjson). */
  onPlan?: (plan: PhasePlan) => void;
  /** Each intersection's 15-minute row as soon as its bin is over (for bins.ndjson). */
  onBin?: (row: BinRow) => void;
  /** Each change of the plan actually in force (recorded plans, or fallback time-of-day plans), from its time. */
  onActualPlan?: (plan: PhasePlan, atMs: number) => void;
  /**
   * Arrival measures on a thread of their own: the same results, the replay's own thread spared the arrival
   * model (some 20 % of it on a day of 1-minute counts). Default false, in line: the thread takes about 0.5 s
   * to start, more than it saves on a small replay.
   */
  measureThread?: boolean;
}

/** The busiest bin's plans along a corridor, for the time-space diagram. */
export interface CorridorSnapshot {
  corridor: RoutePath;
  binStartMs: number;
  flowVehPerHour: number;
  actual: PhasePlan[];
  engine: PhasePlan[];
}

/** Everything the report needs: the figures it draws of the 15-minute rows are kept (as numbers), records are not. */
export interface ReplayResult {
  summary: ReplaySummary;
  bins: ReportBins;
  pcdActual: PcdData | undefined;
  pcdEngine: PcdData | undefined;
  corridors: CorridorSnapshot[];
  network: NetworkFile;
  measured: MeasuredNetwork;
  /** The engine's runs over the replayed span, in order: each from its start, with the configuration it ran with. */
  engineRuns: Array<{ startMs: number; config: EngineConfigInput }>;
}

/**
 * A replay of a recorded day through the same engine pipeline as live, in virtual time: feed records in time
 * order with `push`, then `finish`. Alongside the engine, it keeps the plans actually in force (recorded and
 * acknowledged, observed from controller logs, or the fallback time-of-day plans) and measures both sets of
 * plans against the same traffic, per intersection and 15-minute bin.
 */
export class ReplayRun {
  private readonly net: MeasuredNetwork;
  private readonly network: NetworkFile;
  private readonly options: ReplayOptions;
  private readonly timeZone: string;
  /**
   * The engine, as `greenwave plan` runs it: one run per start of the live engine a day file recorded (with its
   * configuration and plan version base), else one from the first count; each on the count clock.
   */
  private readonly engineRuns: EngineRuns;
  private started = false;
  /** Reading the days before the input (a run it continues): the engine's events are not replayed. */
  private quiet = false;
  /** An engine start recorded before the replayed span: its run is joined at the span's start. */
  private startBeforeSpan: EngineStart | undefined;
  /** After earlier days were read: the run's counters when the input began (the summary counts the input's own). */
  private countersBefore: { run: EngineRun; counters: EngineCore['counters'] } | undefined;
  /** Where the replayed span's engine runs begin in `engineRuns.runs` (runs of earlier days and before the span are not its). */
  private spanRunsFrom = 0;
  private readonly actualPlans: PlanTimeline;
  private readonly observed: ObservedTimeline;
  /**
   * The engine's plans in force (for the corridor snapshots): plain plans, as only the measure thread needs their
   * signal-state arithmetic (`PlanTimeline`).
   */
  private readonly engine: PhasePlan[];
  /** The plans actually in force, and the engine's: measured against the same traffic. */
  private readonly actualTrack: PlanTrack;
  private readonly engineTrack: PlanTrack;
  private readonly tracks: readonly PlanTrack[];
  /** Arrivals on green, modelled split failures and the diagrams, under both sets of plans. */
  private readonly measures: MeasureClient;
  /** The last closed bin's ticket for its arrival counters, taken when its rows are written. */
  private unwrittenTicket = -1;
  private readonly occupancy: OccupancySplitFailures;
  /** Measured split failures of the open bin's cycles (by the start of their green), per intersection. */
  private readonly measuredFailures: Float64Array;
  /** The last closed bin's rows, written when the next bin closes: its cycles' split failures can still be judged. */
  private unwritten: BinRow[] = [];
  private readonly pcdIds: string[];
  private readonly detectorSums: Float64Array;
  private readonly phaseIndex: Array<Map<string, number>>;
  private readonly recordedPlans = new Map<string, PhasePlan>();
  private readonly onFallback: boolean[];
  private readonly currentTod: string[];
  private nextTodCheckMs = -Infinity;
  /**
   * Which time-of-day plan runs depends only on the plans' start times: intersections with the same start times
   * (most of a city) share one look-up per minute. Keyed by the start times, for the minute `todMinute`.
   */
  private readonly todSchedule: string[];
  private readonly todStartByMinute = new Map<string, string>();
  private todMinute = NaN;
  private readonly totals: IntersectionSummary[];
  private readonly bins = new ReportBins();
  private readonly corridors: RoutePath[];
  private readonly snapshots: CorridorSnapshot[] = [];
  private bin = NaN;
  private firstMs = NaN;
  private lastMs = NaN;
  private arrivalsObserved = false;
  private readonly counters = { records: 0, byKind: {} as Record<string, number>, enginePlans: 0, arrivalsBeforePhaseState: 0 };
  /** Records seen, in or out of the span: where an engine start was recorded. */
  private recordNo = 0;
  readonly warnings: string[] = [];

  constructor(options: ReplayOptions) {
    this.options = options;
    this.network = options.network;
    this.timeZone = options.network.timeZone ?? 'UTC';
    this.net = measuredNetwork(options.network);
    const signals = this.net.intersections.map((x) => x.model.intersection);
    this.phaseIndex = signals.map((x) => new Map(x.phases.map((p, i) => [p.id, i])));
    const placeholder = signals.map((x) => fallbackPhasePlan(x, 0, this.timeZone));
    this.actualPlans = new PlanTimeline(placeholder);
    this.engine = [...placeholder];
    this.observed = new ObservedTimeline(this.actualPlans, signals.map((x) => x.phases.length));
    this.onFallback = signals.map(() => true);
    this.currentTod = signals.map(() => '');
    this.todSchedule = signals.map((x) => x.fallbackPlans.map((p) => p.startsAt).join(','));
    this.measuredFailures = new Float64Array(signals.length);
    this.occupancy = new OccupancySplitFailures(this.net, (x, _phase, cycle) => {
      if (cycle.failed) this.measuredSplitFailure(x, cycle.greenStartMs);
    });
    this.detectorSums = new Float64Array(options.network.detectors.length);
    this.actualTrack = new PlanTrack('actual', placeholder);
    this.engineTrack = new PlanTrack('engine', placeholder);
    this.tracks = [this.actualTrack, this.engineTrack];
    this.totals = signals.map((x) => ({ intersectionId: x.id, vehicles: 0, actual: emptyTotals(), engine: emptyTotals() }));
    this.corridors = buildRoadGraph(options.network).corridors().slice(0, 3);
    this.pcdIds = options.pcdIntersections ?? (this.corridors[0]?.intersectionIds.slice(0, 4) ?? signals.slice(0, 2).map((x) => x.id));
    this.arrivalsObserved = options.measuredArrivals ?? false;
    this.measures = new MeasureClient(
      { net: this.net, initialPlans: placeholder, pcdIntersections: this.pcdIds, platoonShare: options.platoonShare ?? DEFAULT_PLATOON_SHARE, timeZone: this.timeZone },
      options.measureThread ?? false,
    );
    this.engineRuns = new EngineRuns({
      network: options.network,
      direct: true,
      runConfig: (recorded, recordedAt) => this.runConfig(recorded, recordedAt),
      onEvent: (event) => this.engineEvent(event),
    });
  }

  /** Start of the replayed span (epoch ms), -Infinity when open. */
  get fromMs(): number {
    return this.options.fromMs ?? -Infinity;
  }

  /** End of the replayed span (epoch ms), Infinity when open. */
  get toMs(): number {
    return this.options.toMs ?? Infinity;
  }

  /** Is the record inside the replayed span? A count is when its whole interval is (one ending at `from` is not). */
  inWindow(record: DayRecord): boolean {
    const o = this.options;
    return !((o.fromMs !== undefined && intervalStartMs(record) < o.fromMs) || (o.toMs !== undefined && record.atMs > o.toMs));
  }

  /**
   * Feeds one record of a day before the input, to bring the engine to the state the live one had at the input's
   * start (the input continues an engine run begun on an earlier day): only the engine sees it, nothing is
   * measured or written.
   */
  pushEarlierDay(record: DayRecord): void {
    this.quiet = true;
    if (record.kind === 'count') this.engineRuns.count(record.record, this.receivedAt(record), 0);
    else if (record.kind === 'fault') {
      const mark = engineRunMark(record.atMs, record.event);
      if (mark) this.engineRuns.mark(mark, 0, true);
    }
    this.quiet = false;
  }

  /** Feeds one record (in time order). */
  push(record: DayRecord): void {
    const t = record.atMs;
    const o = this.options;
    this.recordNo++;
    if (!this.inWindow(record)) {
      if (record.kind === 'fault' && !this.started) this.markBeforeSpan(record);
      return;
    }
    this.counters.records++;
    this.counters.byKind[record.kind] = (this.counters.byKind[record.kind] ?? 0) + 1;
    if (!this.started) this.start(record);
    this.occupancy.advance(t / 1000);
    const key = Math.floor((record.kind === 'count' ? t - 1 : t) / BIN_MS);
    if (key > this.bin) this.closeBin(key);
    if (t > this.lastMs || Number.isNaN(this.lastMs)) this.lastMs = t;
    if (t >= this.nextTodCheckMs) this.updateTimeOfDay(t);
    switch (record.kind) {
      case 'count': {
        this.count(record.record, t);
        // As `greenwave plan` feeds the engine (without the pipeline's input: its rejection events are not used
        // here, and this runs for every record).
        this.engineRuns.count(record.record, this.receivedAt(record), this.recordNo);
        break;
      }
      case 'fault': {
        const mark = engineRunMark(t, record.event);
        if (mark) this.engineRuns.mark(mark, this.recordNo);
        break;
      }
      case 'plan':
        this.recordedPlans.set(`${record.plan.intersectionId}#${record.plan.version}`, record.plan);
        if (o.actualPlans === 'recorded') this.setActual(record.plan, t);
        break;
      case 'ack': {
        const plan = this.recordedPlans.get(`${record.intersectionId}#${record.version}`);
        if (record.accepted && plan && (o.actualPlans ?? 'acked') === 'acked') this.setActual(plan, t);
        break;
      }
      case 'phase': {
        const x = this.net.intersectionIndex.get(record.intersectionId);
        const p = x === undefined ? undefined : this.phaseIndex[x].get(record.phaseId);
        if (x === undefined || p === undefined) break;
        if (!this.observed.observed(x)) this.onFallback[x] = false;
        this.observed.apply(x, p, record.state, t / 1000);
        this.measures.phase(x, p, record.state, t / 1000);
        this.occupancy.phase(x, p, record.state, t / 1000);
        break;
      }
      case 'arrival': {
        this.arrivalsObserved = true;
        const d = this.net.detectorIndex.get(record.detectorId);
        const l = d === undefined ? -1 : this.net.laneOfDetector[d];
        if (l < 0) break;
        // Until the log has shown the lane's phases, their state is unknown: such arrivals are not judged.
        const lane = this.net.lanes[l];
        if (!this.observed.knows(lane.intersection, lane.servingPhases)) {
          this.counters.arrivalsBeforePhaseState++;
          break;
        }
        this.measures.arrival(l, t / 1000);
        break;
      }
      case 'detector': {
        const d = this.net.detectorIndex.get(record.detectorId);
        if (d !== undefined) this.occupancy.detector(d, record.on, t / 1000);
        break;
      }
      default:
        break;
    }
  }

  /** Abandons the replay (its input failed), or ends it without taking its drawn diagrams: stops the measure thread, if any. */
  close(): void {
    this.measures.close();
  }

  /** The diagrams the measure thread drew (see `finish`), waited for; undefined when it drew none. */
  drawnPcds(): PcdFigures | undefined {
    return this.measures.drawnPcds();
  }

  /**
   * Ends the replay: last timers fire, the last bin closes; returns the measures for the report. With
   * `drawPcds`, the measure thread (if any) draws the diagrams meanwhile: take them with `drawnPcds` (for
   * `renderReport`), or stop it with `close`.
   */
  finish(drawPcds = false): ReplayResult {
    const o = this.options;
    const run = this.engineRuns.current;
    // the engine plans one period past the last record
    if (run) run.end(this.lastMs + run.periodSeconds * 1000);
    if (!Number.isNaN(this.bin)) this.closeBin(this.bin + 1);
    this.writeClosedBin();
    const { pcdActual, pcdEngine } = this.measures.finish(drawPcds);
    const runs = this.engineRuns;
    const since = this.countersBefore;
    const c =
      runs.runs.length > 0
        ? { countsAccepted: runs.sum((k) => k.countsAccepted, since), countsRejected: runs.sum((k) => k.countsRejected, since), optimisations: runs.sum((k) => k.optimisations, since), plansRejected: runs.sum((k) => k.plansRejected, since), rejectedByCode: rejectedByCode(runs, since) }
        : undefined;
    const totals = { vehicles: 0, actual: emptyTotals(), engine: emptyTotals(), delaySavedVehHours: 0, delaySavedPercent: 0 };
    for (const s of this.totals) {
      totals.vehicles += s.vehicles;
      addTotals(totals.actual, s.actual);
      addTotals(totals.engine, s.engine);
    }
    totals.delaySavedVehHours = round(totals.actual.delayVehHours - totals.engine.delayVehHours, 2);
    totals.delaySavedPercent = totals.actual.delayVehHours > 0 ? round((100 * totals.delaySavedVehHours) / totals.actual.delayVehHours, 1) : 0;
    const observedAny = this.net.intersections.some((_, x) => this.observed.observed(x));
    const summary: ReplaySummary = {
      network: this.network.name,
      input: o.inputName ?? '',
      fromMs: this.firstMs,
      toMs: this.lastMs,
      from: Number.isFinite(this.firstMs) ? localIsoTime(this.firstMs, this.timeZone) : '',
      to: Number.isFinite(this.lastMs) ? localIsoTime(this.lastMs, this.timeZone) : '',
      timeZone: this.timeZone,
      records: this.counters.records,
      recordsByKind: this.counters.byKind,
      countsAccepted: c?.countsAccepted ?? 0,
      countsRejected: c?.countsRejected ?? 0,
      rejectedByCode: c?.rejectedByCode ?? {},
      malformedLines: 0,
      warnings: this.warnings.length,
      optimisations: c?.optimisations ?? 0,
      ...(runs.runs.length > 1 ? { engineRuns: runs.runs.length } : {}),
      enginePlans: this.counters.enginePlans,
      plansRejectedBySafetyGate: c?.plansRejected ?? 0,
      actualPlanSource: observedAny ? 'observed signal states (controller event log)' : `${o.actualPlans ?? 'acked'} recorded plans, else the fallback time-of-day plans`,
      arrivalModel: this.arrivalsObserved
        ? 'measured: detector on-times from the controller event log, moved to the stop line at free-flow speed'
        : `modelled from counts: ${Math.round((o.platoonShare ?? DEFAULT_PLATOON_SHARE) * 100)} % of each count arrives as a platoon during the upstream signal's green (shifted by the free-flow travel time), the rest evenly over the interval`,
      definitions: DEFINITIONS,
      ...(this.arrivalsObserved ? { arrivalsBeforePhaseState: this.counters.arrivalsBeforePhaseState } : {}),
      totals,
      intersections: this.totals.map((s) => ({ ...s, actual: roundTotals(s.actual), engine: roundTotals(s.engine) })),
    };
    return {
      summary,
      bins: this.bins,
      pcdActual,
      pcdEngine,
      corridors: this.snapshots,
      network: this.network,
      measured: this.net,
      engineRuns: runs.runs.slice(this.spanRunsFrom).map((r) => ({ startMs: r.startMs, config: r.config })),
    };
  }

  private start(record: DayRecord): void {
    this.started = true;
    const earlier = this.engineRuns.current;
    if (earlier?.core) this.countersBefore = { run: earlier, counters: { ...earlier.core.counters, rejectedByCode: { ...earlier.core.counters.rejectedByCode } } };
    const startMs = intervalStartMs(record);
    this.firstMs = startMs;
    const pending = this.startBeforeSpan;
    if (pending) {
      // the live run began before the span: joined at its planning instant before the span's start
      this.startBeforeSpan = undefined;
      this.engineRuns.mark({ ...pending, atMs: Math.max(startMs, pending.atMs), continuesRunFromMs: pending.atMs }, this.recordNo);
    }
    this.spanRunsFrom = this.engineRuns.currentIndex;
    const signals = this.net.intersections.map((x) => x.model.intersection);
    signals.forEach((x, i) => {
      const plan = fallbackPhasePlan(x, startMs, this.timeZone);
      this.actualPlans.set(i, plan);
      this.measures.set(0, i, plan);
      this.options.onActualPlan?.(plan, startMs);
      this.engine[i] = plan;
      this.measures.set(1, i, plan);
      for (const track of this.tracks) track.begin(i, plan, startMs);
    });
    const day = localDayOf(startMs, this.timeZone);
    const origin = day.startMs / 1000;
    const columns = Math.ceil((day.endMs - day.startMs) / 1000 / PCD_COLUMN_SECONDS) + 1;
    this.measures.drawPcd(origin, columns);
    this.bin = Math.floor(startMs / BIN_MS);
  }

  /** A day file's engine start or stop before the replayed span: the run going on at the span's start, if any. */
  private markBeforeSpan(record: DayRecord & { kind: 'fault' }): void {
    if (record.atMs >= this.fromMs) return;
    const mark = engineRunMark(record.atMs, record.event);
    if (mark?.kind === 'engine-start') this.startBeforeSpan = mark.continuesRunFromMs !== undefined ? { ...mark, atMs: mark.continuesRunFromMs, continuesRunFromMs: undefined } : mark;
    else if (mark) this.startBeforeSpan = undefined;
  }

  /** A run's configuration, as `greenwave plan` chooses it (see `EngineRunsOptions.runConfig`). */
  private runConfig(recorded: EngineStart | undefined, recordedAt: number): { config: EngineConfigInput; periodSeconds: number } {
    const o = this.options;
    const input = o.inputName ?? 'the input';
    let config: EngineConfigInput = {};
    if (o.engineConfig) {
      config = { ...o.engineConfig };
      if (recorded?.engine !== undefined) o.onNote?.(`the engine configuration given is used instead of the one ${input} recorded`);
    } else if (recorded?.engine !== undefined) {
      if (o.recordedEngineConfig) config = o.recordedEngineConfig(recorded.engine, `${input}: record ${recordedAt}`);
      else {
        const text = `${input}: record ${recordedAt}: the engine configuration recorded at the engine's start was not checked, so not used`;
        this.warnings.push(text);
        o.onNote?.(text);
      }
    }
    const periodSeconds = o.periodSeconds ?? o.engineConfig?.optimisationPeriodSeconds ?? recorded?.optimisationPeriodSeconds ?? config.optimisationPeriodSeconds ?? 60;
    if (recorded && recorded.optimisationPeriodSeconds !== periodSeconds)
      o.onNote?.(`the live engine that recorded ${input} optimised every ${recorded.optimisationPeriodSeconds} s; planning every ${periodSeconds} s plans at other instants`);
    // KPI events are not used here (the replay measures both plan sets itself): skipped, they cost time.
    return { config: { emitKpis: false, ...config }, periodSeconds };
  }

  private engineEvent(event: EngineEvent): void {
    if (event.type !== 'plan' || this.quiet) return;
    const x = this.net.intersectionIndex.get(event.plan.intersectionId);
    if (x === undefined) return;
    this.counters.enginePlans++;
    this.engine[x] = event.plan;
    this.measures.set(1, x, event.plan);
    this.engineTrack.switchTo(x, event.plan, event.atMs);
    this.options.onPlan?.(event.plan);
  }

  /**
   * When the live server received a count, as `greenwave plan` reads it: a day file's count record's `atMs` (a
   * bare count, read as a record timed by its own timestamp, has none).
   */
  private receivedAt(record: DayRecord): number | undefined {
    return record.atMs !== countEndMs((record as { record: unknown }).record) ? record.atMs : undefined;
  }

  /** Fallback time-of-day plans change at their start times: checked once a minute. */
  private updateTimeOfDay(t: number): void {
    this.nextTodCheckMs = (Math.floor(t / 60_000) + 1) * 60_000;
    const minute = localMinuteOfDay(t, this.timeZone);
    if (minute !== this.todMinute) {
      this.todMinute = minute;
      this.todStartByMinute.clear();
    }
    this.net.intersections.forEach((mx, i) => {
      if (!this.onFallback[i]) return;
      const x = mx.model.intersection;
      let tod = this.todStartByMinute.get(this.todSchedule[i]);
      if (tod === undefined) {
        tod = timeOfDayPlanAt(x.fallbackPlans, minute).startsAt;
        this.todStartByMinute.set(this.todSchedule[i], tod);
      }
      if (tod === this.currentTod[i]) return;
      const first = this.currentTod[i] === '';
      this.currentTod[i] = tod;
      if (first) return;
      const plan = fallbackPhasePlan(x, t, this.timeZone);
      this.actualPlans.set(i, plan);
      this.measures.set(0, i, plan);
      this.actualTrack.switchTo(i, plan, t);
      this.options.onActualPlan?.(plan, t);
    });
  }

  private setActual(plan: PhasePlan, t: number): void {
    const x = this.net.intersectionIndex.get(plan.intersectionId);
    // Observed signal states, when there are any, are better evidence of what ran than a recorded plan.
    if (x === undefined || this.observed.observed(x)) return;
    this.onFallback[x] = false;
    this.actualPlans.set(x, plan);
    this.measures.set(0, x, plan);
    this.actualTrack.switchTo(x, plan, t);
    this.options.onActualPlan?.(plan, t);
  }

  private count(raw: unknown, t: number): void {
    if (raw === null || typeof raw !== 'object') return;
    const r = raw as { detectorId?: unknown; count?: unknown; intervalSeconds?: unknown };
    if (typeof r.detectorId !== 'string' || typeof r.count !== 'number' || !(r.count >= 0) || typeof r.intervalSeconds !== 'number' || !(r.intervalSeconds > 0)) return;
    const d = this.net.detectorIndex.get(r.detectorId);
    if (d === undefined) return;
    this.detectorSums[d] += r.count;
    if (this.arrivalsObserved) return;
    const l = this.net.laneOfDetector[d];
    if (l < 0 || r.count === 0) return;
    this.measures.count(l, t, r.intervalSeconds, r.count);
  }

  /** Writes the last closed bin's rows, their arrival counters (from the measures) filled in first. */
  private writeClosedBin(): void {
    if (this.unwrittenTicket >= 0) {
      const bin = this.measures.bin(this.unwrittenTicket);
      this.unwrittenTicket = -1;
      for (const row of this.unwritten) this.fillArrivals(row, bin);
    }
    for (const row of this.unwritten) this.options.onBin?.(row);
    this.unwritten = [];
  }

  private fillArrivals(row: BinRow, bin: BinMeasures): void {
    const x = this.net.intersectionIndex.get(row.intersectionId)!;
    const tot = this.totals[x];
    for (const [m, source, total] of [
      [bin.actual, row.actual, tot.actual],
      [bin.engine, row.engine, tot.engine],
    ] as const) {
      source.arrivals = m.arrivals[x];
      source.arrivalsOnGreen = m.onGreen[x];
      source.splitFailures = m.splitFailures[x];
      total.arrivals += source.arrivals;
      total.arrivalsOnGreen += source.arrivalsOnGreen;
      total.splitFailures += source.splitFailures;
    }
    tot.vehicles += row.actual.arrivals;
  }

  /** A failed cycle counts in the bin of its green: the open bin, or the last closed one (not yet written). */
  private measuredSplitFailure(x: number, greenStartMs: number): void {
    const key = Math.floor(greenStartMs / BIN_MS);
    const row = key < this.bin ? this.unwritten.find((r) => r.binStartMs === key * BIN_MS && r.intersectionId === this.net.intersections[x].id) : undefined;
    if (!row) {
      this.measuredFailures[x]++;
      return;
    }
    row.actual.measuredSplitFailures = (row.actual.measuredSplitFailures ?? 0) + 1;
    const total = this.totals[x].actual;
    total.measuredSplitFailures = (total.measuredSplitFailures ?? 0) + 1;
  }

  private closeBin(nextKey: number): void {
    this.writeClosedBin();
    const binStartMs = this.bin * BIN_MS;
    const binEndMs = binStartMs + BIN_MS;
    const covered = (Math.min(binEndMs, this.lastMs) - Math.max(binStartMs, this.firstMs)) / 1000;
    const coveredSeconds = Math.max(0, covered);
    const binEndForSegments = Math.min(binEndMs, Math.max(this.lastMs, binStartMs));
    let corridorFlow: Map<string, number> | undefined;
    if (coveredSeconds > 0) {
      const binStart = localIsoTime(binStartMs, this.timeZone);
      corridorFlow = new Map();
      this.net.intersections.forEach((mx, x) => {
        const flows = new Float64Array(mx.model.movements.length);
        for (const lane of mx.flowLanes) {
          let laneCount = 0;
          for (const d of lane.detectors) if (this.detectorSums[d] > laneCount) laneCount = this.detectorSums[d];
          for (const m of lane.movements) flows[m] += (laneCount / lane.movements.length) * (3600 / coveredSeconds);
        }
        let flow = 0;
        for (const q of flows) flow += q;
        corridorFlow!.set(mx.id, flow);
        const row: BinRow = {
          intersectionId: mx.id,
          binStartMs,
          binStart,
          timeZone: this.timeZone,
          coveredSeconds,
          flowVehPerHour: round(flow, 1),
          actual: this.sourceMeasures(this.actualTrack, x, flows, binEndForSegments, coveredSeconds),
          engine: this.sourceMeasures(this.engineTrack, x, flows, binEndForSegments, coveredSeconds),
        };
        // arrivals, arrivals on green and split failures are added when the measures have them (fillArrivals)
        const tot = this.totals[x];
        addBin(tot.actual, row.actual);
        addBin(tot.engine, row.engine);
        this.bins.add(row);
        this.unwritten.push(row);
      });
      this.snapshotCorridors(binStartMs, corridorFlow);
    }
    this.detectorSums.fill(0);
    const ticket = this.measures.closeBin();
    if (coveredSeconds > 0) this.unwrittenTicket = ticket;
    else this.measures.bin(ticket);
    for (const track of this.tracks) track.closeBin(binEndMs);
    this.measuredFailures.fill(0);
    this.bin = nextKey;
  }

  private sourceMeasures(track: PlanTrack, x: number, flows: Float64Array, endMs: number, coveredSeconds: number): SourceMeasures {
    const model = this.net.intersections[x].model;
    const segs = track.secondsByPlanUntil(x, endMs);
    let observedGreens: ReturnType<ObservedTimeline['takeGreenTotals']>;
    if (track === this.actualTrack && this.observed.observed(x)) {
      observedGreens = this.observed.takeGreenTotals(x, endMs / 1000);
      this.measures.takeGreenTotals(x, endMs / 1000);
    }
    let weightSum = 0;
    let cycle = 0;
    let maxX = 0;
    let delayPerHour = 0;
    const evaluate = (greens: ArrayLike<number>, C: number, w: number) => {
      const ev = evaluatePlan(model, greens, C, flows);
      weightSum += w;
      cycle += w * C;
      maxX += w * Math.min(ev.maxDegreeOfSaturation, 9.99);
      delayPerHour += w * ev.totalDelayVehHoursPerHour;
    };
    if (observedGreens && observedGreens.cycles > 0) {
      const C = coveredSeconds / observedGreens.cycles;
      evaluate(observedGreens.greens.map((g) => g / observedGreens.cycles), C, 1);
    } else for (const [plan, secs] of segs) evaluate(plan.phases.map((p) => p.greenSeconds), plan.cycleSeconds, secs);
    if (weightSum > 0) {
      cycle /= weightSum;
      maxX /= weightSum;
      delayPerHour /= weightSum;
    }
    let flow = 0;
    for (const q of flows) flow += q;
    const out: SourceMeasures = {
      cycleSeconds: round(cycle, 1),
      maxDegreeOfSaturation: round(maxX, 3),
      delaySecondsPerVeh: flow > 0 ? round((delayPerHour * 3600) / flow, 1) : 0,
      delayVehHours: round((delayPerHour * coveredSeconds) / 3600, 3),
      // the measures' counters, filled in before the row is written (fillArrivals)
      arrivals: 0,
      arrivalsOnGreen: 0,
      splitFailures: 0,
      planChanges: track.planChanges[x],
    };
    if (track === this.actualTrack && this.observed.observed(x)) out.measuredSplitFailures = this.measuredFailures[x];
    return out;
  }

  private snapshotCorridors(binStartMs: number, flows: Map<string, number>): void {
    this.corridors.forEach((corridor, i) => {
      const flow = corridor.intersectionIds.reduce((sum, id) => sum + (flows.get(id) ?? 0), 0);
      if (this.snapshots[i] && this.snapshots[i].flowVehPerHour >= flow) return;
      const idx = corridor.intersectionIds.map((id) => this.net.intersectionIndex.get(id)!);
      this.snapshots[i] = {
        corridor,
        binStartMs,
        flowVehPerHour: round(flow, 0),
        actual: idx.map((x) => this.actualPlans.plan(x)),
        engine: idx.map((x) => this.engine[x]),
      };
    });
  }
}

export const DEFINITIONS: Record<string, string> = {
  arrivalOnGreen: 'a vehicle reaching the stop line while its movement shows green (green only: yellow counts as not green)',
  splitFailure: "modelled: a phase-cycle in which a lane still holds at least one vehicle when the green ends (vertical queue at saturation flow); measured (controller logs only): ATSPM, the union of the phase's stop-line detectors' on-time occupying at least 0.80 of the green and at least 0.80 of the first 5 s of red, counted in the bin of the cycle's green",
  pcd: 'Purdue Coordination Diagram: arrivals by time of day (5-minute columns) and seconds into the cycle, the cycle starting at the start of red; lines are the mean green start and end',
  delay: 'HCM 2000 control delay (uniform + incremental, no initial queue) of the measured 15-minute flows under the plans in force, time-weighted',
  degreeOfSaturation: 'highest flow/capacity ratio of any movement, time-weighted over the bin',
};

function emptyTotals(): SourceTotals {
  return { delayVehHours: 0, arrivals: 0, arrivalsOnGreen: 0, splitFailures: 0, planChanges: 0, maxDegreeOfSaturation: 0 };
}

function addBin(t: SourceTotals, m: SourceMeasures): void {
  t.delayVehHours += m.delayVehHours;
  t.arrivals += m.arrivals;
  t.arrivalsOnGreen += m.arrivalsOnGreen;
  t.splitFailures += m.splitFailures;
  t.planChanges += m.planChanges;
  if (m.measuredSplitFailures !== undefined) t.measuredSplitFailures = (t.measuredSplitFailures ?? 0) + m.measuredSplitFailures;
  if (m.maxDegreeOfSaturation > t.maxDegreeOfSaturation) t.maxDegreeOfSaturation = m.maxDegreeOfSaturation;
}

function addTotals(t: SourceTotals, s: SourceTotals): void {
  t.delayVehHours += s.delayVehHours;
  t.arrivals += s.arrivals;
  t.arrivalsOnGreen += s.arrivalsOnGreen;
  t.splitFailures += s.splitFailures;
  t.planChanges += s.planChanges;
  if (s.measuredSplitFailures !== undefined) t.measuredSplitFailures = (t.measuredSplitFailures ?? 0) + s.measuredSplitFailures;
  if (s.maxDegreeOfSaturation > t.maxDegreeOfSaturation) t.maxDegreeOfSaturation = s.maxDegreeOfSaturation;
  t.delayVehHours = round(t.delayVehHours, 3);
}

function roundTotals(t: SourceTotals): SourceTotals {
  return { ...t, delayVehHours: round(t.delayVehHours, 3) };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Start of a record's time: a count's interval start, any other record's own time. */
function intervalStartMs(record: DayRecord): number {
  if (record.kind !== 'count') return record.atMs;
  const interval = (record.record as { intervalSeconds?: unknown } | null)?.intervalSeconds;
  return typeof interval === 'number' && interval > 0 && interval <= 3600 ? record.atMs - interval * 1000 : record.atMs;
}

/** Rejected counts by error code, summed over the engine's runs (less a run's counts `since`, where given). */
function rejectedByCode(runs: EngineRuns, since?: { run: EngineRun; counters: EngineCore['counters'] }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs.runs)
    for (const [code, n] of Object.entries(r.core?.counters.rejectedByCode ?? {})) {
      const before = since?.run === r ? (since.counters.rejectedByCode[code] ?? 0) : 0;
      if (n - before > 0) out[code] = (out[code] ?? 0) + n - before;
    }
  return out;
}
