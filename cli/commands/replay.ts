import { join } from 'node:path';
import type { Command } from 'commander';
import { replayDay, ReplayInputError, sumoNetMismatch, type ActualPlanPolicy, type ReplayProgress } from '../../replay/index.js';
import { CliError, loadNetworkFile } from '../load-network-file.js';

interface ReplayCliOptions {
  network: string;
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
    .requiredOption('--network <file>', 'network file (JSON), or demo:arterial / demo:grid')
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
  const network = loadNetworkFile(opts.network);
  const sumoDrain = Number(opts.sumoDrain);
  const sumoSeed = Number(opts.sumoSeed);
  if (opts.sumo) {
    if (!opts.sumoNet) throw new CliError('--sumo needs --sumo-net NET.xml: the SUMO network the --network was imported from (greenwave import-sumo NET.xml -o network.json)');
    if (!(sumoDrain >= 0)) throw new CliError(`--sumo-drain = ${opts.sumoDrain}: must be >= 0 seconds`);
    if (!Number.isInteger(sumoSeed)) throw new CliError(`--sumo-seed = ${opts.sumoSeed}: must be an integer`);
    const mismatch = sumoNetMismatch(network, opts.sumoNet);
    if (mismatch) throw new CliError(mismatch);
  } else if (opts.sumoNet) throw new CliError('--sumo-net is only used with --sumo');
  const period = Number(opts.period);
  if (!Number.isFinite(period) || period < 1 || period > 3600) throw new CliError(`--period = ${opts.period}: must be a number of seconds in 1..3600`);
  if (!['acked', 'recorded', 'fallback'].includes(opts.actual)) throw new CliError(`--actual = ${opts.actual}: must be acked, recorded or fallback`);
  const platoonShare = Number(opts.platoonShare);
  if (!(platoonShare >= 0 && platoonShare <= 1)) throw new CliError(`--platoon-share = ${opts.platoonShare}: must be in [0, 1]`);
  if (opts.plans !== 'full' && opts.plans !== 'compact') throw new CliError(`--plans = ${opts.plans}: must be full or compact`);
  const speed = Number(opts.speed);
  if (!(speed >= 0)) throw new CliError(`--speed = ${opts.speed}: must be >= 0`);

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
      actualPlans: opts.actual as ActualPlanPolicy,
      platoonShare,
      pcdIntersections: opts.pcd?.split(',').map((s) => s.trim()).filter(Boolean),
      speed,
      compactPlans: opts.plans === 'compact',
      sumo: opts.sumo ? { netFile: opts.sumoNet!, drainSeconds: sumoDrain, seed: sumoSeed } : undefined,
      onProblem: problem,
      onWarning: (w) => process.stderr.write(`greenwave replay: warning ${w.code}: ${w.message}\n`),
      onProgress: draw,
      onNote: (text) => process.stderr.write(`greenwave replay: ${text}\n`),
    });
  } catch (err) {
    if (err instanceof ReplayInputError) throw new CliError(err.message);
    throw err;
  }
  const s = result.summary;
  const malformed = s.malformedLines;
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
