import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { Admission, type AdmissionTicket } from './admission.js';
import type { RefusalCode } from './protocol-errors.js';
import type { RevocationList } from './revocation-list.js';
import type { ServerContext } from './server-context.js';
import type { TokenClaims } from './tokens.js';
import { authorizeUpgrade, refuseUpgrade, type Endpoint } from './upgrade-auth.js';

/**
 * Admission and authentication at the HTTP upgrade: endpoint, token (signature, expiry on the server's clock, role,
 * revocation), then a slot from `Admission`, held until the socket closes whatever happens to the handshake. A
 * refused client never gets a socket: an HTTP status and a JSON body naming the code, counted by code.
 */
export function createConnectionGate(
  ctx: ServerContext,
  wss: WebSocketServer,
  secret: string,
  revocations: RevocationList,
  isStopping: () => boolean,
  onConnection: (ws: WebSocket, endpoint: Endpoint, claims: TokenClaims, ticket: AdmissionTicket) => void,
) {
  const admission = new Admission(ctx.limits);
  return {
    admission,
    onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      socket.on('error', () => socket.destroy());
      const refuse = (code: RefusalCode, reason: string) => {
        ctx.metrics.inc('greenwave_connections_refused_total', { code });
        ctx.logFault(`refused ${code}`, { code, reason, remote: req.socket.remoteAddress, path: req.url?.split('?')[0] }, 'connection refused', 'warn');
        refuseUpgrade(socket, code, reason);
      };
      if (isStopping()) return refuse('GW_HTTP_TOO_MANY_CLIENTS', 'the server is stopping');
      const decision = authorizeUpgrade(req, secret, ctx.now());
      if (!decision.ok) return refuse(decision.code, decision.reason);
      if (revocations.has(decision.claims.jti)) return refuse('GW_AUTH_TOKEN_REVOKED', `token ${decision.claims.jti} (${decision.claims.sub}) is revoked`);
      const ticket = admission.admit(decision.claims);
      if (!ticket.ok) return refuse(ticket.code, ticket.reason);
      // ws answers a bad handshake (missing key, wrong version) itself, destroys the socket and never calls back:
      // the slot is released when the socket closes, whatever happened
      let upgraded = false;
      socket.once('close', () => {
        ticket.release();
        if (!upgraded) ctx.metrics.inc('greenwave_connections_refused_total', { code: 'GW_HTTP_BAD_HANDSHAKE' });
      });
      wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded = true;
        onConnection(ws, decision.endpoint, decision.claims, ticket);
      });
    },
  };
}
