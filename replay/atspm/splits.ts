import type { AtspmEvent } from './event-log.js';
import { binOf, fixed, formatLocal, Tally, type AtspmMeasure, type AtspmTable } from './table.js';

/** Indiana "split change" events 134-149: the programmed split of phases 1-16, seconds, as a parameter. */
const FIRST_SPLIT_EVENT = 134;
const LAST_SPLIT_EVENT = 149;

/**
 * Programmed splits from the coordination split events 134-149: per event code and bin, how many were logged
 * (`Services`) and their mean parameter (`Average_Split`, seconds), as the Python `atspm` `splits.sql` does
 * with its controller's split events.
 */
export class Splits implements AtspmMeasure {
  private readonly tally = new Tally(() => ({ services: 0, sum: 0 }));

  constructor(private readonly binMs: number) {}

  event(e: AtspmEvent): void {
    if (e.code < FIRST_SPLIT_EVENT || e.code > LAST_SPLIT_EVENT) return;
    const v = this.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.code);
    v.services++;
    v.sum += e.param;
  }

  finish(): AtspmTable {
    return {
      file: 'splits.csv',
      header: ['TimeStamp', 'DeviceId', 'EventId', 'Services', 'Average_Split'],
      rows: this.tally.sorted().map((r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.services, fixed(r.value.sum / r.value.services)]),
    };
  }
}

/**
 * Measured splits: each service of a phase from its begin green (1) to its end of red clearance (11), seconds,
 * counted in the bin of the green; a service missing its end is left out.
 */
export class MeasuredSplits implements AtspmMeasure {
  private readonly tally = new Tally(() => ({ services: 0, sum: 0 }));
  private readonly greens = new Map<string, { atMs: number; localMs: number }>();

  constructor(private readonly binMs: number) {}

  event(e: AtspmEvent): void {
    if (e.code !== 1 && e.code !== 11) return;
    const key = `${e.deviceId}\u0000${e.param}`;
    if (e.code === 1) {
      this.greens.set(key, { atMs: e.atMs, localMs: e.localMs });
      return;
    }
    const g = this.greens.get(key);
    if (!g) return;
    this.greens.delete(key);
    const v = this.tally.at(binOf(g.localMs, this.binMs), e.deviceId, e.param);
    v.services++;
    v.sum += (e.atMs - g.atMs) / 1000;
  }

  finish(): AtspmTable {
    return {
      file: 'measured_splits.csv',
      header: ['TimeStamp', 'DeviceId', 'Phase', 'Services', 'Average_Split'],
      rows: this.tally.sorted().map((r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.services, fixed(r.value.sum / r.value.services)]),
    };
  }
}
