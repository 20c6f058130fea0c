const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields at an instant in a time zone. */
function wall(epochMs: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts = format(timeZone).formatToParts(new Date(epochMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute'), s: get('second') };
}

/** Offset of local time from UTC at an instant, ms. */
function offsetMs(epochMs: number, timeZone: string): number {
  const w = wall(epochMs, timeZone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(epochMs / 1000) * 1000;
}

/** Epoch ms of local midnight starting the local day y-mo-d (handles DST by re-checking the offset there). */
function localMidnight(y: number, mo: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, mo - 1, d);
  let t = guess - offsetMs(guess, timeZone);
  t = guess - offsetMs(t, timeZone);
  return t;
}

export interface LocalDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  startMs: number;
  /** Start of the next local day. */
  endMs: number;
}

/** The local day (in a time zone, default UTC) containing an instant, with its bounds in epoch ms. */
export function localDayOf(epochMs: number, timeZone = 'UTC'): LocalDay {
  const w = wall(epochMs, timeZone);
  const start = localMidnight(w.y, w.mo, w.d, timeZone);
  const next = new Date(Date.UTC(w.y, w.mo - 1, w.d + 1));
  const end = localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${w.y}-${pad(w.mo)}-${pad(w.d)}`, startMs: start, endMs: end };
}

/** Epoch ms of a local time of day "HH:MM" on the local day containing `dayMs`. */
export function localTimeOn(dayMs: number, hhmm: string, timeZone = 'UTC'): number {
  const day = localDayOf(dayMs, timeZone);
  const [h, m] = hhmm.split(':').map(Number);
  const naive = day.startMs + (h * 60 + m) * 60_000;
  // Across a DST change the naive sum is off by the change; correct with the offsets at both ends.
  return naive + (offsetMs(day.startMs, timeZone) - offsetMs(naive, timeZone));
}

/**
 * An instant as ISO-8601 local time in a time zone, with that zone's offset then: `2026-11-23T07:00:00.000-07:00`
 * (`Z` at offset 0, as `toISOString`). Unambiguous even in the repeated hour when clocks go back.
 */
export function localIsoTime(epochMs: number, timeZone = 'UTC'): string {
  const offset = offsetMs(epochMs, timeZone);
  const text = new Date(epochMs + offset).toISOString().slice(0, 23);
  if (offset === 0) return `${text}Z`;
  const minutes = Math.abs(offset) / 60_000;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${text}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
