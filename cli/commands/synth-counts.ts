import type { Command } from 'commander';
import { SyntheticDemand } from '../../network-models/index.js';
import { CliError } from '../cli-errors.js';
import { loadNetworkFile } from '../load-network-file.js';
import { calendarDate, integerIn, numberIn, timeOfDay } from '../option-parsers.js';
import { stdoutOpen } from '../stdout.js';

interface SynthOptions {
  network: string;
  date: string;
  from: string;
  to: string;
  interval: number;
  seed: number;
  scale: number;
}

export function registerSynthCountsCommand(program: Command): void {
  program
    .command('synth-counts')
    .description('Write a synthetic day of detector counts (NDJSON) for a network: peaks whose direction flips, seeded')
    .requiredOption('--network <file>', 'network file (JSON), or demo:arterial / demo:grid')
    .option('--date <YYYY-MM-DD>', 'day, UTC', calendarDate, '2026-11-23')
    .option('--from <HH:MM>', 'first interval start, UTC', timeOfDay(), '06:00')
    .option('--to <HH:MM>', 'last interval end, UTC (24:00 for the end of the day)', timeOfDay({ endOfDay: true }), '10:00')
    .option('--interval <seconds>', 'counting interval, 1..3600 seconds', numberIn(1, 3600), 60)
    .option('--seed <n>', 'random seed, a whole number 0..4294967295', integerIn(0, 2 ** 32 - 1), 1)
    .option('--scale <factor>', 'demand multiplier, more than 0 up to 10', numberIn(0, 10, { minExclusive: true }), 1)
    .action((opts: SynthOptions) => {
      const network = loadNetworkFile(opts.network);
      const start = Date.parse(`${opts.date}T${opts.from}:00Z`);
      const end = Date.parse(`${opts.date}T00:00:00Z`) + minutesOfDay(opts.to) * 60_000;
      if (end <= start) throw new CliError(`--from/--to = ${opts.from}/${opts.to}: --from must be before --to`);
      const demand = new SyntheticDemand(network, { seed: opts.seed, scale: opts.scale });
      let buffer = '';
      for (const c of demand.day(start, end, opts.interval)) {
        buffer += `${JSON.stringify({ ...c, timestamp: new Date(c.timestamp).toISOString() })}\n`;
        if (buffer.length > 1 << 16) {
          if (!stdoutOpen()) return;
          process.stdout.write(buffer);
          buffer = '';
        }
      }
      if (stdoutOpen()) process.stdout.write(buffer);
    });
}

function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
