import type { AtspmEvent } from './event-log.js';
import { BinnedTable, binOf, formatLocal, type AtspmMeasure, type AtspmTable, type RowSink } from './table.js';

/**
 * Detector actuations: every detector-on event (82) of every channel, per bin (Python `atspm`
 * `actuations.sql`; UDOT ATSPM detector volumes). A repeated on without an off between is another actuation.
 */
export class Actuations implements AtspmMeasure {
  readonly file = 'actuations.csv';
  readonly eventCodes = [82];
  private readonly table: BinnedTable<{ total: number }>;

  constructor(
    private readonly binMs: number,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'Detector', 'Total'], () => ({ total: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.total], sink);
  }

  event(e: AtspmEvent): void {
    if (e.code === 82) this.table.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.param).total++;
    this.table.advance(e.localMs);
  }

  finish(): AtspmTable {
    return this.table.finish();
  }
}
