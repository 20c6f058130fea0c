/** Largest distance from 1970 a JavaScript Date can hold, ms (ECMA-262 TimeClip: ±100,000,000 days). */
export const MAX_DATE_MS = 8.64e15;

/** True when `epochMs` can be held by a Date (and so formatted). */
export function isRepresentableInstant(epochMs: number): boolean {
  return Number.isFinite(epochMs) && Math.abs(epochMs) <= MAX_DATE_MS;
}

/**
 * ISO-8601 text of an instant, never throwing: `Date.prototype.toISOString` throws a RangeError for times a Date
 * cannot hold (±8.64e15 ms), and such times arrive from clients. Those are written as raw milliseconds.
 */
export function formatInstant(epochMs: number): string {
  return isRepresentableInstant(epochMs) ? new Date(epochMs).toISOString() : `${String(epochMs)} ms since 1970 (not a representable date)`;
}
