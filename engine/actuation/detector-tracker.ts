import type { Detector } from '../../network-models/index.js';
import type { DetectorReading } from './actuation-types.js';

/**
 * What the local actuation needs to remember of each detector: when a vehicle was last on it (calls), when it
 * last saw what keeps a green (gaps), and how many vehicles have arrived on it (queues counted on red).
 *
 * Gaps are judged by presence on set-back loops and by passage on stop-line loops ('hybrid'): a vehicle standing
 * at the stop line, a turner waiting for a gap or one blocked by a queue beyond the junction, calls its phase but
 * does not hold its green.
 */
export class DetectorTracker {
  private readonly lastOccupied = new Map<string, number>();
  private readonly lastGapEvent = new Map<string, number>();
  private readonly totals = new Map<string, number>();
  private readonly occupiedSince = new Map<string, number>();
  private readonly gapByPresence = new Map<string, boolean>();
  /** Arrival times of the last RECENT_SECONDS on each detector, oldest first (one entry a vehicle). */
  private readonly recent = new Map<string, number[]>();

  constructor(detectors: readonly Detector[], gapDetection: 'passage' | 'presence' | 'hybrid' = 'hybrid') {
    for (const d of detectors) this.gapByPresence.set(d.id, gapDetection === 'presence' || (gapDetection === 'hybrid' && d.kind === 'advance'));
  }

  observe(tSeconds: number, detectorId: string, r: DetectorReading): void {
    if (r.occupied) {
      this.lastOccupied.set(detectorId, tSeconds);
      if (!this.occupiedSince.has(detectorId)) this.occupiedSince.set(detectorId, tSeconds);
    } else this.occupiedSince.delete(detectorId);
    if (r.arrivals > 0) {
      this.totals.set(detectorId, (this.totals.get(detectorId) ?? 0) + r.arrivals);
      let list = this.recent.get(detectorId);
      if (!list) this.recent.set(detectorId, (list = []));
      for (let i = 0; i < r.arrivals; i++) list.push(tSeconds);
      let old = 0;
      while (old < list.length && list[old] < tSeconds - RECENT_SECONDS) old++;
      if (old > 0) list.splice(0, old);
    }
    const keepsGreen = this.gapByPresence.get(detectorId) ? r.occupied : r.arrivals > 0;
    if (keepsGreen) this.lastGapEvent.set(detectorId, tSeconds);
  }

  lastOccupiedSeconds(detectorId: string): number {
    return this.lastOccupied.get(detectorId) ?? -Infinity;
  }

  lastGapEventSeconds(detectorId: string): number {
    return this.lastGapEvent.get(detectorId) ?? -Infinity;
  }

  /** Arrival times on the detector after `sinceSeconds` (at most RECENT_SECONDS back), oldest first. */
  arrivalsAfter(detectorId: string, sinceSeconds: number): number[] {
    const list = this.recent.get(detectorId);
    if (!list) return [];
    let i = list.length;
    while (i > 0 && list[i - 1] > sinceSeconds) i--;
    return list.slice(i);
  }

  /** Vehicles that have arrived on the detector since the start. */
  total(detectorId: string): number {
    return this.totals.get(detectorId) ?? 0;
  }

  /** How long a vehicle (or an unbroken line of them) has been on the detector, seconds; 0 when it is free. */
  occupiedForSeconds(detectorId: string, tSeconds: number): number {
    const since = this.occupiedSince.get(detectorId);
    return since === undefined ? 0 : tSeconds - since;
  }

  /** A vehicle is on the detector at `tSeconds`. */
  occupiedAt(detectorId: string, tSeconds: number): boolean {
    return this.lastOccupied.get(detectorId) === tSeconds;
  }
}

/** How far back arrival times are kept, seconds (longer than any travel from an advance loop to its stop line). */
const RECENT_SECONDS = 60;
