import type { Command } from 'commander';
import { createDetectorSimulator, formatRefusal } from '../../adapters/devices/index.js';
import { deviceOptions, runDevices, type DeviceFlags } from '../device-runner.js';
import { loadNetworkFile } from '../load-network-file.js';
import { readToken, timeOfDayToday } from '../live-settings.js';
import { CliError } from '../cli-errors.js';
import { idList, integerIn, numberIn, timeOfDay } from '../option-parsers.js';

interface DetectorFlags extends DeviceFlags {
  interval: number;
  speedup: number;
  simStart?: string;
  seed: number;
  scale: number;
  detectors?: string[];
}

export function registerSimulateDetectorsCommand(program: Command): void {
  deviceOptions(program.command('simulate-detectors'))
    .description('Connect simulated detectors to a server: synthetic counts through the day, morning and evening peaks in opposite directions')
    .option('--interval <seconds>', 'counting interval, real seconds, 1..3600', numberIn(1, 3600), 10)
    .option('--speedup <factor>', 'simulated time of day runs this much faster than real time (timestamps stay real), 0.01..3600', numberIn(0.01, 3600), 1)
    .option('--sim-start <HH:MM>', 'simulated time of day at start, UTC (default: now)', timeOfDay())
    .option('--seed <n>', 'random seed, a whole number 0..4294967295', integerIn(0, 2 ** 32 - 1), 1)
    .option('--scale <factor>', 'demand multiplier, more than 0 up to 10', numberIn(0, 10, { minExclusive: true }), 1)
    .option('--detectors <ids>', 'comma-separated detector ids to simulate (default: all of the network)', idList)
    .action(async (flags: DetectorFlags) => {
      await runDevices(async (log, fail) => {
        const network = loadNetworkFile(flags.network);
        const known = new Set(network.detectors.map((d) => d.id));
        const unknown = (flags.detectors ?? []).filter((id) => !known.has(id));
        if (unknown.length > 0) throw new CliError(`--detectors: no detector ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''} in ${network.name}`);
        const sim = createDetectorSimulator({
          url: flags.url,
          token: readToken(flags.token),
          network,
          intervalSeconds: flags.interval,
          speedup: flags.speedup,
          ...(flags.simStart ? { simulatedStartMs: timeOfDayToday('--sim-start', flags.simStart) } : {}),
          seed: flags.seed,
          scale: flags.scale,
          ...(flags.detectors ? { detectorIds: flags.detectors } : {}),
          logger: log,
          onRefused: (r) => fail(formatRefusal(r)),
        });
        sim.start();
        const report = setInterval(() => {
          const s = sim.stats();
          const link = s.connected ? 'connected' : `disconnected${s.problem ? ` (${s.problem})` : ''}`;
          log.info(`sim ${new Date(s.simulatedMs).toISOString().slice(11, 16)} UTC | sent ${s.countsSent}, accepted ${s.countsAccepted}, rejected ${s.countsRejected}, waiting ${s.countsBacklog}, dropped ${s.countsLost} | ${link}`);
        }, 10_000);
        report.unref();
        return () => {
          clearInterval(report);
          return sim.stop();
        };
      }, flags);
    });
}

