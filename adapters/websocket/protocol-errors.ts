import type { InputError, InputErrorCode } from '../../engine/index.js';

/**
 * Every error the live server reports is made here, with a stable code, so clients and tests match on codes
 * and never on message text. Three kinds:
 * - recoverable: sent as an `error` message, counted; the connection stays open;
 * - fatal: the connection is closed with `closeCode` (4000-4999 are ours, 1001/1009 are the standard ones);
 * - refusals: the HTTP upgrade is answered with `httpStatus` and the socket never opens.
 * Engine input errors (GW_ERR_*) keep their engine codes: `fromInputError` maps them one to one.
 */
export const PROTOCOL_ERRORS = {
  // recoverable, per message
  GW_PROTO_MALFORMED_JSON: { kind: 'recoverable', summary: 'the message is not valid JSON' },
  GW_PROTO_INVALID_MESSAGE: { kind: 'recoverable', summary: 'the message does not match the schema of this endpoint' },
  GW_PROTO_MESSAGE_TOO_LARGE: { kind: 'recoverable', summary: 'the message is larger than maxMessageBytes' },
  GW_PROTO_BATCH_TOO_LARGE: { kind: 'recoverable', summary: 'the batch has more than maxBatchRecords records' },
  GW_PROTO_RATE_LIMITED: { kind: 'recoverable', summary: 'more than maxMessagesPerSecond messages; the message was dropped' },
  GW_PROTO_DETECTOR_NOT_IN_SCOPE: { kind: 'recoverable', summary: "the detector is not in the token's scope" },
  GW_PROTO_INTERSECTION_NOT_IN_SCOPE: { kind: 'recoverable', summary: "the intersection is not in the token's scope" },
  GW_PROTO_IDENTITY_REFUSED: { kind: 'recoverable', summary: "the controllerId is not the token's subject (sub, or sub/<name>); the claim raised an alarm" },
  GW_PROTO_INTERSECTION_OWNED: { kind: 'recoverable', summary: 'another controller identity runs this intersection and is online; the claim raised an alarm' },
  GW_PROTO_UNKNOWN_INTERSECTION: { kind: 'recoverable', summary: 'no signalized intersection with this id in the network' },
  GW_PROTO_NOT_REGISTERED: { kind: 'recoverable', summary: 'the controller must send hello before anything else' },
  GW_PROTO_UNKNOWN_PLAN: { kind: 'recoverable', summary: 'no plan with this version was sent for this intersection' },
  GW_PROTO_READ_ONLY: { kind: 'recoverable', summary: 'the feed is read-only' },
  // engine input errors, recoverable
  GW_ERR_COUNT_SHAPE: { kind: 'recoverable', summary: 'the count record is not an object' },
  GW_ERR_COUNT_FIELD: { kind: 'recoverable', summary: 'a field of the count record is missing or has the wrong type or range' },
  GW_ERR_UNKNOWN_DETECTOR: { kind: 'recoverable', summary: 'no detector with this id in the network' },
  GW_ERR_COUNT_IMPOSSIBLE: { kind: 'recoverable', summary: 'the count implies a flow no lane can carry' },
  GW_ERR_TIMESTAMP_FUTURE: { kind: 'recoverable', summary: 'the timestamp is too far ahead of the engine clock' },
  GW_ERR_TIMESTAMP_BACKWARDS: { kind: 'recoverable', summary: "the timestamp is not later than the detector's previous count" },
  GW_ERR_TIMESTAMP_PAST: { kind: 'recoverable', summary: 'the timestamp is too far behind the engine clock' },
  GW_ERR_INTERNAL: { kind: 'recoverable', summary: 'the engine failed on this record (a defect, logged); the record was dropped and the rest flows on' },
  // fatal, the connection is closed
  GW_PROTO_SLOW_CONSUMER: { kind: 'fatal', closeCode: 4008, summary: 'the feed client did not read fast enough (buffer limit or stall timeout)' },
  GW_PROTO_SUPERSEDED: { kind: 'fatal', closeCode: 4009, summary: 'another controller connection took over these intersections' },
  GW_PROTO_HEARTBEAT_TIMEOUT: { kind: 'fatal', closeCode: 4010, summary: 'no pong within heartbeatIntervalMs; the socket is terminated without a close frame' },
  GW_PROTO_FRAME_TOO_LARGE: { kind: 'fatal', closeCode: 1009, summary: 'a frame larger than maxFrameBytes; closed by the WebSocket layer' },
  GW_PROTO_INVALID_UTF8: { kind: 'fatal', closeCode: 1007, summary: 'a text frame that is not valid UTF-8; closed by the WebSocket layer (RFC 6455 §8.1)' },
  GW_PROTO_BAD_FRAME: { kind: 'fatal', closeCode: 1002, summary: 'a frame that breaks RFC 6455 (bad opcode, unmasked, bad close code...); closed by the WebSocket layer' },
  GW_PROTO_SERVER_SHUTDOWN: { kind: 'fatal', closeCode: 1001, summary: 'the server is stopping' },
  GW_PROTO_TOKEN_EXPIRED: { kind: 'fatal', closeCode: 4011, summary: "the connection's token expired while it was open; reconnect with a new token" },
  GW_PROTO_TOKEN_REVOKED: { kind: 'fatal', closeCode: 4012, summary: "the connection's token was revoked (its jti is in the revocation list)" },
  // refusals at the HTTP upgrade
  GW_AUTH_MISSING_TOKEN: { kind: 'refusal', httpStatus: 401, summary: 'no token in the Authorization header or the token query parameter' },
  GW_AUTH_INVALID_TOKEN: { kind: 'refusal', httpStatus: 401, summary: 'the token is malformed or its signature does not match' },
  GW_AUTH_TOKEN_EXPIRED: { kind: 'refusal', httpStatus: 401, summary: 'the token has expired' },
  GW_AUTH_TOKEN_REVOKED: { kind: 'refusal', httpStatus: 401, summary: 'the token id is in the revocation list' },
  GW_AUTH_WRONG_ROLE: { kind: 'refusal', httpStatus: 403, summary: "the token's role may not use this endpoint" },
  GW_HTTP_BAD_HANDSHAKE: { kind: 'refusal', httpStatus: 400, summary: 'not a valid WebSocket handshake (Sec-WebSocket-Key, -Version); answered by the WebSocket layer' },
  GW_HTTP_NOT_FOUND: { kind: 'refusal', httpStatus: 404, summary: 'no such endpoint' },
  GW_HTTP_TOO_MANY_CLIENTS: { kind: 'refusal', httpStatus: 503, summary: "the role's pool is full (maxClients, maxControllerClients or maxViewerClients)" },
  GW_HTTP_TOKEN_CONNECTION_LIMIT: { kind: 'refusal', httpStatus: 429, summary: 'the token already holds maxConnectionsPerToken connections' },
} as const satisfies Record<string, { kind: 'recoverable' | 'fatal' | 'refusal'; summary: string; closeCode?: number; httpStatus?: number }>;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;
export type FatalErrorCode = { [K in ProtocolErrorCode]: (typeof PROTOCOL_ERRORS)[K] extends { kind: 'fatal' } ? K : never }[ProtocolErrorCode];
export type RefusalCode = { [K in ProtocolErrorCode]: (typeof PROTOCOL_ERRORS)[K] extends { kind: 'refusal' } ? K : never }[ProtocolErrorCode];

