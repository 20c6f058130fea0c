import { InvalidArgumentError } from 'commander';

/**
 * Parsers for commander's `argParser`: each checks one option's value at the edge and says what is allowed.
 * Commander names the option and the value; cli/program.ts prints it as `--name = value: <reason>`.
 */

export function numberIn(min: number, max: number, opts: { minExclusive?: boolean } = {}): (value: string) => number {
  const range = opts.minExclusive ? `more than ${min} and at most ${max}` : `in ${min}..${max}`;
  return (value) => {
    const n = value.trim() === '' ? NaN : Number(value);
    if (!Number.isFinite(n) || n > max || n < min || (opts.minExclusive && n === min)) throw new InvalidArgumentError(`must be a number ${range}`);
    return n;
  };
}

export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number in ${min}..${max}`);
    return n;
  };
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
export function calendarDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3]))
    throw new InvalidArgumentError('must be a calendar date YYYY-MM-DD');
  return value;
}

/** A time of day HH:MM, 00:00..23:59 (24:00 too when `endOfDay`). */
export function timeOfDay(opts: { endOfDay?: boolean } = {}): (value: string) => string {
  return (value) => {
    const m = /^(\d{2}):(\d{2})$/.exec(value);
    const ok = m && ((Number(m[1]) <= 23 && Number(m[2]) <= 59) || (opts.endOfDay && value === '24:00'));
    if (!ok) throw new InvalidArgumentError(`must be a time of day HH:MM, 00:00..${opts.endOfDay ? '24:00' : '23:59'}`);
    return value;
  };
}

/** A comma-separated list of non-empty ids. */
export function idList(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((s) => s === '')) throw new InvalidArgumentError('must be comma-separated ids with none empty');
  return ids;
}

/** An IANA time zone name. */
export function timeZoneName(value: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw new InvalidArgumentError('not an IANA time zone (e.g. America/Denver)');
  }
  return value;
}

/** A ws:// or wss:// URL. */
export function webSocketUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL (e.g. ws://127.0.0.1:8080)');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new InvalidArgumentError(`must be a ws:// or wss:// URL, not ${url.protocol}//`);
  return value;
}

/** One of a few words ("must be full or compact"); the help text lists them too. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  const words = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices[0];
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be ${words}`);
    return value as T;
  };
}
