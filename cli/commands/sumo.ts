import { Option, type Command } from 'commander';
import pino from 'pino';
import { runSumoClosedLoop, type ClosedLoopSummary } from '../../adapters/sumo/index.js';
import { CONTROL_MODES, type ControlMode } from '../../adapters/sumo/index.js';
import { killAllSumoProcesses } from '../../adapters/sumo/index.js';
import { TraciError } from '../../adapters/sumo/index.js';

interface SumoCliOptions {
  config?: string;
  net?: string;
  routes?: string;
  additional?: string;
  begin?: string;
  end?: string;
  seed: string;
  control: ControlMode;
  tripinfo?: string;
  json?: boolean;
  actuation: 'gap-out' | 'none' | 'sumo-actuated';
  queues: 'lanes' | 'loops';
  sumoBinary?: string;
  verbose?: boolean;
}

export function registerSumoCommand(program: Command): void {
  program
    .command('sumo')
    .description('Run one closed-loop SUMO simulation under a control and print a summary')
    .option('--config <file>', 'SUMO scenario (.sumocfg); its own begin/end and files are used')
    .option('--net <file>', 'SUMO network (.net.xml), with --routes')
    .option('--routes <files>', 'SUMO route files, comma-separated')
    .option('--additional <files>', 'extra SUMO additional files, comma-separated')
    .option('--begin <seconds>', 'simulation begin (overrides the config)')
    .option('--end <seconds>', 'simulation end (overrides the config; default: when all vehicles have arrived)')
    .requiredOption('--seed <n>', 'SUMO random seed')
    .addOption(new Option('--control <mode>', 'who drives the signals').choices([...CONTROL_MODES]).makeOptionMandatory())
    .option('--tripinfo <file>', "keep SUMO's tripinfo output (unfinished vehicles included)")
    .option('--json', 'print the summary as one JSON object on the last line')
    .addOption(new Option('--actuation <mode>', 'engine plans: local actuation inside the plan bounds (gap-out: the adapter ends greens on gaps and extends them while vehicles come)').choices(['gap-out', 'none', 'sumo-actuated']).default('gap-out'))
    .addOption(new Option('--queues <source>', "max-pressure: queues from SUMO's lanes (more than detectors see) or from the induction loops alone").choices(['lanes', 'loops']).default('lanes'))
    .option('--sumo-binary <path>', 'sumo executable (default: $SUMO_BINARY or sumo on the PATH)')
    .option('-v, --verbose', 'log progress to stderr')
    .addHelpText(
      'after',
      '\nMean time loss counts every inserted vehicle (unfinished ones to the end of the run) and includes the\n' +
        "insertion delay. Exit codes: 0 done, 2 bad arguments or SUMO failed (missing, crashed, wrong version).",
    )
    .action(async (opts: SumoCliOptions) => {
      const onSignal = () => {
        killAllSumoProcesses();
        process.exit(130);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await run(opts);
        process.stdout.write(formatSummary(summary));
        if (opts.json) process.stdout.write(`${JSON.stringify(jsonSummary(summary))}\n`);
      } catch (err) {
        const code = err instanceof TraciError ? ` [${err.code}]` : '';
        process.stderr.write(`greenwave sumo${code}: ${(err as Error).message}\n`);
        process.exitCode = 2;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} = ${v}: must be a non-negative number of seconds`);
  return n;
}

async function run(o: SumoCliOptions): Promise<ClosedLoopSummary> {
  if (!o.config && !(o.net && o.routes)) throw new Error('give --config SCENARIO.sumocfg, or --net NET.xml with --routes ROUTES.rou.xml');
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed = ${o.seed}: must be an integer`);
  const list = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : undefined);
  return runSumoClosedLoop({
    scenario: {
      configFile: o.config,
      netFile: o.net,
      routeFiles: list(o.routes),
      additionalFiles: list(o.additional),
      beginSeconds: num(o.begin, '--begin'),
      endSeconds: num(o.end, '--end'),
    },
    seed,
    control: o.control,
    tripinfoFile: o.tripinfo,
    sumoBinary: o.sumoBinary,
    engine: { actuation: o.actuation },
    maxPressure: { queues: o.queues },
    logger: pino({ level: o.verbose ? 'debug' : 'warn' }, pino.destination(2)),
  });
}

export function jsonSummary(s: ClosedLoopSummary) {
  return {
    control: s.control,
    vehicles: s.vehicles,
    arrived: s.arrived,
    meanTimeLoss: s.meanTimeLoss,
    meanWaitingTime: s.meanWaitingTime,
    meanTravelTime: s.meanTravelTime,
    teleports: s.teleports,
    planUpdates: s.planUpdates,
  };
}

function formatSummary(s: ClosedLoopSummary): string {
  return [
    `control            ${s.control}`,
    `signals            ${s.signals}`,
    `simulated          ${s.simulatedSeconds} s (${s.wallSeconds} s wall)`,
    `vehicles inserted  ${s.vehicles}${s.notInserted > 0 ? ` (${s.notInserted} still waiting to enter)` : ''}`,
    `vehicles arrived   ${s.arrived}`,
    `mean time loss     ${s.meanTimeLoss} s`,
    `mean waiting time  ${s.meanWaitingTime} s`,
    `mean travel time   ${s.meanTravelTime} s`,
    `teleports          ${s.teleports}`,
    `plan updates       ${s.planUpdates}${s.plansRejected > 0 ? ` (${s.plansRejected} refused by the safety gate)` : ''}`,
    '',
  ].join('\n');
}
