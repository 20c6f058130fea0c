import type { DetectorCount, InputError } from './engine-events.js';
import { formatInstant } from './format-instant.js';

export interface CountLimits {
  maxLaneFlowVehPerHour: number;
  maxFutureSkewSeconds: number;
  maxPastSkewSeconds: number;
  maxIntervalSeconds: number;
}

/** What validation needs to know about a detector. */
export interface KnownDetector {
  lastTimestampMs: number;
}

export type CountCheck = { ok: true; count: DetectorCount } | { ok: false; error: InputError };

/**
 * Validates one raw count record. Hand-written rather than schema-driven because it is the hot path
 * (hundreds of thousands of records a second in replay); every rejection names the field, value and rule.
 * `timestamp` may be epoch milliseconds or an ISO-8601 string.
 */
export function checkCount(raw: unknown, lookup: (detectorId: string) => KnownDetector | undefined, nowMs: number, limits: CountLimits): CountCheck {
  const into: DetectorCount = { detectorId: '', timestampMs: 0, count: 0, intervalSeconds: 0 };
  const error = readCount(raw, lookup, nowMs, limits, into);
  if (error) return { ok: false, error };
  const out: DetectorCount = { detectorId: into.detectorId, timestampMs: into.timestampMs, count: into.count, intervalSeconds: into.intervalSeconds };
  if (into.occupancy !== undefined) out.occupancy = into.occupancy;
  return { ok: true, count: out };
}

/**
 * `checkCount` without making objects for a valid count (the engine's hot path): its fields go into `into`
 * (`occupancy` undefined when the record has none); returns the rejection, if any.
 */
export function readCount(raw: unknown, lookup: (detectorId: string) => KnownDetector | undefined, nowMs: number, limits: CountLimits, into: DetectorCount): InputError | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return error('GW_ERR_COUNT_SHAPE', '(record)', raw, 'must be an object {detectorId, timestamp, count, intervalSeconds, occupancy?}');
  const r = raw as Record<string, unknown>;
  const detectorId = r.detectorId;
  if (typeof detectorId !== 'string' || detectorId.length === 0)
    return error('GW_ERR_COUNT_FIELD', 'detectorId', detectorId, 'must be a non-empty string');
  const detector = lookup(detectorId);
  if (!detector) return error('GW_ERR_UNKNOWN_DETECTOR', 'detectorId', detectorId, 'no such detector in the network', detectorId);

  let timestampMs: number;
  if (typeof r.timestamp === 'number') timestampMs = r.timestamp;
  else if (typeof r.timestamp === 'string') timestampMs = Date.parse(r.timestamp);
  else return error('GW_ERR_COUNT_FIELD', 'timestamp', r.timestamp, 'must be epoch milliseconds or an ISO-8601 string', detectorId);
  if (!Number.isFinite(timestampMs)) return error('GW_ERR_COUNT_FIELD', 'timestamp', r.timestamp, 'is not a valid time', detectorId);

  const count = r.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    return error('GW_ERR_COUNT_FIELD', 'count', count, 'must be a whole number >= 0', detectorId);
  const interval = r.intervalSeconds;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0 || interval > limits.maxIntervalSeconds)
    return error('GW_ERR_COUNT_FIELD', 'intervalSeconds', interval, `must be > 0 and <= ${limits.maxIntervalSeconds}`, detectorId);
  const occupancy = r.occupancy;
  if (occupancy !== undefined && (typeof occupancy !== 'number' || !(occupancy >= 0 && occupancy <= 1)))
    return error('GW_ERR_COUNT_FIELD', 'occupancy', occupancy, 'must be a fraction in [0, 1]', detectorId);

  const flow = (count * 3600) / interval;
  if (flow > limits.maxLaneFlowVehPerHour)
    return error('GW_ERR_COUNT_IMPOSSIBLE', 'count', count, `${count} veh in ${interval} s is ${Math.round(flow)} veh/h, above the limit of ${limits.maxLaneFlowVehPerHour} veh/h for one lane`, detectorId);
  if (timestampMs > nowMs + limits.maxFutureSkewSeconds * 1000)
    return error('GW_ERR_TIMESTAMP_FUTURE', 'timestamp', r.timestamp, `is ${formatSeconds((timestampMs - nowMs) / 1000)} s ahead of the engine clock (limit ${limits.maxFutureSkewSeconds} s)`, detectorId);
  if (timestampMs < nowMs - limits.maxPastSkewSeconds * 1000)
    return error('GW_ERR_TIMESTAMP_PAST', 'timestamp', r.timestamp, `is ${formatSeconds((nowMs - timestampMs) / 1000)} s behind the engine clock (limit ${limits.maxPastSkewSeconds} s)`, detectorId);
  if (timestampMs <= detector.lastTimestampMs)
    return error('GW_ERR_TIMESTAMP_BACKWARDS', 'timestamp', r.timestamp, `must be later than this detector's previous count at ${formatInstant(detector.lastTimestampMs)}`, detectorId);

  into.detectorId = detectorId;
  into.timestampMs = timestampMs;
  into.count = count;
  into.intervalSeconds = interval;
  into.occupancy = occupancy as number | undefined;
  return undefined;
}

/** Whole seconds, or exponent notation for distances too large to print in full (a client's 1e300). */
function formatSeconds(seconds: number): string {
  return Math.abs(seconds) < 1e12 ? String(Math.round(seconds)) : seconds.toPrecision(3);
}

function error(code: InputError['code'], field: string, value: unknown, reason: string, detectorId?: string): InputError {
  const e: InputError = { code, field, value, reason };
  if (detectorId !== undefined) e.detectorId = detectorId;
  return e;
}
