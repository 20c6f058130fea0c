import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineConfigInput, ScheduledPlan } from '../engine/index.js';
import type { NetworkFile } from '../network-models/index.js';
import { earlierDayFiles, isDayLineProblem, localIsoTime, localTimeOn, readDayRecordBatches, readLineBatches, readLines, toDayRecord, type DayRecord, type LineWarning } from '../adapters/files/index.js';
import { AtspmImport, AtspmMappingError, ENGINE_EVENT_CODES, type AtspmImportStats } from './atspm-import.js';
import { eventCodeUse, type EventCodeUse } from './atspm/event-code-use.js';
import { AtspmTables, AtspmTableStreams, writeAtspmTables } from './atspm/atspm-tables.js';
import { detectorConfigOfNetwork, type DetectorConfig } from './atspm/detector-config.js';
import { inputQuality, type InputCounts } from './atspm/input-quality.js';
import { formatLocal } from './atspm/table.js';
import type { PhasePcds } from './atspm/phase-pcd.js';
import type { AtspmOutputSummary } from './replay-summary.js';
import { BufferedOutput } from './buffered-output.js';
import { renderReport } from './report-html.js';
import { ReplayRun, type ActualPlanPolicy, type ReplayResult } from './replay-run.js';
import { replayInSumo } from './replay-sumo.js';
import { SumoDemand } from './sumo-demand.js';
import { engineRunMark } from './engine-runs.js';

/**
 * Inputs from this size on (about 250,000 records) have their arrival measures on a thread of their own
 * (`ReplayOptions.measureThread`): below it, starting the thread costs more than it saves.
 */
const MEASURE_THREAD_MIN_GZIP_BYTES = 1 << 20;
const MEASURE_THREAD_MIN_BYTES = 24 << 20;

/** A replay that cannot go on (unreadable input, bad bounds, no usable record): the message says why. */
export class ReplayInputError extends Error {}

export interface ReplayProgress {
  bytesRead: number;
  totalBytes: number;
  records: number;
}

export interface ReplayDayOptions {
  network: NetworkFile;
  /** Day file (.ndjson[.gz]: day records or bare counts) or ATSPM high-resolution event log (.csv[.gz]). */
  inputPath: string;
  /** Written: plans.ndjson, bins.ndjson, summary.json, report.html (and SUMO's files with `sumo`). */
  outDir: string;
  /** Start and end of the replayed span: ISO-8601, or HH:MM local time on the recorded day. */
  from?: string;
  to?: string;
  /** Optimisation period; default: what the day file recorded at the engine's start, else 60 s. */
  periodSeconds?: number;
  /**
   * Checks the engine configuration a day file recorded at an engine start and returns it, or throws (a
   * `ReplayInputError`) saying what is wrong; without it, a recorded configuration is not used.
   */
  recordedEngineConfig?: (value: unknown, where: string) => EngineConfigInput;
  actualPlans: ActualPlanPolicy;
  platoonShare: number;
  /** Intersections drawn as Purdue Coordination Diagrams (default: the first corridor). */
  pcdIntersections?: string[];
  /** Pace at this multiple of real time; 0: as fast as possible. */
  speed: number;
  /** plans.ndjson without the optimiser's diagnostics. */
  compactPlans: boolean;
  /** Also play the recorded demand through SUMO under the actual plans and under the engine in closed loop. */
  sumo?: { netFile: string; drainSeconds: number; seed: number };
  /** A record rejected or a line malformed, as `input:line: message`. */
  onProblem?: (text: string) => void;
  onWarning?: (warning: LineWarning) => void;
  /** Every 4096 records, and once at the end with `final`. */
  onProgress?: (progress: ReplayProgress, final: boolean) => void;
  /** A step worth telling (ATSPM import figures, each SUMO run starting). */
  onNote?: (text: string) => void;
  /**
   * Event logs: the detector configuration of the ATSPM tables (DIR/atspm/), and where it came from; default:
   * the one the network implies (`detectorConfigOfNetwork`).
   */
  detectorConfig?: DetectorConfig;
  detectorConfigSource?: string;
}

