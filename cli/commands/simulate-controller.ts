import type { Command } from 'commander';
import { createControllerSimulator, type ControllerSimulator } from '../../adapters/devices/index.js';
import { deviceOptions, runDevices, type DeviceFlags } from '../device-runner.js';
import { CliError, loadNetworkFile } from '../load-network-file.js';
import { readToken } from '../live-settings.js';
import { numberIn } from '../option-parsers.js';
import { tokenSubject } from '../../adapters/websocket/index.js';

interface ControllerFlags extends DeviceFlags {
  intersections: string;
  oneConnection?: boolean;
  backupSeconds: number;
}

export function registerSimulateControllerCommand(program: Command): void {
  deviceOptions(program.command('simulate-controller'))
    .description('Connect simulated signal controllers to a server: run received plans, acknowledge them, fall back to time-of-day plans when the engine is gone')
    .option('--intersections <ids>', 'comma-separated intersection ids, or "all"', 'all')
    .option('--one-connection', 'one socket for all the intersections (default: one controller, one socket, per intersection)')
    .option('--backup-seconds <s>', 'engine unreachable this long: run the local time-of-day plan, 1..86400 s', numberIn(1, 86_400), 120)
    .action(async (flags: ControllerFlags) => {
      await runDevices(async (log, fail) => {
        const network = loadNetworkFile(flags.network);
        const token = readToken(flags.token);
        const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
        const ids = flags.intersections === 'all' ? signals : flags.intersections.split(',').map((s) => s.trim());
        for (const id of ids) if (!signals.includes(id)) throw new CliError(`--intersections: no signalized intersection ${id} in ${network.name}`);
        const groups = flags.oneConnection ? [ids] : ids.map((id) => [id]);
        const backupSeconds = flags.backupSeconds;
        const sims: ControllerSimulator[] = groups.map((group) =>
          createControllerSimulator({ url: flags.url, token, network, intersectionIds: group, ...(flags.oneConnection ? {} : { controllerId: `${tokenSubject(token) ?? 'controller'}/${group[0]}` }), backupSeconds, logger: log.child({ controller: group.join('+') }) }),
        );
        for (const s of sims) {
          s.on((e) => {
            if (e.type === 'plan-accepted') log.info(`${e.plan.intersectionId}: running plan v${e.plan.version}, cycle ${e.plan.cycleSeconds} s, offset ${e.plan.offsetSeconds} s`);
            if (e.type === 'refused' && e.permanent) fail(`refused by the server: HTTP ${e.status}${e.code ? ` ${e.code}` : ''}: ${e.reason}`);
          });
          s.start();
        }
        return () => Promise.all(sims.map((s) => s.stop())).then(() => undefined);
      }, flags);
    });
}

