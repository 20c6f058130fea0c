import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { weakSecretReason } from '../adapters/websocket/index.js';
import { CliError } from './load-network-file.js';

/** Where a secret comes from: an environment variable (default GREENWAVE_SECRET) or a file. Never a flag. */
export function readSecret(opts: { secretFile?: string; secretEnv?: string }): string | undefined {
  if (opts.secretFile) {
    try {
      return readFileSync(opts.secretFile, 'utf8').trim();
    } catch (err) {
      throw new CliError(`cannot read secret file ${opts.secretFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const value = process.env[opts.secretEnv ?? 'GREENWAVE_SECRET'];
  return value === undefined ? undefined : value.trim();
}

export function requireStrongSecret(secret: string | undefined, what: string): string {
  const weak = weakSecretReason(secret);
  if (weak) throw new CliError(`${what}: ${weak}. Set GREENWAVE_SECRET (or --secret-file) to >= 32 random bytes (\`greenwave token --new-secret\` prints one), or use --demo`);
  return secret!;
}

/** A device's token: --token, else the environment variable GREENWAVE_TOKEN. */
export function readToken(flag: string | undefined): string {
  const token = flag ?? process.env.GREENWAVE_TOKEN;
  if (!token) throw new CliError('no token: pass --token <token> or set GREENWAVE_TOKEN (mint one with `greenwave token`)');
  return token;
}

export function parseNumber(name: string, value: string | number | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max) throw new CliError(`${name} = ${String(value)}: must be a number in ${min}..${max}`);
  return n;
}

/** "HH:MM" today (UTC) as epoch ms. */
export function timeOfDayToday(name: string, hhmm: string, nowMs = Date.now()): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new CliError(`${name} = ${hhmm}: need HH:MM`);
  const day = Math.floor(nowMs / 86_400_000) * 86_400_000;
  return day + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

/** The `greenwave start` configuration file (JSON); flags override it. */
export const startConfigSchema = z.strictObject({
  network: z.string().optional(),
  host: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  demo: z.boolean().optional(),
  optimisationPeriodSeconds: z.number().min(1).max(3600).optional(),
  secretFile: z.string().optional(),
  /** Revoked token ids, one per line; re-read when it changes. */
  revocationFile: z.string().min(1).optional(),
  /** Serve https and wss: certificate and key files (PEM), both or neither. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  /** Day files of everything received and decided go here; false: no recording. Default "recordings". */
  recordDirectory: z.union([z.string().min(1), z.literal(false)]).optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  limits: z.record(z.string(), z.number()).optional(),
  engine: z.record(z.string(), z.unknown()).optional(),
  simulate: z
    .strictObject({
      detectors: z.boolean().optional(),
      controllers: z.boolean().optional(),
      speedup: z.number().min(0.01).max(3600).optional(),
      startTime: z.string().regex(/^\d{2}:\d{2}$/).optional(),
      intervalSeconds: z.number().min(1).max(3600).optional(),
      backupSeconds: z.number().min(1).optional(),
      scale: z.number().min(0).max(10).optional(),
    })
    .optional(),
});
export type StartConfig = z.infer<typeof startConfigSchema>;

export function loadStartConfig(path: string): StartConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  const r = startConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CliError(`${path}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  return r.data;
}
