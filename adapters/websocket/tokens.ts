import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatInstant } from '../../engine/index.js';

export type Role = 'detector' | 'controller' | 'viewer' | 'operator';
export const ROLES: readonly Role[] = ['detector', 'controller', 'viewer', 'operator'];

/**
 * What a token grants. `scope` lists detector ids (detector role) or intersection ids (controller, viewer);
 * an entry ending in `*` matches every id with that prefix, and `["*"]` matches everything.
 */
export interface TokenClaims {
  /** Who holds the token (a device or a person), for logs and the controller registry. */
  sub: string;
  role: Role;
  scope: string[];
  /** Expiry, epoch seconds; absent = no expiry. Enforced at connect and on open connections. */
  exp?: number;
  /** Token id, for revocation and the per-token connection limit; absent in tokens minted before ids existed. */
  jti?: string;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; code: 'GW_AUTH_INVALID_TOKEN' | 'GW_AUTH_TOKEN_EXPIRED'; reason: string };

const PREFIX = 'gw1';
/** Secrets that ship in examples and must never guard a real deployment. */
const KNOWN_DEFAULT_SECRETS = new Set(['', 'secret', 'changeme', 'change-me', 'greenwave', 'password', 'demo', 'default', 'test']);
/** Key material a secret must carry outside demo mode, bytes (what `greenwave token --new-secret` prints: 32 random bytes). */
export const MIN_SECRET_BYTES = 32;

/**
 * A token is `gw1.<claims as base64url JSON>.<HMAC-SHA256 of "gw1.<claims>" as base64url>`: self-contained, so
 * the server needs only the secret, and readable by anyone who holds it (claims are not secret).
 */
export function mintToken(secret: string, claims: TokenClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${PREFIX}.${body}.${sign(secret, `${PREFIX}.${body}`)}`;
}

export function verifyToken(secret: string, token: string, nowMs: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, code: 'GW_AUTH_INVALID_TOKEN', reason: 'not a gw1.<claims>.<signature> token' };
  const expected = Buffer.from(sign(secret, `${parts[0]}.${parts[1]}`));
  const given = Buffer.from(parts[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, code: 'GW_AUTH_INVALID_TOKEN', reason: 'signature does not match' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'GW_AUTH_INVALID_TOKEN', reason: 'claims are not JSON' };
  }
  const problem = claimsProblem(claims);
  if (problem) return { ok: false, code: 'GW_AUTH_INVALID_TOKEN', reason: problem };
  const c = claims as TokenClaims;
  if (c.exp !== undefined && c.exp * 1000 <= nowMs) return { ok: false, code: 'GW_AUTH_TOKEN_EXPIRED', reason: `expired at ${formatInstant(c.exp * 1000)}` };
  return { ok: true, claims: c };
}

/**
 * Why a secret may not be used outside demo mode, or undefined when it is fine: it must carry at least 32 bytes
 * of key material (64 hex digits, 43 base64 characters, else 32 bytes of text) and not look low-entropy (fewer
 * than 10 distinct characters, or one character making up more than a quarter of it).
 */
export function weakSecretReason(secret: string | undefined): string | undefined {
  if (secret === undefined || secret === '') return 'the secret is empty';
  if (KNOWN_DEFAULT_SECRETS.has(secret.toLowerCase())) return `"${secret}" is a well-known default secret`;
  const bytes = secretKeyBytes(secret);
  if (bytes < MIN_SECRET_BYTES) return `the secret carries ${bytes} bytes of key material, fewer than ${MIN_SECRET_BYTES} random bytes`;
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  if (counts.size < 10 || Math.max(...counts.values()) > secret.length / 4) return 'the secret looks low-entropy (too few distinct characters)';
  return undefined;
}

/** Bytes of key material in a secret, by its alphabet: hex, base64/base64url, else its UTF-8 bytes. */
function secretKeyBytes(secret: string): number {
  if (/^[0-9a-fA-F]+$/.test(secret)) return Math.floor(secret.length / 2);
  if (/^[A-Za-z0-9+/_-]+=*$/.test(secret)) return Math.floor((secret.replace(/=+$/, '').length * 6) / 8);
  return Buffer.byteLength(secret);
}

/** A new token id. */
export function newTokenId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Whether a token whose subject is `sub` may act as controller `controllerId`: its own subject, or a
 * sub-identity `<sub>/<name>` (one token for a gateway that speaks for several cabinets). Nothing else.
 */
export function mayClaimControllerId(sub: string, controllerId: string): boolean {
  return controllerId === sub || (controllerId.startsWith(`${sub}/`) && controllerId.length > sub.length + 1);
}

/** The subject of a token, read without checking its signature (for devices that name themselves after it). */
export function tokenSubject(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

/** A random secret for demo mode: valid for this process only. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A matcher for a scope: exact ids, `prefix*` patterns, or `*`. */
export function scopeMatcher(scope: readonly string[]): (id: string) => boolean {
  if (scope.includes('*')) return () => true;
  const exact = new Set(scope.filter((s) => !s.endsWith('*')));
  const prefixes = scope.filter((s) => s.endsWith('*')).map((s) => s.slice(0, -1));
  if (prefixes.length === 0) return (id) => exact.has(id);
  return (id) => exact.has(id) || prefixes.some((p) => id.startsWith(p));
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function claimsProblem(c: unknown): string | undefined {
  if (c === null || typeof c !== 'object') return 'claims are not an object';
  const r = c as Record<string, unknown>;
  if (typeof r.sub !== 'string' || r.sub === '') return 'claim sub must be a non-empty string';
  if (!ROLES.includes(r.role as Role)) return `claim role must be one of ${ROLES.join(', ')}`;
  if (!Array.isArray(r.scope) || !r.scope.every((s) => typeof s === 'string' && s !== '')) return 'claim scope must be an array of non-empty strings';
  if (r.exp !== undefined && (typeof r.exp !== 'number' || !Number.isFinite(r.exp))) return 'claim exp must be epoch seconds';
  if (r.jti !== undefined && (typeof r.jti !== 'string' || r.jti === '' || r.jti.length > 128)) return 'claim jti must be a string of 1 to 128 characters';
  return undefined;
}
