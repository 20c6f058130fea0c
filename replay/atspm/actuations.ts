import type { AtspmEvent } from './event-log.js';
import { binOf, formatLocal, Tally, type AtspmMeasure, type AtspmTable } from './table.js';

/**
 * Detector actuations: every detector-on event (82) of every channel, per bin (Python `atspm`
 * `actuations.sql`; UDOT ATSPM detector volumes). A repeated on without an off between is another actuation.
 */
export class Actuations implements AtspmMeasure {
  private readonly tally = new Tally(() => ({ total: 0 }));

  constructor(private readonly binMs: number) {}

  event(e: AtspmEvent): void {
    if (e.code === 82) this.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.param).total++;
  }

  finish(): AtspmTable {
    return {
      file: 'actuations.csv',
      header: ['TimeStamp', 'DeviceId', 'Detector', 'Total'],
      rows: this.tally.sorted().map((r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.total]),
    };
  }
}
