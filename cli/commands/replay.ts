import { createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readLineBatches, type LineWarning } from '../../replay/day-file-reader.js';
import type { DayRecord } from '../../replay/day-record.js';
import { isDayLineProblem, readDayRecordBatches } from '../../replay/day-record-batches.js';
import { AtspmImport, AtspmMappingError, type AtspmImportStats } from '../../replay/atspm-import.js';
import { AtspmTables, writeAtspmTables } from '../../replay/atspm/atspm-tables.js';
import { detectorConfigOfNetwork, type DetectorConfig } from '../../replay/atspm/detector-config.js';
import { parseDetectorConfigCsv } from '../../replay/atspm/detector-config-csv.js';
import { phasesInLog } from '../../replay/atspm/phases-in-log.js';
import { SKELETON_DEFAULTS, skeletonNetwork } from '../../replay/atspm/skeleton-network.js';
import type { NetworkFile } from '../../network-models/network-types.js';
import { inputQuality, type InputCounts } from '../../replay/atspm/input-quality.js';
import type { AtspmOutputSummary } from '../../replay/replay-summary.js';
import { localTimeOn } from '../../replay/local-day.js';
import { renderReport } from '../../replay/report-html.js';
import { ReplayRun, type ActualPlanPolicy } from '../../replay/replay-run.js';
import { SumoDemand } from '../../replay/sumo-demand.js';
import { replayInSumo, sumoNetMismatch } from '../../replay/replay-sumo.js';
import type { ScheduledPlan } from '../../adapters/sumo/control/engine-control.js';
import { CliError, loadNetworkFile } from '../load-network-file.js';

interface ReplayCliOptions {
  network?: string;
  atspmConfig?: string;
  timeZone?: string;
  input: string;
  from?: string;
  to?: string;
  out: string;
  period: string;
  actual: string;
  platoonShare: string;
  pcd?: string;
  speed: string;
  json?: boolean;
  progress?: boolean;
  sumo?: boolean;
  sumoNet?: string;
  sumoDrain: string;
  sumoSeed: string;
  plans: string;
}

/** Problems shown in full before only their number is reported. */
const MAX_REPORTED_PROBLEMS = 20;

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Replay a recorded day (day file, counts NDJSON or ATSPM hi-res CSV) through the engine in virtual time; write its plans, 15-minute measures and an HTML report')
    .option('--network <file>', 'network file (JSON), or demo:arterial / demo:grid (optional with --atspm-config)')
    .option('--atspm-config <file>', 'ATSPM detector configuration CSV (DeviceId,Phase,Parameter,Function or UDOT detector export): with an event log, replaces the network file\'s detector mapping; without --network, a network skeleton is built from it (defaults stated in summary.json)')
    .option('--time-zone <zone>', 'IANA time zone of the event log\'s local times (default: the network\'s, else UTC)')
    .requiredOption('--input <file>', 'recorded day: .ndjson[.gz] day file or counts, or .csv ATSPM high-resolution event log')
    .requiredOption('--out <dir>', 'output directory: plans.ndjson, bins.ndjson, summary.json, report.html')
    .option('--from <time>', 'start: ISO-8601, or HH:MM local time on the recorded day')
    .option('--to <time>', 'end: ISO-8601, or HH:MM local time on the recorded day')
    .option('--period <seconds>', 'optimisation period, seconds', '60')
    .option('--actual <policy>', 'plans actually in force from a day file: acked | recorded | fallback', 'acked')
    .option('--platoon-share <fraction>', 'share of 1-minute counts arriving as a platoon from the upstream signal', '0.7')
    .option('--pcd <ids>', 'comma-separated intersections for Purdue Coordination Diagrams (default: the first corridor)')
    .option('--speed <factor>', 'pace the replay at this multiple of real time (0: as fast as possible)', '0')
    .option('--plans <form>', 'plans.ndjson: full (with the optimiser\'s diagnostics) or compact (timings only, about a third of the size)', 'full')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--progress', 'progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress bar')
    .option('--sumo', 'also play the recorded demand through SUMO, under the actual plans and under the engine in closed loop (needs --sumo-net)')
    .option('--sumo-net <file>', 'SUMO network (.net.xml) the --network was imported from with greenwave import-sumo')
    .option('--sumo-drain <seconds>', 'with --sumo: simulated time after the replayed span for vehicles to leave', '300')
    .option('--sumo-seed <n>', 'with --sumo: seed of the route random walk and of SUMO', '1')
    .addHelpText('after', '\nExit codes: 0 all input used, 1 some records rejected or malformed (outputs still written), 2 unusable input.')
    .action(async (opts: ReplayCliOptions) => {
      try {
        process.exitCode = await runReplay(opts);
      } catch (err) {
        if (err instanceof CliError) {
          process.stderr.write(`greenwave replay: ${err.message}\n`);
          process.exitCode = err.exitCode;
        } else throw err;
      }
    });
}

