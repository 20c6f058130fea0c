import type { Command } from 'commander';
import { SyntheticDemand } from '../../network-models/index.js';
import { CliError, loadNetworkFile } from '../load-network-file.js';

interface SynthOptions {
  network: string;
  date: string;
  from: string;
  to: string;
  interval: string;
  seed: string;
  scale: string;
}

export function registerSynthCountsCommand(program: Command): void {
  program
    .command('synth-counts')
    .description('Write a synthetic day of detector counts (NDJSON) for a network: peaks whose direction flips, seeded')
    .requiredOption('--network <file>', 'network file (JSON), or demo:arterial / demo:grid')
    .option('--date <YYYY-MM-DD>', 'day (UTC)', '2026-11-23')
    .option('--from <HH:MM>', 'first interval start', '06:00')
    .option('--to <HH:MM>', 'last interval end', '10:00')
    .option('--interval <seconds>', 'counting interval', '60')
    .option('--seed <n>', 'random seed', '1')
    .option('--scale <factor>', 'demand multiplier', '1')
    .action((opts: SynthOptions) => {
      const network = loadNetworkFile(opts.network);
      const start = Date.parse(`${opts.date}T${opts.from}:00Z`);
      const end = Date.parse(`${opts.date}T${opts.to}:00Z`);
      const interval = Number(opts.interval);
      if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) throw new CliError(`--from/--to = ${opts.from}/${opts.to}: need HH:MM with from < to`);
      if (!(interval > 0 && interval <= 3600)) throw new CliError(`--interval = ${opts.interval}: must be in (0, 3600] seconds`);
      const demand = new SyntheticDemand(network, { seed: Number(opts.seed), scale: Number(opts.scale) });
      let buffer = '';
      for (const c of demand.day(start, end, interval)) {
        buffer += `${JSON.stringify({ ...c, timestamp: new Date(c.timestamp).toISOString() })}\n`;
        if (buffer.length > 1 << 16) {
          process.stdout.write(buffer);
          buffer = '';
        }
      }
      process.stdout.write(buffer);
    });
}
