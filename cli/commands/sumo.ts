import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import pino from 'pino';
import { XMLParser } from 'fast-xml-parser';
import { integerIn, numberIn } from '../option-parsers.js';
import { runSumoClosedLoop, CONTROL_MODES, killAllSumoProcesses, SUMO_BINDING_CHOICES, TraciError, type ClosedLoopSummary, type ControlMode, type SumoBindingChoice } from '../../adapters/sumo/index.js';

interface SumoCliOptions {
  config?: string;
  net?: string;
  routes?: string;
  additional?: string;
  begin?: number;
  end?: number;
  seed: number;
  control: ControlMode;
  tripinfo?: string;
  json?: boolean;
  actuation: 'gap-out' | 'none';
  queues: 'lanes' | 'loops';
  sumoBinary?: string;
  sumoBinding: SumoBindingChoice;
  sumoOption: string[];
  verbose?: boolean;
}

/** Options the run sets itself (or that have their own flag): passing them through would break the summary. */
const RESERVED_SUMO_OPTIONS: Record<string, string> = {
  'remote-port': 'set by the run',
  'configuration-file': 'use --config',
  c: 'use --config',
  'net-file': 'use --net',
  n: 'use --net',
  'route-files': 'use --routes',
  r: 'use --routes',
  'additional-files': 'use --additional',
  a: 'use --additional',
  begin: 'use --begin',
  b: 'use --begin',
  end: 'use --end',
  e: 'use --end',
  seed: 'use --seed',
  'tripinfo-output': 'use --tripinfo',
  'tripinfo-output.write-unfinished': 'set by the run',
  'tripinfo-output.write-undeparted': 'set by the run',
  'statistic-output': 'set by the run',
};

/** `key=value` to SUMO arguments (`--key value`), with a clear error for anything malformed or reserved. */
export function sumoOptionArgs(options: readonly string[]): string[] {
  const args: string[] = [];
  for (const o of options) {
    const m = /^([A-Za-z0-9][A-Za-z0-9.-]*)=(.*)$/s.exec(o);
    if (!m) throw new Error(`--sumo-option = ${o}: must be key=value with a SUMO option name as key (e.g. time-to-teleport=-1)`);
    const [, key, value] = m;
    const reserved = RESERVED_SUMO_OPTIONS[key];
    if (reserved) throw new Error(`--sumo-option = ${o}: '${key}' cannot be passed through (${reserved})`);
    if (value.length === 0) throw new Error(`--sumo-option = ${o}: no value after '='`);
    args.push(`--${key}`, value);
  }
  return args;
}

