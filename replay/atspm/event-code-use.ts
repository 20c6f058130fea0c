/** Who reads which event codes of a log: the engine's import, the ATSPM tables, or nothing. */
export interface EventCodeUse {
  /** Codes the engine's import uses (phase states; detector counts and arrivals): events of each in the log. */
  engine: Record<string, number>;
  /** Codes only the ATSPM tables read: events of each in the log, and the tables that read it. */
  atspmTablesOnly: Record<string, { events: number; tables: string[] }>;
  /** Codes neither reads (unknown codes, and known ones no measure here uses): events of each in the log. */
  unread: Record<string, number>;
}

/** A table and the event codes it reads. */
export interface TableCodes {
  table: string;
  eventCodes: readonly number[];
}

/**
 * Sorts the codes of a log (`eventsByCode`: code → events) by who reads them: the engine's import
 * (`engineCodes`), else the tables that declare them, else nobody. Codes in numeric order.
 */
export function eventCodeUse(eventsByCode: Record<string, number>, engineCodes: readonly number[], tables: readonly TableCodes[]): EventCodeUse {
  const engine = new Set(engineCodes);
  const out: EventCodeUse = { engine: {}, atspmTablesOnly: {}, unread: {} };
  for (const [key, events] of Object.entries(eventsByCode).sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const code = Number(key);
    if (engine.has(code)) {
      out.engine[key] = events;
      continue;
    }
    const readers = tables.filter((t) => t.eventCodes.includes(code)).map((t) => t.table);
    if (readers.length > 0) out.atspmTablesOnly[key] = { events, tables: readers };
    else out.unread[key] = events;
  }
  return out;
}
