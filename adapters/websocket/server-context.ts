import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { EngineEvent } from '../../engine/index.js';
import type { NetworkFile } from '../../network-models/index.js';
import type { AdmissionTicket } from './admission.js';
import type { AckMessage, HelloMessage } from './inbound-messages.js';
import type { FeedDelta } from './outbound-messages.js';
import { closeCodeOf, protocolError, type ErrorMessage, type FatalErrorCode } from './protocol-errors.js';
import type { ClientRateLimits } from './rate-limits.js';
import type { ServerLimits } from './server-limits.js';
import type { ServerMetrics } from './server-metrics.js';
import type { TokenClaims } from './tokens.js';
import type { Endpoint } from './upgrade-auth.js';
import type { LogRateLimiter } from './log-rate-limiter.js';

/** One open WebSocket connection. */
export interface Client {
  id: string;
  ws: WebSocket;
  endpoint: Endpoint;
  claims: TokenClaims;
  /** Answered the last ping. */
  alive: boolean;
  rate: ClientRateLimits;
  /** The connection slot, released when the socket closes. */
  ticket: AdmissionTicket;
  /** detectors: may it publish for this detector; controllers/feed: may it see this intersection. */
  inScope: (id: string) => boolean;
  /** Set once a controller's hello was accepted. */
  controllerId?: string;
}

/** Everything the server receives and decides, for recorders and debugging; see `GreenwaveServer.tap`. */
export type TapEvent =
  /** A count as received; `atMs` is when, in engine time (the clock its timestamp is checked against). */
  | { kind: 'count'; atMs: number; clientId: string; record: unknown; error?: ErrorMessage }
  | { kind: 'controller-message'; atMs: number; clientId: string; message: HelloMessage | AckMessage }
  | { kind: 'engine'; event: EngineEvent }
  | { kind: 'feed'; key: string; delta: FeedDelta };

/**
 * What the parts of the server share: configuration, the one clock, metrics, logging, and the ways to answer a
 * client. Built once by `createGreenwaveServer`.
 */
export class ServerContext {
  readonly taps = new Set<(e: TapEvent) => void>();

  constructor(
    readonly network: NetworkFile,
    readonly limits: ServerLimits,
    readonly log: Logger,
    readonly metrics: ServerMetrics,
    /** The server's one clock (the injected scheduler's). */
    readonly now: () => number,
    /** Runs `fn` after `delayMs` on the same clock. */
    readonly after: (delayMs: number, fn: () => void) => void,
    private readonly faultLog: LogRateLimiter,
  ) {}

  send(ws: WebSocket, message: object): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  /** A message rejected as a whole: counted by code, answered (within maxErrorsPerSecond). */
  reject(client: Client, error: ErrorMessage): void {
    this.metrics.inc('greenwave_messages_rejected_total', { code: error.code });
    this.sendError(client, error);
  }

  sendError(client: Client, error: ErrorMessage): void {
    if (!client.rate.takeErrorReply(this.now())) return this.metrics.inc('greenwave_errors_suppressed_total');
    this.send(client.ws, error);
  }

  /** Closes a connection with the close code of `code`; a client that does not read is terminated a second later. */
  fatal(ws: WebSocket, code: FatalErrorCode, reason: string): void {
    this.metrics.inc('greenwave_clients_dropped_total', { code });
    // Close reasons are limited to 123 bytes.
    ws.close(closeCodeOf(code), `${code}: ${reason}`.slice(0, 123));
    this.after(1000, () => ws.terminate());
  }

  /** Size and rate checks common to every endpoint; false when the message was dropped (and answered). */
  admitMessage(client: Client, data: RawData): boolean {
    this.metrics.inc('greenwave_messages_received_total', { endpoint: client.endpoint });
    const limits = this.limits;
    if (!client.rate.takeMessage(this.now())) {
      this.reject(client, protocolError('GW_PROTO_RATE_LIMITED', '(message)', `more than ${limits.maxMessagesPerSecond} messages per second (maxMessagesPerSecond); message dropped`));
      return false;
    }
    const size = byteLength(data);
    if (size > limits.maxMessageBytes) {
      this.reject(client, protocolError('GW_PROTO_MESSAGE_TOO_LARGE', '(message)', `${size} bytes is more than maxMessageBytes = ${limits.maxMessageBytes}`, size));
      return false;
    }
    return true;
  }

  /** Logs a cause at most once a minute, with the count of repeats in between. */
  logFault(cause: string, fields: object, message: string, level: 'warn' | 'error' = 'error'): void {
    const { log: logNow, suppressed } = this.faultLog.admit(cause, this.now());
    if (logNow) this.log[level]({ ...fields, repeatsSinceLastLog: suppressed }, message);
  }

  emitTap(e: TapEvent): void {
    for (const listener of this.taps) {
      try {
        listener(e);
      } catch (err) {
        this.logFault(`tap: ${(err as Error)?.message}`, { err }, 'tap listener failed');
      }
    }
  }
}

export function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((s, b) => s + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

export function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}