async function runReplay(opts: ReplayCliOptions): Promise<number> {
  const { network, detectorConfig, detectorConfigSource } = await replayNetwork(opts);
  const sumoDrain = Number(opts.sumoDrain);
  const sumoSeed = Number(opts.sumoSeed);
  let demand: SumoDemand | undefined;
  /** With --sumo: the plans actually in force, from their times, to play into SUMO. */
  const actualSchedule: ScheduledPlan[] = [];
  if (opts.sumo) {
    if (!opts.sumoNet) throw new CliError('--sumo needs --sumo-net NET.xml: the SUMO network the --network was imported from (greenwave import-sumo NET.xml -o network.json)');
    if (!(sumoDrain >= 0)) throw new CliError(`--sumo-drain = ${opts.sumoDrain}: must be >= 0 seconds`);
    if (!Number.isInteger(sumoSeed)) throw new CliError(`--sumo-seed = ${opts.sumoSeed}: must be an integer`);
    const mismatch = sumoNetMismatch(network, opts.sumoNet);
    if (mismatch) throw new CliError(mismatch);
    demand = new SumoDemand(network);
  } else if (opts.sumoNet) throw new CliError('--sumo-net is only used with --sumo');
  const period = Number(opts.period);
  if (!Number.isFinite(period) || period < 1 || period > 3600) throw new CliError(`--period = ${opts.period}: must be a number of seconds in 1..3600`);
  if (!['acked', 'recorded', 'fallback'].includes(opts.actual)) throw new CliError(`--actual = ${opts.actual}: must be acked, recorded or fallback`);
  const platoonShare = Number(opts.platoonShare);
  if (!(platoonShare >= 0 && platoonShare <= 1)) throw new CliError(`--platoon-share = ${opts.platoonShare}: must be in [0, 1]`);
  if (opts.plans !== 'full' && opts.plans !== 'compact') throw new CliError(`--plans = ${opts.plans}: must be full or compact`);
  const compactPlans = opts.plans === 'compact';
  const speed = Number(opts.speed);
  if (!(speed >= 0)) throw new CliError(`--speed = ${opts.speed}: must be >= 0`);
  let size: number;
  try {
    size = statSync(opts.input).size;
  } catch (err) {
    throw new CliError(`cannot read input ${opts.input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  mkdirSync(opts.out, { recursive: true });
  const timeZone = network.timeZone ?? 'UTC';
  const started = performance.now();
  const progress = opts.progress ?? process.stderr.isTTY === true;
  let bytesRead = 0;
  let lastDraw = 0;
  const draw = (final = false) => {
    if (!progress) return;
    const now = performance.now();
    if (!final && now - lastDraw < 200) return;
    lastDraw = now;
    const f = size > 0 ? Math.min(1, bytesRead / size) : 1;
    const width = 30;
    const done = Math.round(f * width);
    process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)} % ${records.toLocaleString('en')} records ${((now - started) / 1000).toFixed(1)} s${final ? '\n' : ''}`);
  };

  let problems = 0;
  const problem = (text: string) => {
    problems++;
    if (problems <= MAX_REPORTED_PROBLEMS) process.stderr.write(`${text}\n`);
    else if (problems === MAX_REPORTED_PROBLEMS + 1) process.stderr.write('greenwave replay: more problems; only their number is reported from now on\n');
  };
  const warn = (w: LineWarning) => process.stderr.write(`greenwave replay: warning ${w.code}: ${w.message}\n`);

  const plansOut = createWriteStream(join(opts.out, 'plans.ndjson'));
  const binsOut = createWriteStream(join(opts.out, 'bins.ndjson'));
  let run: ReplayRun | undefined;
  let records = 0;
  const wallStart = performance.now();
  let firstAt: number | undefined;

  const csv = /\.csv(\.gz)?$/i.test(opts.input);
  const boundOf = (firstAtMs: number, text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const t = /^\d{1,2}:\d{2}$/.test(text) ? localTimeOn(firstAtMs, text.padStart(5, '0'), timeZone) : Date.parse(text);
    if (!Number.isFinite(t)) throw new CliError(`--${name} = ${text}: need ISO-8601 or HH:MM`);
    return t;
  };
  const begin = (first: DayRecord) => {
    const bound = (text: string | undefined, name: string) => boundOf(first.atMs, text, name);
    return new ReplayRun({
      network,
      inputName: opts.input,
      engineConfig: { optimisationPeriodSeconds: period },
      fromMs: bound(opts.from, 'from'),
      toMs: bound(opts.to, 'to'),
      actualPlans: opts.actual as ActualPlanPolicy,
      platoonShare,
      measuredArrivals: csv,
      pcdIntersections: opts.pcd?.split(',').map((s) => s.trim()).filter(Boolean),
      onPlan: compactPlans
        ? (plan) => {
            const { diagnostics: _, ...timings } = plan;
            write(plansOut, `${JSON.stringify(timings)}\n`);
          }
        : (plan) => write(plansOut, `${JSON.stringify(plan)}\n`),
      onBin: (row) => write(binsOut, `${JSON.stringify(row)}\n`),
      onActualPlan: demand ? (plan, atMs) => actualSchedule.push({ atMs, plan }) : undefined,
    });
  };
  /** Past --to (with a minute's grace for slightly unordered records) the rest of the file is not read. */
  let stopAfterMs = Infinity;
  let stop = false;
  const push = (record: DayRecord) => {
    if (!run) {
      run = begin(record);
      if (opts.to !== undefined) stopAfterMs = run.toMs + 60_000;
    }
    if (record.atMs > stopAfterMs) stop = true;
    records++;
    run.push(record);
    if (demand && record.kind === 'count') {
      const c = record.record as { detectorId?: unknown; count?: unknown; intervalSeconds?: unknown };
      if (typeof c?.detectorId === 'string' && typeof c.count === 'number' && typeof c.intervalSeconds === 'number' && record.atMs >= run.fromMs && record.atMs <= run.toMs)
        demand.count(c.detectorId, record.atMs, c.intervalSeconds, c.count);
    }
    if ((records & 4095) === 0) draw();
  };
  /** With --speed, waits until the wall clock catches up with the replay (between batches). */
  const pace = async (atMs: number | undefined) => {
    if (!(speed > 0) || atMs === undefined) return;
    firstAt ??= atMs;
    const ahead = wallStart + (atMs - firstAt) / speed - performance.now();
    if (ahead > 5) await new Promise((r) => setTimeout(r, ahead));
  };

  const reading = { onWarning: warn, onBytes: (b: number) => (bytesRead = b) };
  // Paced replays go record by record; fast ones a chunk at a time.
  const paced = speed > 0;
  let malformed = 0;
  let importStats: AtspmImportStats | undefined;
  let atspmOutput: AtspmOutputSummary | undefined;
  try {
    if (csv) {
      // The ATSPM tables see every event of the log within --from/--to (the bounds read on the first event).
      const tables = new AtspmTables(detectorConfig ?? detectorConfigOfNetwork(network));
      let span: { from: number; to: number } | undefined;
      const importer = new AtspmImport(network, {
        onProblem: (p) => {
          malformed++;
          problem(`${opts.input}:${p.lineNo}: ${p.code}: ${p.message}`);
        },
        onEvent: (e) => {
          span ??= { from: boundOf(e.atMs, opts.from, 'from') ?? -Infinity, to: boundOf(e.atMs, opts.to, 'to') ?? Infinity };
          if (e.atMs >= span.from && e.atMs <= span.to) tables.event(e);
        },
      });
      const pending: DayRecord[] = [];
      for await (const batch of readLineBatches(opts.input, reading)) {
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
      const dir = join(opts.out, 'atspm');
      writeAtspmTables(dir, measured.tables);
      atspmOutput = {
        directory: dir,
        timeZone: s.timeZone,
        tables: measured.tables.map((t) => ({ file: t.file, rows: t.rows.length })),
        arrivalsBeforePhaseState: measured.arrivalsBeforePhaseState,
        detectorConfig: detectorConfigSource,
      };
      process.stderr.write(`greenwave replay: ATSPM import: ${s.rows} rows, ${s.used} used, ${Object.entries(s.ignoredByCode).map(([c, n]) => `code ${c} ×${n}`).join(', ') || 'no'} unknown or unused codes ignored, ${s.unknownChannels} events of unmapped channels, ${s.malformed} malformed\n`);
    } else {
      // Read and parsed on a worker thread, while this one runs the engine on the previous batches.
      for await (const batch of readDayRecordBatches(opts.input, reading)) {
        if (stop) break;
        for (const line of batch) {
          if (isDayLineProblem(line)) {
            malformed++;
            problem(`${opts.input}:${line.lineNo}: ${line.message}`);
            continue;
          }
          if (paced) await pace(line.atMs);
          push(line);
        }
      }
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof AtspmMappingError) throw new CliError(`${opts.network ?? opts.atspmConfig}: ${err.message}`);
    throw new CliError(`cannot read input ${opts.input}: ${(err as Error).message}`);
  }
  bytesRead = size;
  draw(true);
  if (!run) throw new CliError(`${opts.input}: no usable records`);
  const result = run.finish();
  await Promise.all([end(plansOut), end(binsOut)]);
  result.summary.malformedLines = malformed;
  if (demand) {
    const sum = result.summary;
    const byKind = sum.recordsByKind;
    try {
      sum.sumo = await replayInSumo({
        network,
        netFile: opts.sumoNet!,
        demand,
        fromMs: sum.fromMs,
        toMs: sum.toMs,
        outDir: opts.out,
        engineConfig: { optimisationPeriodSeconds: period },
        seed: sumoSeed,
        drainSeconds: sumoDrain,
        actualPlanSource: sum.actualPlanSource,
        actualIsFallback: opts.actual === 'fallback' || !(byKind['plan'] || byKind['ack'] || byKind['phase']),
        // Recorded plans are played; observed signal states (a controller event log) are not plans.
        actualSchedule: !byKind['phase'] && actualSchedule.some((p) => p.plan.source !== 'fallback') ? actualSchedule.sort((a, b) => a.atMs - b.atMs) : undefined,
        onRunStart: (which) => process.stderr.write(`greenwave replay: SUMO run under ${which === 'actual' ? 'the actual plans' : 'the engine in closed loop'}\n`),
      });
    } catch (err) {
      throw new CliError(`--sumo: ${(err as Error).message}`);
    }
  }
  const counts: InputCounts = importStats
    ? { rows: importStats.rows, rejectedByReason: importStats.malformedByCode, ignoredByCode: importStats.ignoredByCode, unmappedChannels: importStats.unmappedChannels, unknownDevices: importStats.unknownDevices, repeatedDetectorOns: importStats.repeatedDetectorOns }
    : { rows: result.summary.records + malformed, rejectedByReason: { ...result.summary.rejectedByCode, ...(malformed > 0 ? { malformed } : {}) } };
  const { network: networkName, input, ...rest } = result.summary;
  const usable = importStats ? importStats.used : result.summary.countsAccepted + (result.summary.recordsByKind['phase'] ?? 0);
  result.summary = { network: networkName, input, inputQuality: inputQuality(counts, usable, result.summary.sumo), ...(atspmOutput ? { atspm: atspmOutput } : {}), ...rest };
  result.summary.elapsedSeconds = Math.round((performance.now() - started) / 10) / 100;
  writeFileSync(join(opts.out, 'report.html'), renderReport(result));
  result.summary.elapsedSeconds = Math.round((performance.now() - started) / 10) / 100;
  writeFileSync(join(opts.out, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  const s = result.summary;
  if (opts.json) process.stdout.write(`${JSON.stringify(s)}\n`);
  process.stderr.write(
    `greenwave replay: ${s.records} records, ${s.countsAccepted} counts accepted, ${s.countsRejected} rejected, ${malformed} malformed; ${s.optimisations} optimisations, ${s.enginePlans} engine plans; ` +
      `predicted delay ${s.totals.actual.delayVehHours.toFixed(1)} → ${s.totals.engine.delayVehHours.toFixed(1)} veh·h (${s.totals.delaySavedPercent} % saved); ` +
      (s.sumo ? `SUMO mean time loss ${s.sumo.actual.meanTimeLoss} → ${s.sumo.engine.meanTimeLoss} s/veh (ratio ${s.sumo.timeLossRatio}, ${s.sumo.vehicles} vehicles); ` : '') +
      `${s.elapsedSeconds} s; report: ${join(opts.out, 'report.html')}\n`,
  );
  if (s.countsAccepted === 0) return 2;
  return s.countsRejected + malformed > 0 ? 1 : 0;
}

/**
 * The network to replay on and the ATSPM detector configuration: the network file; or, with --atspm-config
 * and no --network, a skeleton built from the configuration and the phases seen in the log.
 */
async function replayNetwork(opts: ReplayCliOptions): Promise<{ network: NetworkFile; detectorConfig?: DetectorConfig; detectorConfigSource: string }> {
  if (opts.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: opts.timeZone });
    } catch {
      throw new CliError(`--time-zone = ${opts.timeZone}: not an IANA time zone (e.g. America/Denver)`);
    }
  }
  if (!opts.atspmConfig) {
    if (!opts.network) throw new CliError('--network FILE is required (or --atspm-config DETECTORS.csv with an event log)');
    const network = loadNetworkFile(opts.network);
    if (opts.timeZone) network.timeZone = opts.timeZone;
    return { network, detectorConfigSource: `network file ${opts.network}: detectors with a channel (advance: Advance; stop-line: Presence, Yellow_Red)` };
  }
  if (!/\.csv(\.gz)?$/i.test(opts.input)) throw new CliError('--atspm-config goes with an ATSPM event log (--input LOG.csv)');
  let text: string;
  try {
    text = readFileSync(opts.atspmConfig, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --atspm-config ${opts.atspmConfig}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let configProblems = 0;
  let detectorConfig: DetectorConfig;
  try {
    detectorConfig = parseDetectorConfigCsv(text, (p) => {
      configProblems++;
      if (configProblems <= MAX_REPORTED_PROBLEMS) process.stderr.write(`${opts.atspmConfig}:${p.lineNo}: ${p.message}\n`);
    });
  } catch (err) {
    throw new CliError(`${opts.atspmConfig}: ${(err as Error).message}`);
  }
  if (detectorConfig.detectors.length === 0) throw new CliError(`${opts.atspmConfig}: no usable detector rows`);
  const source = `--atspm-config ${opts.atspmConfig}: ${detectorConfig.detectors.length} detector entries${configProblems > 0 ? `, ${configProblems} rows skipped` : ''}`;
  if (opts.network) {
    const network = loadNetworkFile(opts.network);
    if (opts.timeZone) network.timeZone = opts.timeZone;
    return { network, detectorConfig, detectorConfigSource: source };
  }
  let seen: Map<string, Set<number>>;
  try {
    seen = await phasesInLog(opts.input);
  } catch (err) {
    throw new CliError(`cannot read input ${opts.input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const network = skeletonNetwork(detectorConfig, seen, opts.timeZone ?? 'UTC');
    return { network, detectorConfig, detectorConfigSource: `${source}; network skeleton with stated defaults (${Object.entries(SKELETON_DEFAULTS).map(([k, v]) => `${k} ${v}`).join(', ')})` };
  } catch (err) {
    throw new CliError(`${opts.atspmConfig}: ${(err as Error).message}`);
  }
}

/** Output is gathered into ~1 MiB writes: one write per plan would cost more than the plan. */
const buffers = new WeakMap<WriteStream, { parts: string[]; size: number }>();

function write(stream: WriteStream, text: string): void {
  let b = buffers.get(stream);
  if (!b) buffers.set(stream, (b = { parts: [], size: 0 }));
  b.parts.push(text);
  b.size += text.length;
  if (b.size >= 1 << 20) {
    stream.write(b.parts.join(''));
    b.parts = [];
    b.size = 0;
  }
}

function end(stream: WriteStream): Promise<void> {
  const b = buffers.get(stream);
  if (b && b.size > 0) stream.write(b.parts.join(''));
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}
