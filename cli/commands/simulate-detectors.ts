import type { Command } from 'commander';
import { createDetectorSimulator } from '../../adapters/devices/index.js';
import { deviceOptions, runDevices, type DeviceFlags } from '../device-runner.js';
import { loadNetworkFile } from '../load-network-file.js';
import { parseNumber, readToken, timeOfDayToday } from '../live-settings.js';

interface DetectorFlags extends DeviceFlags {
  interval: string;
  speedup: string;
  simStart?: string;
  seed: string;
  scale: string;
  detectors?: string;
}

export function registerSimulateDetectorsCommand(program: Command): void {
  deviceOptions(program.command('simulate-detectors'))
    .description('Connect simulated detectors to a server: synthetic counts through the day, morning and evening peaks in opposite directions')
    .option('--interval <seconds>', 'counting interval, real seconds', '10')
    .option('--speedup <factor>', 'simulated time of day runs this much faster than real time (timestamps stay real)', '1')
    .option('--sim-start <HH:MM>', 'simulated time of day at start (default: now)')
    .option('--seed <n>', 'random seed', '1')
    .option('--scale <factor>', 'demand multiplier', '1')
    .option('--detectors <ids>', 'comma-separated detector ids to simulate (default: all of the network)')
    .action(async (flags: DetectorFlags) => {
      await runDevices(async (log) => {
        const network = loadNetworkFile(flags.network);
        const sim = createDetectorSimulator({
          url: flags.url,
          token: readToken(flags.token),
          network,
          intervalSeconds: parseNumber('--interval', flags.interval, 1, 3600),
          speedup: parseNumber('--speedup', flags.speedup, 0.01, 3600),
          ...(flags.simStart ? { simulatedStartMs: timeOfDayToday('--sim-start', flags.simStart) } : {}),
          seed: parseNumber('--seed', flags.seed, 0, 2 ** 32),
          scale: parseNumber('--scale', flags.scale, 0, 10),
          ...(flags.detectors ? { detectorIds: flags.detectors.split(',').map((s) => s.trim()) } : {}),
          logger: log,
        });
        sim.start();
        const report = setInterval(() => {
          const s = sim.stats();
          log.info(`sim ${new Date(s.simulatedMs).toISOString().slice(11, 16)} | sent ${s.countsSent}, accepted ${s.countsAccepted}, rejected ${s.countsRejected}, lost ${s.countsLost} | ${s.connected ? 'connected' : 'disconnected'}`);
        }, 10_000);
        report.unref();
        return () => {
          clearInterval(report);
          return sim.stop();
        };
      }, flags);
    });
}

