import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpStatusOf, PROTOCOL_ERRORS, type RefusalCode } from './protocol-errors.js';
import { verifyToken, type Role, type TokenClaims } from './tokens.js';

export type Endpoint = 'detectors' | 'controllers' | 'feed';

/** The versioned WebSocket endpoints and the roles each one admits. */
export const ENDPOINTS: Readonly<Record<string, { endpoint: Endpoint; roles: readonly Role[] }>> = Object.freeze({
  '/v1/detectors': { endpoint: 'detectors', roles: ['detector'] },
  '/v1/controllers': { endpoint: 'controllers', roles: ['controller'] },
  '/v1/feed': { endpoint: 'feed', roles: ['viewer', 'operator'] },
});

export type UpgradeDecision = { ok: true; endpoint: Endpoint; claims: TokenClaims } | { ok: false; code: RefusalCode; reason: string };

/**
 * Decides an HTTP upgrade before any socket opens: known endpoint, a token (`Authorization: Bearer <token>`, or
 * `?token=` for browsers, which cannot set headers on WebSocket requests), a valid signature, and the role
 * this endpoint admits.
 */
export function authorizeUpgrade(req: IncomingMessage, secret: string, nowMs: number): UpgradeDecision {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = ENDPOINTS[url.pathname];
  if (!route) return { ok: false, code: 'GW_HTTP_NOT_FOUND', reason: `no WebSocket endpoint at ${url.pathname}; use one of ${Object.keys(ENDPOINTS).join(', ')}` };
  const header = req.headers.authorization;
  let token: string | null = null;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return { ok: false, code: 'GW_AUTH_INVALID_TOKEN', reason: 'the Authorization header must be "Bearer <token>"' };
    token = m[1];
  } else token = url.searchParams.get('token');
  if (!token) return { ok: false, code: 'GW_AUTH_MISSING_TOKEN', reason: 'send "Authorization: Bearer <token>" or ?token=<token>' };
  const checked = verifyToken(secret, token, nowMs);
  if (!checked.ok) return { ok: false, code: checked.code, reason: checked.reason };
  if (!route.roles.includes(checked.claims.role))
    return { ok: false, code: 'GW_AUTH_WRONG_ROLE', reason: `${url.pathname} admits role ${route.roles.join(' or ')}, the token has role ${checked.claims.role}` };
  return { ok: true, endpoint: route.endpoint, claims: checked.claims };
}

/** Answers a refused upgrade with an HTTP status and a JSON body naming the code, then closes the socket. */
export function refuseUpgrade(socket: Duplex, code: RefusalCode, reason: string): void {
  const status = httpStatusOf(code);
  const body = JSON.stringify({ error: { code, reason, summary: PROTOCOL_ERRORS[code].summary } });
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 429: 'Too Many Requests', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  const auth = status === 401 ? 'WWW-Authenticate: Bearer realm="greenwave"\r\n' : '';
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${auth}Connection: close\r\n\r\n${body}`,
  );
}
