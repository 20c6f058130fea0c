import type { AtspmEvent } from './event-log.js';
import { BinnedTable, binOf, fixed, formatLocal, type AtspmMeasure, type AtspmTable, type RowSink } from './table.js';

/** Indiana "split change" events 134-149: the programmed split of phases 1-16, seconds, as a parameter. */
const FIRST_SPLIT_EVENT = 134;
const LAST_SPLIT_EVENT = 149;

/**
 * Programmed splits from the coordination split events 134-149: per event code and bin, how many were logged
 * (`Services`) and their mean parameter (`Average_Split`, seconds), as the Python `atspm` `splits.sql` does
 * with its controller's split events.
 */
export class Splits implements AtspmMeasure {
  readonly file = 'splits.csv';
  /** The coordination split events. */
  readonly eventCodes = Array.from({ length: LAST_SPLIT_EVENT - FIRST_SPLIT_EVENT + 1 }, (_, i) => FIRST_SPLIT_EVENT + i);
  private readonly table: BinnedTable<{ services: number; sum: number }>;

  constructor(
    private readonly binMs: number,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'EventId', 'Services', 'Average_Split'], () => ({ services: 0, sum: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.services, fixed(r.value.sum / r.value.services)], sink);
  }

  event(e: AtspmEvent): void {
    if (e.code >= FIRST_SPLIT_EVENT && e.code <= LAST_SPLIT_EVENT) {
      const v = this.table.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.code);
      v.services++;
      v.sum += e.param;
    }
    this.table.advance(e.localMs);
  }

  finish(): AtspmTable {
    return this.table.finish();
  }
}

/**
 * Measured splits: each service of a phase from its begin green (1) to its end of red clearance (11), seconds,
 * counted in the bin of the green; a service missing its end is left out.
 */
export class MeasuredSplits implements AtspmMeasure {
  readonly file = 'measured_splits.csv';
  /** Phase begin green, phase end red clearance. */
  readonly eventCodes = [1, 11];
  private readonly table: BinnedTable<{ services: number; sum: number }>;
  private readonly greens = new Map<string, { atMs: number; localMs: number }>();

  constructor(
    private readonly binMs: number,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'Phase', 'Services', 'Average_Split'], () => ({ services: 0, sum: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.services, fixed(r.value.sum / r.value.services)], sink);
  }

  event(e: AtspmEvent): void {
    this.service(e);
    // A service counts in the bin of its green: greens still open can add to theirs.
    this.table.advance(e.localMs, () => {
      let oldest = Infinity;
      for (const g of this.greens.values()) oldest = Math.min(oldest, g.localMs);
      return oldest;
    });
  }

  private service(e: AtspmEvent): void {
    if (e.code !== 1 && e.code !== 11) return;
    const key = `${e.deviceId}\u0000${e.param}`;
    if (e.code === 1) {
      this.greens.set(key, { atMs: e.atMs, localMs: e.localMs });
      return;
    }
    const g = this.greens.get(key);
    if (!g) return;
    this.greens.delete(key);
    const v = this.table.tally.at(binOf(g.localMs, this.binMs), e.deviceId, e.param);
    v.services++;
    v.sum += (e.atMs - g.atMs) / 1000;
  }

  finish(): AtspmTable {
    return this.table.finish();
  }
}
