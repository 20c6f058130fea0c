/**
 * Every limit of the live server, with its default and its overflow policy. Documented in docs/protocol.md
 * ("Limits"); change both together.
 */
export interface ServerLimits {
  /** Detector, viewer and operator connections together (handshakes in progress count). Over it: HTTP 503. */
  maxClients: number;
  /** Controller connections: a pool of their own, so that no storm of other clients keeps a cabinet out. Over it: HTTP 503. */
  maxControllerClients: number;
  /** Viewer and operator connections together, within maxClients (so watchers cannot crowd out detectors). Over it: HTTP 503. */
  maxViewerClients: number;
  /** Connections one token (its jti, else its sub and role) may hold; controllers are bounded by identity instead. Over it: HTTP 429. */
  maxConnectionsPerToken: number;
  /** Largest message handled, bytes. Over it: GW_PROTO_MESSAGE_TOO_LARGE, the message is dropped, the connection stays. */
  maxMessageBytes: number;
  /** Largest frame the WebSocket layer will buffer, bytes (>= maxMessageBytes). Over it: close 1009. */
  maxFrameBytes: number;
  /** Records in one detector batch. Over it: GW_PROTO_BATCH_TOO_LARGE, the whole batch is dropped. */
  maxBatchRecords: number;
  /** Messages a client may send per second (token bucket, burst of the same size). Over it: GW_PROTO_RATE_LIMITED, dropped. */
  maxMessagesPerSecond: number;
  /** Count records a detector connection may send per second (token bucket, burst of the same size, >= maxBatchRecords). Over it: GW_PROTO_RATE_LIMITED, the message dropped. */
  maxRecordsPerSecond: number;
  /** Error messages sent to one client per second; the rest are counted in /metrics but not sent. */
  maxErrorsPerSecond: number;
  /** Record errors detailed in one batch result; the rest are only counted in it. */
  maxErrorsPerBatch: number;
  /** Interval of ping frames; a client that has not answered the previous ping by the next one is terminated. */
  heartbeatIntervalMs: number;
  /** Feed: bytes queued in the socket before new deltas are held back (and conflated: latest value per key). */
  feedHighWaterBytes: number;
  /** Feed: socket buffer plus held-back deltas above this, bytes: the client is dropped (close 4008). */
  feedMaxBufferedBytes: number;
  /** Feed: held-back deltas that have not started draining for this long: the client is dropped (close 4008). */
  feedStallTimeoutMs: number;
  /** Feed: how often held-back deltas are retried. */
  feedFlushIntervalMs: number;
  /** Feed snapshot: KPI intervals and alarms kept for new subscribers. */
  recentKpiIntervals: number;
  recentAlarms: number;
  /** A controller that has not acknowledged the plans sent to it for this long raises an alarm, whatever the optimisation period. */
  planAckTimeoutMs: number;
  /** How often the revocation file is checked for changes, ms. */
  revocationReloadMs: number;
  /** An alarm of the same cause (code, intersection, controller) within this time of the last updates it (count + 1). */
  alarmCoalesceWindowMs: number;
  /** An intersection at a degree of saturation above 1 for this long raises a `congestion` alarm. */
  congestionAlarmMs: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxClients: 1000,
  maxControllerClients: 1000,
  maxViewerClients: 200,
  maxConnectionsPerToken: 64,
  maxMessageBytes: 256 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxBatchRecords: 5000,
  maxMessagesPerSecond: 200,
  maxRecordsPerSecond: 10_000,
  maxErrorsPerSecond: 20,
  maxErrorsPerBatch: 20,
  heartbeatIntervalMs: 30_000,
  feedHighWaterBytes: 256 * 1024,
  feedMaxBufferedBytes: 4 * 1024 * 1024,
  feedStallTimeoutMs: 30_000,
  feedFlushIntervalMs: 100,
  recentKpiIntervals: 10,
  recentAlarms: 50,
  planAckTimeoutMs: 15_000,
  alarmCoalesceWindowMs: 600_000,
  congestionAlarmMs: 600_000,
  revocationReloadMs: 5000,
});

export function resolveServerLimits(input: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...input };
  for (const [name, value] of Object.entries(limits))
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`server limit ${name} = ${String(value)}: must be a positive number`);
  if (limits.maxRecordsPerSecond < limits.maxBatchRecords)
    throw new RangeError(`server limit maxRecordsPerSecond (${limits.maxRecordsPerSecond}) must be >= maxBatchRecords (${limits.maxBatchRecords}), or a full batch could never pass`);
  if (limits.maxFrameBytes < limits.maxMessageBytes) throw new RangeError(`server limit maxFrameBytes (${limits.maxFrameBytes}) must be >= maxMessageBytes (${limits.maxMessageBytes})`);
  return limits;
}
