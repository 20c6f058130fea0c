/** Longest string kept from a received field; longer ones are cut (the engine rejects them anyway). */
export const MAX_RECORDED_STRING_CHARS = 128;

const COUNT_FIELDS = ['detectorId', 'timestamp', 'count', 'intervalSeconds', 'occupancy'] as const;

/**
 * The part of a received count record that is recorded: its schema fields only, each a number, a boolean, null or
 * a string of at most MAX_RECORDED_STRING_CHARS; any other value (object, array) becomes the text "(object)" /
 * "(array)". Never the raw client JSON: extra fields, deep nesting and huge strings stay out of the day files, so a
 * line is a few hundred bytes whatever a client sends, and a replay sees what the engine validated.
 */
export function recordableCount(raw: unknown): Record<string, unknown> | string {
  if (raw === null || typeof raw !== 'object') return recordableValue(raw) as string;
  if (Array.isArray(raw)) return '(array)';
  const r = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of COUNT_FIELDS) if (Object.hasOwn(r, field) && r[field] !== undefined) out[field] = recordableValue(r[field]);
  return out;
}

function recordableValue(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'boolean':
      return v;
    case 'string':
      return v.length > MAX_RECORDED_STRING_CHARS ? `${v.slice(0, MAX_RECORDED_STRING_CHARS)}…` : v;
    case 'object':
      return v === null ? null : Array.isArray(v) ? '(array)' : '(object)';
    default:
      return `(${typeof v})`;
  }
}
