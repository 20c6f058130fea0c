import type { Command } from 'commander';
import { oneOf, webSocketUrl } from './option-parsers.js';
import { CliError } from './cli-errors.js';
import { createCliLogger, type LogFormat } from './cli-logger.js';

export interface DeviceFlags {
  url: string;
  token?: string;
  network: string;
  logLevel: string;
  logFormat: LogFormat;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['pretty', 'json', 'auto'] as const;

/** Options every device command shares. */
export function deviceOptions(command: Command): Command {
  return command
    .option('--url <ws-url>', 'server base URL', webSocketUrl, 'ws://127.0.0.1:8080')
    .option('--token <token>', 'device token (default: environment variable GREENWAVE_TOKEN)')
    .option('--network <file>', 'network file, or demo:grid / demo:arterial (the server must run the same network)', 'demo:grid')
    .option('--log-level <level>', 'trace, debug, info, warn or error', oneOf(LOG_LEVELS), 'info')
    .option('--log-format <format>', 'pretty, json or auto (pretty in a terminal)', oneOf(LOG_FORMATS), 'auto');
}


/**
 * Runs devices until SIGINT/SIGTERM, then stops them and exits 0; a device that cannot go on (the server refused
 * its token for good) calls `fail`, which stops them all and ends the command with exit 2 and the reason.
 */
export async function runDevices(
  start: (log: ReturnType<typeof createCliLogger>, fail: (reason: string) => void) => Promise<() => Promise<void>>,
  flags: DeviceFlags,
): Promise<void> {
  const log = createCliLogger(flags.logLevel, flags.logFormat);
  let failure: string | undefined;
  let onFailure: (() => void) | undefined;
  const fail = (reason: string) => {
    failure ??= reason;
    onFailure?.();
  };
  // an error here (bad network, missing token) ends the command through cli/program.ts, exit 2
  const stop = await start(log, fail);
  // The devices' timers are unref'd: this keeps the process alive until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((resolve) => {
    onFailure = () => void stop().finally(() => {
      clearInterval(keepAlive);
      resolve();
    });
    if (failure) onFailure();
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
  if (failure) throw new CliError(failure);
}
