import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json' | 'auto';

/**
 * The CLI's logger: pretty lines in a terminal, JSON lines otherwise (or as asked). Synchronous, so nothing is
 * lost when the process exits on Ctrl-C.
 */
export function createCliLogger(level: string, format: LogFormat = 'auto', name?: string): Logger {
  const usePretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const base = { level, ...(name ? { name } : {}) };
  if (!usePretty) return pino(base, pino.destination({ dest: 1, sync: true }));
  return pino(base, pretty({ colorize: process.stdout.isTTY === true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,component', singleLine: true, messageFormat: '{if component}[{component}] {end}{msg}' }));
}
