import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { weakSecretReason } from '../adapters/websocket/index.js';
import { CliError, fileError } from './cli-errors.js';
import { engineConfigSchema, serverLimitsSchema } from './config-schemas.js';

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
  limits: serverLimitsSchema.optional(),
  engine: engineConfigSchema.optional(),
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

/** Reads and checks a `start` configuration file; `refused` ends the error (what did not happen). */
export function loadStartConfig(path: string, refused = 'not started'): StartConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError('--config', path, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  const r = startConfigSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `  ${configIssue(i, raw)}`);
    throw new CliError(`--config ${path}: ${problems.length} problem${problems.length > 1 ? 's' : ''}, ${refused}:\n${problems.join('\n')}`);
  }
  return r.data;
}

/** One configuration problem: the key's path, its value and what is allowed (unknown keys named one by one). */
function configIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(path);
    return issue.keys.map((k) => `${[...path, k].join('.')}: unknown key${nearest(k, known) ? ` (did you mean ${nearest(k, known)}?)` : ''}`).join('; ');
  }
  const value = path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), raw);
  return `${path.join('.') || '(top level)'}${value === undefined ? '' : ` = ${JSON.stringify(value)}`}: ${issue.message}`;
}

/** The keys the configuration schema knows at a path (for "did you mean"). */
function knownKeys(path: string[]): string[] {
  let schema: unknown = startConfigSchema;
  for (const key of path) {
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (!shape) return [];
    schema = shape[key];
    while (schema && typeof (schema as { unwrap?: unknown }).unwrap === 'function') schema = (schema as { unwrap: () => unknown }).unwrap();
  }
  return Object.keys((schema as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
}

/** The known key closest to a misspelt one (edit distance at most 3), if any. */
function nearest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}
