import type { Command } from 'commander';
import { createCliLogger, type LogFormat } from './cli-logger.js';
import { CliError } from './load-network-file.js';

export interface DeviceFlags {
  url: string;
  token?: string;
  network: string;
  logLevel: string;
  logFormat: LogFormat;
}

/** Options every device command shares. */
export function deviceOptions(command: Command): Command {
  return command
    .option('--url <ws-url>', 'server base URL', 'ws://127.0.0.1:8080')
    .option('--token <token>', 'device token (default: environment variable GREENWAVE_TOKEN)')
    .option('--network <file>', 'network file, or demo:grid / demo:arterial (the server must run the same network)', 'demo:grid')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option('--log-format <format>', 'pretty, json or auto', 'auto');
}


/** Runs devices until SIGINT/SIGTERM, then stops them and exits 0. */
export async function runDevices(start: (log: ReturnType<typeof createCliLogger>) => Promise<() => Promise<void>>, flags: DeviceFlags): Promise<void> {
  const log = createCliLogger(flags.logLevel, flags.logFormat);
  let stop: () => Promise<void>;
  try {
    stop = await start(log);
  } catch (err) {
    if (!(err instanceof CliError) && !(err instanceof Error && err.message.startsWith('controller simulator'))) throw err;
    process.stderr.write(`greenwave: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  // The devices' timers are unref'd: this keeps the process alive until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stop().finally(() => {
        clearInterval(keepAlive);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
