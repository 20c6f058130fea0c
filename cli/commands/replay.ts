import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { atspmNetwork, AtspmConfigError, replayDay, ReplayInputError, sumoNetMismatch, type ActualPlanPolicy, type DetectorConfig, type ReplayProgress } from '../../replay/index.js';
import type { NetworkFile } from '../../network-models/index.js';
import { CliError, EXIT_OK, EXIT_SOME_REJECTED, EXIT_UNUSABLE } from '../cli-errors.js';
import { loadNetworkFile } from '../load-network-file.js';
import { recordedEngineConfig } from '../config-schemas.js';
import { idList, integerIn, numberIn, oneOf, timeZoneName } from '../option-parsers.js';
import { foreignInputReason, scanCounts, zonedTime } from '../replay-input-scan.js';

interface ReplayCliOptions {
  network?: string;
  atspmConfig?: string;
  timeZone?: string;
  input: string;
  from?: string;
  to?: string;
  out: string;
  period?: number;
  actual: ActualPlanPolicy;
  platoonShare: number;
  pcd?: string[];
  speed: number;
  json?: boolean;
  progress?: boolean;
  sumo?: boolean;
  sumoNet?: string;
  sumoDrain: number;
  sumoSeed: number;
  plans: 'full' | 'compact';
}

/** Counts read to tell whether an input belongs to the network. */
const FOREIGN_SCAN_COUNTS = 20_000;

/** Problems shown in full before only their number is reported. */
const MAX_REPORTED_PROBLEMS = 20;

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Replay a recorded day (day file, counts NDJSON or ATSPM hi-res CSV) through the engine in virtual time; write its plans, 15-minute measures and an HTML report')
    .option('--network <file>', 'network file (JSON), or demo:arterial / demo:grid (optional with --atspm-config)')
    .option('--atspm-config <file>', "ATSPM detector configuration CSV (DeviceId,Phase,Parameter,Function or UDOT's detector export) for an event log: the ATSPM tables' detectors; without --network, a network skeleton is built from it (its defaults stated in summary.json)")
    .option('--time-zone <zone>', "IANA time zone of the event log's local times (default: the network's, else UTC)", timeZoneName)
    .requiredOption('--input <file>', 'recorded day: .ndjson[.gz] day file or counts, or .csv ATSPM high-resolution event log')
    .requiredOption('--out <dir>', 'output directory: plans.ndjson, bins.ndjson, summary.json, report.html')
    .option('--from <time>', "start: HH:MM in the network's time zone (timeZone of the network file, else UTC) on the recorded day, or ISO-8601 (2026-11-23T06:00Z, 2026-11-23T06:00-07:00); counts whose interval starts at or after it")
    .option('--to <time>', 'end: as --from')
    .option('--period <seconds>', "optimisation period, 1..3600 seconds (default: what a day file recorded at the engine's start, else 60)", numberIn(1, 3600))
    .option('--actual <policy>', 'plans actually in force from a day file: acked, recorded or fallback', oneOf(['acked', 'recorded', 'fallback'] as const), 'acked')
    .option('--platoon-share <fraction>', 'share of 1-minute counts arriving as a platoon from the upstream signal, 0..1', numberIn(0, 1), 0.7)
    .option('--pcd <ids>', 'comma-separated intersections of the network for Purdue Coordination Diagrams (default: the first corridor)', idList)
    .option('--speed <factor>', 'pace the replay at this multiple of real time (0: as fast as possible)', numberIn(0, 1e6), 0)
    .option('--plans <form>', "plans.ndjson: full (with the optimiser's diagnostics) or compact (timings only, about a third of the size)", oneOf(['full', 'compact'] as const), 'full')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--progress', 'progress bar on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'no progress bar')
    .option('--sumo', 'also play the recorded demand through SUMO, under the actual plans and under the engine in closed loop (needs --sumo-net)')
    .option('--sumo-net <file>', 'SUMO network (.net.xml) the --network was imported from with greenwave import-sumo')
    .option('--sumo-drain <seconds>', 'with --sumo: simulated time after the replayed span for vehicles to leave, 0..86400 s', numberIn(0, 86_400), 300)
    .option('--sumo-seed <n>', 'with --sumo: seed of the route random walk and of SUMO', integerIn(0, 2 ** 31 - 1), 1)
    .addHelpText('after', '\nreplay: 1 when some records were rejected or malformed (outputs still written), 2 when no record was usable.')
    .action(async (opts: ReplayCliOptions) => {
      process.exitCode = await runReplay(opts);
    });
}