/**
 * The what-if replay of a recorded day: reads it (on a worker thread, or through the ATSPM importer), runs the
 * engine over it in virtual time against the plans actually in force, writes the plans, 15-minute bins, summary
 * and HTML report, and with `sumo` plays the demand through SUMO both ways.
 */
export async function replayDay(o: ReplayDayOptions): Promise<ReplayResult> {
  const { network } = o;
  const demand = o.sumo ? new SumoDemand(network) : undefined;
  /** With SUMO: the plans actually in force, from their times, to play into SUMO. */
  const actualSchedule: ScheduledPlan[] = [];
  let size: number;
  try {
    size = statSync(o.inputPath).size;
  } catch (err) {
    throw new ReplayInputError(`cannot read input ${o.inputPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  mkdirSync(o.outDir, { recursive: true });
  const timeZone = network.timeZone ?? 'UTC';
  const started = performance.now();
  let bytesRead = 0;
  let records = 0;
  const progress = (final: boolean) => o.onProgress?.({ bytesRead, totalBytes: size, records }, final);
  const problem = (text: string) => o.onProblem?.(text);

  const plansOut = new BufferedOutput(join(o.outDir, 'plans.ndjson'));
  const binsOut = new BufferedOutput(join(o.outDir, 'bins.ndjson'));
  let run: ReplayRun | undefined;
  const wallStart = performance.now();
  let firstAt: number | undefined;

  const csv = /\.csv(\.gz)?$/i.test(o.inputPath);
  const boundOf = (firstAtMs: number, text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const t = isLocalClockTime(text) ? localTimeOn(firstAtMs, text.padStart(5, '0'), timeZone) : Date.parse(text);
    if (!Number.isFinite(t)) throw new ReplayInputError(`--${name} = ${text}: need ISO-8601 or HH:MM`);
    return t;
  };
  /** The replay, its span's bounds read on the first record's day (`firstAtMs`: used only by HH:MM bounds). */
  const begin = (firstAtMs: number) => {
    const bound = (text: string | undefined, name: string) => boundOf(firstAtMs, text, name);
    return new ReplayRun({
      network,
      inputName: o.inputPath,
      periodSeconds: o.periodSeconds,
      recordedEngineConfig: o.recordedEngineConfig,
      onNote: o.onNote,
      fromMs: bound(o.from, 'from'),
      toMs: bound(o.to, 'to'),
      actualPlans: o.actualPlans,
      platoonShare: o.platoonShare,
      measuredArrivals: csv,
      pcdIntersections: o.pcdIntersections,
      measureThread: size >= (/\.gz$/i.test(o.inputPath) ? MEASURE_THREAD_MIN_GZIP_BYTES : MEASURE_THREAD_MIN_BYTES),
      onPlan: o.compactPlans
        ? (plan) => {
            const { diagnostics: _, ...timings } = plan;
            plansOut.writeLine(JSON.stringify(timings));
          }
        : (plan) => plansOut.writeLine(JSON.stringify(plan)),
      onBin: (row) => binsOut.writeLine(JSON.stringify(row)),
      onActualPlan: demand ? (plan, atMs) => actualSchedule.push({ atMs, plan }) : undefined,
    });
  };
  /** Past `to` (with a minute's grace for slightly unordered records) the rest of the file is not read. */
  let stopAfterMs = Infinity;
  let stop = false;
  const startRun = (firstAtMs: number): ReplayRun => {
    const replay = begin(firstAtMs);
    if (o.to !== undefined) stopAfterMs = replay.toMs + 60_000;
    return replay;
  };
  const push = (record: DayRecord) => {
    run ??= startRun(record.atMs);
    if (record.atMs > stopAfterMs) stop = true;
    records++;
    run.push(record);
    if (demand && record.kind === 'count') {
      const c = record.record as { detectorId?: unknown; count?: unknown; intervalSeconds?: unknown };
      if (typeof c?.detectorId === 'string' && typeof c.count === 'number' && typeof c.intervalSeconds === 'number' && run.inWindow(record))
        demand.count(c.detectorId, record.atMs, c.intervalSeconds, c.count);
    }
    if ((records & 4095) === 0) progress(false);
  };
  /** With a speed, waits until the wall clock catches up with the replay (between batches). */
  const pace = async (atMs: number | undefined) => {
    if (!(o.speed > 0) || atMs === undefined) return;
    firstAt ??= atMs;
    const ahead = wallStart + (atMs - firstAt) / o.speed - performance.now();
    if (ahead > 5) await new Promise((r) => setTimeout(r, ahead));
  };

  const reading = { onWarning: o.onWarning, onBytes: (b: number) => (bytesRead = b) };
  // Paced replays go record by record; fast ones a chunk at a time.
  const paced = o.speed > 0;
  let malformed = 0;
  let importStats: AtspmImportStats | undefined;
  let codeUse: EventCodeUse | undefined;
  let atspmOutput: AtspmOutputSummary | undefined;
  let phasePcds: PhasePcds | undefined;
  /** ATSPM tables written as the log goes: closed on the way out, whatever happens. */
  let openStreams: AtspmTableStreams | undefined;
  try {
    if (csv) {
      // The ATSPM tables see every event of the log within from/to (the bounds read on the first event).
      const dir = join(o.outDir, 'atspm');
      const streams = (openStreams = new AtspmTableStreams(dir));
      const tables = new AtspmTables(o.detectorConfig ?? detectorConfigOfNetwork(network), timeZone, undefined, streams);
      let span: { from: number; to: number } | undefined;
      let firstLocalMs = NaN;
      let lastLocalMs = NaN;
      const importer = new AtspmImport(network, {
        onProblem: (p) => {
          malformed++;
          problem(`${o.inputPath}:${p.lineNo}: ${p.code}: ${p.message}`);
        },
        onEvent: (e) => {
          span ??= { from: boundOf(e.atMs, o.from, 'from') ?? -Infinity, to: boundOf(e.atMs, o.to, 'to') ?? Infinity };
          if (e.atMs < span.from || e.atMs > span.to) return;
          tables.event(e);
          if (Number.isNaN(firstLocalMs)) firstLocalMs = e.localMs;
          lastLocalMs = e.localMs;
        },
      });
      const pending: DayRecord[] = [];
      for await (const batch of readLineBatches(o.inputPath, reading)) {
        if (stop) break;
        for (let i = 0; i < batch.lines.length; i++) {
          importer.line(batch.firstLineNo + i, batch.lines[i], (r) => pending.push(r));
          for (const r of pending) {
            if (paced) await pace(r.atMs);
            push(r);
          }
          pending.length = 0;
        }
      }
      importer.end((r) => pending.push(r));
      for (const r of pending) push(r);
      const s = importer.stats();
      importStats = s;
      const measured = tables.finish();
      phasePcds = measured.phasePcds;
      writeAtspmTables(dir, measured.tables);
      await streams.end();
      openStreams = undefined;
      atspmOutput = {
        directory: dir,
        timeZone: s.timeZone,
        firstEvent: Number.isNaN(firstLocalMs) ? '' : formatLocal(firstLocalMs),
        lastEvent: Number.isNaN(lastLocalMs) ? '' : formatLocal(lastLocalMs),
        tables: measured.tables.map((t) => ({ file: t.file, rows: t.streamed?.rowCount ?? t.rows.length })),
        arrivalsBeforePhaseState: measured.arrivalsBeforePhaseState,
        detectorConfig: o.detectorConfigSource ?? 'the network file: detectors with a channel (advance: Advance; stop-line: Presence, Yellow_Red)',
      };
      codeUse = eventCodeUse(s.eventsByCode, ENGINE_EVENT_CODES, tables.eventCodes());
      const codes = (m: Record<string, unknown>) => Object.keys(m).join(', ') || 'none';
      o.onNote?.(
        `ATSPM import: ${s.rows} rows, ${s.used} used by the engine; event codes read by the engine: ${codes(codeUse.engine)}; only by the ATSPM tables: ${codes(codeUse.atspmTablesOnly)}; by nothing: ${Object.entries(codeUse.unread).map(([c, n]) => `${c} ×${n}`).join(', ') || 'none'}; ${s.unknownChannels} events of unmapped channels, ${s.malformed} malformed`,
      );
    } else {
      // A day that continues an engine run from the day before: its earlier days first, to the engine only.
      const earlier = await earlierDaysOfRun(o.inputPath, timeZone);
      if (earlier.note) o.onNote?.(earlier.note);
      // Read and parsed on a worker thread, while this one runs the engine on the previous batches. Each record
      // is done with before the next is read (nothing below keeps a count record): they may be reused.
      // While the reader thread starts and reads its first batch, this one sets the replay up (its engine,
      // measured network and measure thread: some 0.1-0.2 s on a 100-signal network), unless the span's
      // bounds are clock times on the first record's day.
      const setUp = () => {
        if (!isLocalClockTime(o.from) && !isLocalClockTime(o.to)) run = startRun(NaN);
      };
      let earlierRead = earlier.files.length === 0;
      for await (const batch of meanwhile(readDayRecordBatches(o.inputPath, { ...reading, reuseRecords: true }), setUp)) {
        if (stop) break;
        for (const line of batch) {
          if (isDayLineProblem(line)) {
            malformed++;
            problem(`${o.inputPath}:${line.lineNo}: ${line.message}`);
            continue;
          }
          if (paced) await pace(line.atMs);
          if (!earlierRead) {
            earlierRead = true;
            run ??= startRun(line.atMs);
            await replayEarlierDays(run, earlier.files, earlier.runStartMs);
          }
          push(line);
        }
      }
    }
  } catch (err) {
    run?.close();
    await openStreams?.end().catch(() => undefined);
    if (err instanceof ReplayInputError) throw err;
    if (err instanceof AtspmMappingError) throw new ReplayInputError(err.message);
    throw new ReplayInputError(`cannot read input ${o.inputPath}: ${(err as Error).message}`);
  }
  bytesRead = size;
  progress(true);
  // (a replay set up before reading has no record either when the input had none)
  if (!run || records === 0) {
    run?.close();
    throw new ReplayInputError(`${o.inputPath}: no usable records`);
  }
  // The measure thread (if any) draws the diagrams while this one writes out the rest; the report takes them.
  const replay = run;
  const result = replay.finish(true);
  try {
    await Promise.all([plansOut.end(), binsOut.end()]);
    result.summary.malformedLines = malformed;
    if (demand && o.sumo) {
      const sum = result.summary;
      const byKind = sum.recordsByKind;
      try {
        sum.sumo = await replayInSumo({
          network,
          netFile: o.sumo.netFile,
          demand,
          fromMs: sum.fromMs,
          toMs: sum.toMs,
          outDir: o.outDir,
          // the replay's engine, as it ran over the span (recorded starts and configurations, as `plan` reads them)
          engineRuns: result.engineRuns,
          defaultPeriodSeconds: o.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
          formatTime: (ms) => localIsoTime(ms, timeZone),
          seed: o.sumo.seed,
          drainSeconds: o.sumo.drainSeconds,
          actualPlanSource: sum.actualPlanSource,
          actualIsFallback: o.actualPlans === 'fallback' || !(byKind['plan'] || byKind['ack'] || byKind['phase']),
          // Recorded plans are played; observed signal states (a controller event log) are not plans.
          actualSchedule: !byKind['phase'] && actualSchedule.some((p) => p.plan.source !== 'fallback') ? actualSchedule.sort((a, b) => a.atMs - b.atMs) : undefined,
          onRunStart: (which) => o.onNote?.(`SUMO run under ${which === 'actual' ? 'the actual plans' : 'the engine in closed loop'}`),
        });
      } catch (err) {
        throw new ReplayInputError(`--sumo: ${(err as Error).message}`);
      }
    }
    const counts: InputCounts = importStats
      ? {
          rows: importStats.rows,
          rejectedByReason: importStats.malformedByCode,
          eventCodes: codeUse,
          unmappedChannels: importStats.unmappedChannels,
          unknownDevices: importStats.unknownDevices,
          unmappedPhases: importStats.unmappedPhases,
          repeatedDetectorOns: importStats.repeatedDetectorOns,
        }
      : { rows: result.summary.records + malformed, rejectedByReason: { ...result.summary.rejectedByCode, ...(malformed > 0 ? { malformed } : {}) } };
    const usable = importStats ? importStats.used : result.summary.countsAccepted + (result.summary.recordsByKind['phase'] ?? 0);
    // What the input was worth goes first in summary.json.
    const { network: networkName, input, ...rest } = result.summary;
    result.summary = { network: networkName, input, inputQuality: inputQuality(counts, usable, result.summary.sumo), ...(atspmOutput ? { atspm: atspmOutput } : {}), ...rest };
    result.summary.elapsedSeconds = Math.round((performance.now() - started) / 10) / 100;
    writeFileSync(join(o.outDir, 'report.html'), renderReport(result, phasePcds, () => replay.drawnPcds()));
    result.summary.elapsedSeconds = Math.round((performance.now() - started) / 10) / 100;
  } finally {
    replay.close();
  }
  writeFileSync(join(o.outDir, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  return result;
}

const DEFAULT_PERIOD_SECONDS = 60;

/** A --from/--to given as HH:MM, a clock time on the first record's day. */
function isLocalClockTime(text: string | undefined): boolean {
  return text !== undefined && /^\d{1,2}:\d{2}$/.test(text);
}

/**
 * The steps of `iterator`, with `work` done while its first step is under way (the iterator's own work starts
 * when its first step is asked for); stopping early, or `work` failing, stops the iterator.
 */
async function* meanwhile<T>(iterator: AsyncGenerator<T>, work: () => void): AsyncGenerator<T> {
  const first = iterator.next();
  try {
    work();
    for (let step = await first; !step.done; step = await iterator.next()) yield step.value;
  } finally {
    // (when `work` failed, the first step's own failure, if any, is not the one to tell)
    await first.catch(() => undefined);
    await iterator.return(undefined);
  }
}

/**
 * For a day file that starts by continuing an engine run from an earlier day (the live server ran over midnight):
 * the earlier days' files of that run (see `earlierDayFiles`), to read first; none otherwise.
 */
async function earlierDaysOfRun(path: string, timeZone: string): Promise<{ files: string[]; runStartMs: number; note: string | undefined }> {
  const none = { files: [], runStartMs: NaN, note: undefined };
  let head: DayRecord | undefined;
  for await (const [, text] of readLines(path)) {
    if (text.trim() === '') continue;
    try {
      head = toDayRecord(JSON.parse(text));
    } catch {
      head = undefined;
    }
    break;
  }
  const mark = head?.kind === 'fault' ? engineRunMark(head.atMs, head.event) : undefined;
  if (mark?.kind !== 'engine-start' || mark.continuesRunFromMs === undefined) return none;
  const found = earlierDayFiles(path, mark.continuesRunFromMs, timeZone, 'to bring the engine to its state at midnight; their plans are not replayed');
  return { ...found, runStartMs: mark.continuesRunFromMs };
}

/** Feeds the earlier days of the run to the replay's engine, from the run's start (the first file holds it after that day's earlier runs). */
async function replayEarlierDays(run: ReplayRun, files: string[], runStartMs: number): Promise<void> {
  let started = false;
  for (const file of files) {
    for await (const batch of readDayRecordBatches(file)) {
      for (const line of batch) {
        if (isDayLineProblem(line)) continue;
        if (!started) {
          const mark = line.kind === 'fault' ? engineRunMark(line.atMs, line.event) : undefined;
          if (mark?.kind !== 'engine-start' || mark.atMs !== runStartMs || mark.continuesRunFromMs !== undefined) continue;
          started = true;
        }
        run.pushEarlierDay(line);
      }
    }
  }
}