/** The `error` message sent to a client for a recoverable error. */
export interface ErrorMessage {
  type: 'error';
  code: ProtocolErrorCode;
  /** Field that was wrong (a JSON path such as `counts[3].count`), or `(message)` / `(frame)`. */
  field: string;
  reason: string;
  value?: unknown;
  /** Echo of the `id` of the message that caused it, when it had one. */
  ref?: string;
  /** Position of the record in a batch. */
  index?: number;
}

/** Values echoed back in errors are cut short so that an error never costs more than the input. */
const MAX_ECHO_CHARS = 120;

export function protocolError(code: ProtocolErrorCode, field: string, reason: string, value?: unknown): ErrorMessage {
  const e: ErrorMessage = { type: 'error', code, field, reason };
  if (value !== undefined) e.value = echo(value);
  return e;
}

/** An engine InputError (from `checkCount`) as a protocol error; `prefix` locates the record (`counts[3].`). */
export function fromInputError(error: InputError, prefix = ''): ErrorMessage {
  const field = error.field === '(record)' ? (prefix ? prefix.slice(0, -1) : '(message)') : `${prefix}${error.field}`;
  return protocolError(error.code satisfies InputErrorCode, field, error.reason, error.value);
}

export function closeCodeOf(code: FatalErrorCode): number {
  return PROTOCOL_ERRORS[code].closeCode;
}

export function httpStatusOf(code: RefusalCode): number {
  return PROTOCOL_ERRORS[code].httpStatus;
}

function echo(value: unknown): unknown {
  if (typeof value === 'string') return value.length > MAX_ECHO_CHARS ? `${value.slice(0, MAX_ECHO_CHARS)}…` : value;
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return '(unserialisable)';
  }
  return text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}…` : value;
}