async function runReplay(opts: ReplayCliOptions): Promise<number> {
  refuseNonDirectory(opts.out);
  const { network, detectorConfig, detectorConfigSource } = await replayNetwork(opts);
  const sumoDrain = opts.sumoDrain;
  const sumoSeed = opts.sumoSeed;
  if (opts.pcd) {
    const known = new Set(network.intersections.map((x) => x.id));
    const unknown = opts.pcd.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new CliError(`--pcd = ${opts.pcd.join(',')}: no intersection ${unknown.join(', ')} in ${network.name} (it has ${[...known].slice(0, 12).join(', ')}${known.size > 12 ? ', ...' : ''})`);
  }
  if (opts.sumo) {
    if (!opts.sumoNet) throw new CliError('--sumo needs --sumo-net NET.xml: the SUMO network the --network was imported from (greenwave import-sumo NET.xml -o network.json)');
    const mismatch = sumoNetMismatch(network, opts.sumoNet);
    if (mismatch) throw new CliError(mismatch);
  } else if (opts.sumoNet) throw new CliError('--sumo-net is only used with --sumo');
  const { period, platoonShare, speed } = opts;
  const timeZone = network.timeZone ?? 'UTC';
  const csv = /\.csv(\.gz)?$/i.test(opts.input);
  if (!csv) {
    // the first counts say whose detectors these are: a day of another network is refused before anything is written
    const scan = await scanCounts(opts.input, network, FOREIGN_SCAN_COUNTS).catch(() => undefined);
    const foreign = scan && foreignInputReason(scan, network);
    if (foreign) throw new CliError(`--input ${opts.input}: ${foreign}`);
  }

  const started = performance.now();
  const showProgress = opts.progress ?? process.stderr.isTTY === true;
  let lastDraw = 0;
  const draw = ({ bytesRead, totalBytes, records }: ReplayProgress, final: boolean) => {
    if (!showProgress) return;
    const now = performance.now();
    if (!final && now - lastDraw < 200) return;
    lastDraw = now;
    const f = totalBytes > 0 ? Math.min(1, bytesRead / totalBytes) : 1;
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

  let result;
  try {
    result = await replayDay({
      network,
      inputPath: opts.input,
      outDir: opts.out,
      from: opts.from,
      to: opts.to,
      periodSeconds: period,
      // a day file's engine starts, as `greenwave plan` reads them: their configuration checked as `start --config`'s
      recordedEngineConfig: (value, where) => {
        try {
          return recordedEngineConfig(value, where);
        } catch (err) {
          throw new ReplayInputError((err as Error).message);
        }
      },
      actualPlans: opts.actual,
      platoonShare,
      pcdIntersections: opts.pcd,
      speed,
      compactPlans: opts.plans === 'compact',
      sumo: opts.sumo ? { netFile: opts.sumoNet!, drainSeconds: sumoDrain, seed: sumoSeed } : undefined,
      onProblem: problem,
      onWarning: (w) => process.stderr.write(`greenwave replay: warning ${w.code}: ${w.message}\n`),
      onProgress: draw,
      onNote: (text) => process.stderr.write(`greenwave replay: ${text}\n`),
      detectorConfig,
      detectorConfigSource,
    });
  } catch (err) {
    if (err instanceof ReplayInputError) throw new CliError(err.message);
    throw err;
  }
  const s = result.summary;
  const malformed = s.malformedLines;
  if (opts.json) process.stdout.write(`${JSON.stringify(s)}\n`);
  const window = Number.isFinite(s.fromMs) && Number.isFinite(s.toMs) ? `${zonedTime(s.fromMs, timeZone)} to ${zonedTime(s.toMs, timeZone)}` : `${opts.from ?? '(start)'} to ${opts.to ?? '(end)'} ${timeZone}`;
  if (s.countsAccepted === 0 && (opts.from !== undefined || opts.to !== undefined) && !csv) {
    const span = await scanCounts(opts.input, network).catch(() => undefined);
    const covers = span?.firstAtMs !== undefined ? `the input covers ${zonedTime(span.firstAtMs, timeZone)} to ${zonedTime(span.lastAtMs!, timeZone)} (${span.counts} counts)` : 'the input has no count records';
    throw new CliError(`no count in the window --from ${opts.from ?? '(start)'} --to ${opts.to ?? '(end)'} (${window}): ${covers}. Nothing was replayed; pick a window inside it.`);
  }
  process.stderr.write(
    `greenwave replay: ${s.records} records, ${s.countsAccepted} counts accepted, ${s.countsRejected} rejected, ${malformed} malformed; ${s.optimisations} optimisations, ${s.enginePlans} engine plans; ` +
      `predicted delay ${s.totals.actual.delayVehHours.toFixed(1)} → ${s.totals.engine.delayVehHours.toFixed(1)} veh·h (${s.inputQuality?.flags.length ? `not a saving: ${s.inputQuality.flags.join('; ')}` : `${s.totals.delaySavedPercent} % saved`}); ` +
      (s.sumo ? `SUMO mean time loss ${s.sumo.actual.meanTimeLoss} → ${s.sumo.engine.meanTimeLoss} s/veh (ratio ${s.sumo.timeLossRatio}, ${s.sumo.vehicles} vehicles); ` : '') +
      `window ${window}; ${s.elapsedSeconds} s; report: ${join(opts.out, 'report.html')}\n`,
  );
  if (s.countsAccepted === 0) return EXIT_UNUSABLE;
  return s.countsRejected + malformed > 0 ? EXIT_SOME_REJECTED : EXIT_OK;
}

/** --out names a directory to create or reuse: an existing file there is refused in words, not as EEXIST. */
function refuseNonDirectory(out: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(out).isDirectory();
  } catch {
    return;
  }
  if (!isDirectory) throw new CliError(`--out ${out}: exists and is not a directory: give a directory for plans.ndjson, bins.ndjson, summary.json and report.html`);
}

