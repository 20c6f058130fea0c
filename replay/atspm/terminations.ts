import type { AtspmEvent } from './event-log.js';
import { binOf, formatLocal, Tally, type AtspmMeasure, type AtspmTable } from './table.js';

const MEASURE: Record<number, string> = { 4: 'GapOut', 5: 'MaxOut', 6: 'ForceOff' };

/** Phase terminations: gap-outs (4), max-outs (5) and force-offs (6) per phase and bin (Python `atspm` `terminations.sql`). */
export class Terminations implements AtspmMeasure {
  private readonly tally = new Tally(() => ({ total: 0 }));

  constructor(private readonly binMs: number) {}

  event(e: AtspmEvent): void {
    if (e.code >= 4 && e.code <= 6) this.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.param, e.code).total++;
  }

  finish(): AtspmTable {
    return {
      file: 'terminations.csv',
      header: ['TimeStamp', 'DeviceId', 'Phase', 'PerformanceMeasure', 'Total'],
      rows: this.tally.sorted().map((r) => [formatLocal(r.bin), r.device, r.keys[0], MEASURE[r.keys[1]], r.value.total]),
    };
  }
}