export function registerSumoCommand(program: Command): void {
  program
    .command('sumo')
    .description('Run one closed-loop SUMO simulation under a control and print a summary')
    .option('--config <file>', 'SUMO scenario (.sumocfg); its own begin/end and files are used')
    .option('--net <file>', 'SUMO network (.net.xml), with --routes')
    .option('--routes <files>', 'SUMO route files, comma-separated')
    .option('--additional <files>', 'extra SUMO additional files, comma-separated')
    .option('--begin <seconds>', 'simulation begin (overrides the config)', numberIn(0, 1e9))
    .option('--end <seconds>', 'simulation end (overrides the config; default: when all vehicles have arrived)', numberIn(0, 1e9))
    .requiredOption('--seed <n>', 'SUMO random seed, a whole number', integerIn(0, 2 ** 31 - 1))
    .addOption(new Option('--control <mode>', 'who drives the signals').choices([...CONTROL_MODES]).makeOptionMandatory())
    .option('--tripinfo <file>', "keep SUMO's tripinfo output (unfinished vehicles included)")
    .option('--json', 'print the summary as one JSON object on the last line')
    .addOption(new Option('--actuation <mode>', 'engine: local actuation (gap-out: engine/actuation ends greens on gaps and extends them while vehicles come, within the phases\' bounds; none: the engine\'s plans run fixed-time)').choices(['gap-out', 'none']).default('gap-out'))
    .addOption(new Option('--queues <source>', "max-pressure: queues from SUMO's lanes (more than detectors see) or from the induction loops alone").choices(['lanes', 'loops']).default('lanes'))
    .option('--sumo-binary <path>', 'sumo executable (default: $SUMO_BINARY or sumo on the PATH); implies TraCI unless --sumo-binding libsumo')
    .addOption(
      new Option('--sumo-binding <binding>', "libsumo: SUMO in this process (needs the addon: npm run build:libsumo); traci: a SUMO process over a socket; auto: libsumo where the addon loads, else TraCI")
        .choices([...SUMO_BINDING_CHOICES])
        .default('auto'),
    )
    .option('--sumo-option <key=value>', 'pass an option to SUMO, e.g. time-to-teleport=-1 (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-v, --verbose', 'log progress to stderr')
    .addHelpText(
      'after',
      '\nMean time loss counts every vehicle due to depart: inserted ones (unfinished ones to the end of the run)\n' +
        'with their insertion delay, and those never inserted with their wait to the end. The summary names the\n' +
        'vehicles never inserted, the insertion backlog at the end, vehicles jammed (still in the network, standing\n' +
        '300 s or more) and teleports (jam: of vehicles stuck in a jam).\n' +
        'sumo: 2 also when SUMO failed (missing, crashed, wrong version).',
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

export interface SumoCliSummary extends ClosedLoopSummary {
  teleportsJam: number;
}

async function run(o: SumoCliOptions): Promise<SumoCliSummary> {
  if (!o.config && !(o.net && o.routes)) throw new Error('give --config SCENARIO.sumocfg, or --net NET.xml with --routes ROUTES.rou.xml');
  const seed = o.seed;
  const passed = sumoOptionArgs(o.sumoOption);
  const list = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : undefined);
  const work = mkdtempSync(join(tmpdir(), 'greenwave-sumo-cli-'));
  try {
    const statistics = join(work, 'statistics.xml');
    const summary = await runSumoClosedLoop({
      scenario: {
        configFile: o.config,
        netFile: o.net,
        routeFiles: list(o.routes),
        additionalFiles: list(o.additional),
        beginSeconds: o.begin,
        endSeconds: o.end,
      },
      seed,
      control: o.control,
      tripinfoFile: o.tripinfo,
      sumoBinary: o.sumoBinary,
      binding: o.sumoBinding,
      engine: { actuation: o.actuation },
      maxPressure: { queues: o.queues },
      sumoArgs: ['--tripinfo-output.write-undeparted', 'true', '--statistic-output', statistics, ...passed],
      logger: pino({ level: o.verbose ? 'debug' : 'warn' }, pino.destination(2)),
    });
    return { ...summary, teleportsJam: jamTeleports(statistics) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Teleports of vehicles stuck in a jam, from SUMO's statistic output (0 when SUMO wrote none). */
function jamTeleports(statisticsFile: string): number {
  try {
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(statisticsFile, 'utf8')) as { statistics?: { teleports?: { jam?: string } } };
    return Number(doc.statistics?.teleports?.jam ?? 0) || 0;
  } catch {
    return 0;
  }
}

export function jsonSummary(s: SumoCliSummary) {
  return {
    control: s.control,
    vehicles: s.vehicles,
    arrived: s.arrived,
    meanTimeLoss: s.meanTimeLoss,
    p95TimeLoss: s.p95TimeLoss,
    meanWaitingTime: s.meanWaitingTime,
    meanTravelTime: s.meanTravelTime,
    neverInserted: s.neverInserted,
    neverInsertedWaitSeconds: s.neverInsertedWaitSeconds,
    insertionBacklogAtEnd: s.notInserted,
    jammed: s.jammed,
    teleports: s.teleports,
    teleportsJam: s.teleportsJam,
    planUpdates: s.planUpdates,
  };
}

function formatSummary(s: SumoCliSummary): string {
  return [
    `control            ${s.control}`,
    `signals            ${s.signals}`,
    `simulated          ${s.simulatedSeconds} s (${s.wallSeconds} s wall, SUMO through ${s.binding})`,
    `vehicles inserted  ${s.vehicles}`,
    `never inserted     ${s.neverInserted}${s.neverInserted > 0 ? ` (waited ${Math.round(s.neverInsertedWaitSeconds)} s in all)` : ''}`,
    `insertion backlog  ${s.notInserted} at the end`,
    `vehicles arrived   ${s.arrived}`,
    `mean time loss     ${s.meanTimeLoss} s (95th percentile ${s.p95TimeLoss} s)`,
    `mean waiting time  ${s.meanWaitingTime} s`,
    `mean travel time   ${s.meanTravelTime} s`,
    `jammed             ${s.jammed}${s.jammed > 0 ? ' (still in the network, standing 300 s or more)' : ''}`,
    `teleports          ${s.teleports}${s.teleports > 0 ? ` (${s.teleportsJam} from jams)` : ''}`,
    `plan updates       ${s.planUpdates}${s.plansRejected > 0 ? ` (${s.plansRejected} refused by the safety gate)` : ''}`,
    '',
  ].join('\n');
}
