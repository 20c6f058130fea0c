import type { PhasePlan } from '../../engine/index.js';

/**
 * One line of a day file: everything the live engine received and decided, stamped with engine time `atMs`
 * (epoch ms). Day files are NDJSON, one record a line, in the order they happened.
 */
export type DayRecord =
  /** A detector count exactly as received (valid or not): replay feeds it to the pipeline as the live engine saw it. */
  | { kind: 'count'; atMs: number; record: unknown }
  /** A plan the engine issued. */
  | { kind: 'plan'; atMs: number; plan: PhasePlan }
  /** A controller's answer to a plan: only an accepted plan is counted as actually in force. */
  | { kind: 'ack'; atMs: number; intersectionId: string; version: number; accepted: boolean; reason?: string }
  /** A detector fault or recovery, or any other engine event worth keeping (free-form). */
  | { kind: 'fault'; atMs: number; event: unknown }
  /** An observed signal state change (from a controller event log): the plan actually in force, second by second. */
  | { kind: 'phase'; atMs: number; intersectionId: string; phaseId: string; state: SignalState }
  /** A vehicle reaching the stop line (detector on-time, moved to the stop line for advance detectors). */
  | { kind: 'arrival'; atMs: number; detectorId: string }
  /** A stop-line detector switching on or off (from a controller event log; for measured split failures). */
  | { kind: 'detector'; atMs: number; detectorId: string; on: boolean };

export type SignalState = 'green' | 'yellow' | 'red';
export type DayRecordKind = DayRecord['kind'];

const KINDS = new Set<string>(['count', 'plan', 'ack', 'fault', 'phase', 'arrival', 'detector']);

/**
 * Reads one parsed line as a day record. A line without `kind` is a bare count record (the `plan` and
 * `synth-counts` format), timed by its `timestamp`. Returns undefined when it is neither.
 */
export function toDayRecord(value: unknown): DayRecord | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.kind === 'string') {
    if (!KINDS.has(v.kind) || typeof v.atMs !== 'number' || !Number.isFinite(v.atMs)) return undefined;
    return value as DayRecord;
  }
  const t = typeof v.timestamp === 'number' ? v.timestamp : typeof v.timestamp === 'string' ? Date.parse(v.timestamp) : NaN;
  if (!Number.isFinite(t)) return undefined;
  return { kind: 'count', atMs: t, record: value };
}
