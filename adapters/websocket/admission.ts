import type { ServerLimits } from './server-limits.js';
import type { Role, TokenClaims } from './tokens.js';

export type AdmissionRefusal = { ok: false; code: 'GW_HTTP_TOO_MANY_CLIENTS' | 'GW_HTTP_TOKEN_CONNECTION_LIMIT'; reason: string };

/** A held connection slot, from the upgrade request until the socket closes. `release` is idempotent. */
export interface AdmissionTicket {
  ok: true;
  role: Role;
  release(): void;
}

type Limits = Pick<ServerLimits, 'maxClients' | 'maxControllerClients' | 'maxViewerClients' | 'maxConnectionsPerToken'>;

/**
 * Fair admission: controllers have a pool of their own (`maxControllerClients`), so no storm of other clients can
 * keep a signal cabinet out; detectors, viewers and operators share `maxClients`, viewers and operators together at
 * most `maxViewerClients` of it; and one token holds at most `maxConnectionsPerToken` sockets (controllers are
 * bounded by their identities instead: one session per controllerId). Slots are held from the upgrade request
 * (pending handshakes count) until the socket closes, whatever happened in between.
 */
export class Admission {
  private readonly byRole = new Map<Role, number>();
  private readonly byToken = new Map<string, number>();

  constructor(private readonly limits: Limits) {}

  admit(claims: TokenClaims): AdmissionTicket | AdmissionRefusal {
    const role = claims.role;
    const l = this.limits;
    if (role === 'controller') {
      if (this.held('controller') >= l.maxControllerClients) return refuse('GW_HTTP_TOO_MANY_CLIENTS', `${l.maxControllerClients} controller connections are open (maxControllerClients)`);
    } else {
      if (this.sharedHeld() >= l.maxClients) return refuse('GW_HTTP_TOO_MANY_CLIENTS', `${l.maxClients} detector, viewer and operator connections are open (maxClients)`);
      if ((role === 'viewer' || role === 'operator') && this.held('viewer') + this.held('operator') >= l.maxViewerClients)
        return refuse('GW_HTTP_TOO_MANY_CLIENTS', `${l.maxViewerClients} viewer and operator connections are open (maxViewerClients)`);
    }
    const key = tokenKey(claims);
    const perToken = role === 'controller' ? 0 : (this.byToken.get(key) ?? 0);
    if (perToken >= l.maxConnectionsPerToken)
      return refuse('GW_HTTP_TOKEN_CONNECTION_LIMIT', `token ${claims.sub} (${role}) holds ${perToken} connections (maxConnectionsPerToken)`);
    this.byRole.set(role, this.held(role) + 1);
    if (role !== 'controller') this.byToken.set(key, perToken + 1);
    let released = false;
    return {
      ok: true,
      role,
      release: () => {
        if (released) return;
        released = true;
        this.byRole.set(role, this.held(role) - 1);
        if (role === 'controller') return;
        const n = (this.byToken.get(key) ?? 1) - 1;
        if (n === 0) this.byToken.delete(key);
        else this.byToken.set(key, n);
      },
    };
  }

  /** Slots held by a role: open connections and handshakes in progress. */
  held(role: Role): number {
    return this.byRole.get(role) ?? 0;
  }

  /** Tokens currently holding a connection (bounded by the shared pool). */
  get tokensHolding(): number {
    return this.byToken.size;
  }

  private sharedHeld(): number {
    let n = 0;
    for (const [role, count] of this.byRole) if (role !== 'controller') n += count;
    return n;
  }
}

/** What identifies a token for the per-token limit: its id when it has one, else its subject and role. */
export function tokenKey(claims: TokenClaims): string {
  return claims.jti !== undefined ? `jti:${claims.jti}` : `${claims.role}:${claims.sub}`;
}

function refuse(code: AdmissionRefusal['code'], reason: string): AdmissionRefusal {
  return { ok: false, code, reason };
}