/**
 * The network to replay on, and for an event log with --atspm-config its detector configuration: the network
 * file; or, without --network, a skeleton built from the configuration and the phases seen in the log.
 */
async function replayNetwork(opts: ReplayCliOptions): Promise<{ network: NetworkFile; detectorConfig?: DetectorConfig; detectorConfigSource?: string }> {
  const network = opts.network !== undefined ? loadNetworkFile(opts.network) : undefined;
  if (network && opts.timeZone) network.timeZone = opts.timeZone;
  if (!opts.atspmConfig) {
    if (!network) throw new CliError('--network FILE is required (or --atspm-config DETECTORS.csv with an event log)');
    return { network };
  }
  if (!/\.csv(\.gz)?$/i.test(opts.input)) throw new CliError('--atspm-config goes with an ATSPM event log (--input LOG.csv)');
  let reported = 0;
  try {
    return await atspmNetwork({
      configPath: opts.atspmConfig,
      inputPath: opts.input,
      network,
      timeZone: opts.timeZone,
      onProblem: (p) => {
        if (++reported <= MAX_REPORTED_PROBLEMS) process.stderr.write(`${opts.atspmConfig}:${p.lineNo}: ${p.message}\n`);
      },
    });
  } catch (err) {
    if (err instanceof AtspmConfigError) throw new CliError(err.message);
    throw err;
  }
}
