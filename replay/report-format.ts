/** Colours of the two sets of plans in the report's charts: the plans actually in force, and the engine's. */
export const ACTUAL = '#d9822b';
export const ENGINE = '#1f77b4';

const clocks = new Map<string, Intl.DateTimeFormat>();

/** Local time of day, HH:MM (or HH:MM:SS), in a time zone. */
export function clock(ms: number, timeZone: string, seconds = false): string {
  const key = `${timeZone}|${seconds}`;
  let f = clocks.get(key);
  if (!f) clocks.set(key, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' })));
  return f.format(new Date(ms));
}

/** Text for HTML (element content and attribute values). */
export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
