import type { DetectorConfig } from './detector-config.js';
import type { AtspmEvent } from './event-log.js';
import { BinnedTable, binOf, fixed, formatLocal, type AtspmMeasure, type AtspmTable, type RowSink } from './table.js';

interface Arrival {
  atMs: number;
  localMs: number;
  deviceId: string;
  phase: number;
}

/**
 * Arrivals on green (Python `atspm` `arrival_on_green.sql`; UDOT ATSPM "Purdue Coordination Diagram"): the
 * on events (82) of each phase's `Advance` detectors, moved to the stop bar by distance / approach speed when
 * the configuration gives both, judged against the phase's state from its own events: green from begin green
 * (1) to begin yellow (8); yellow and red are not green. At equal times a phase event comes first, as the
 * reference orders by time then event code. Arrivals before the log's first event of their phase are not
 * judged (their phase's state is unknown) and are counted apart. Per phase and bin (of the arrival at the
 * stop bar): `Total_Actuations` and `Percent_AOG`, the share on green as a fraction 0-1 (as the reference).
 */
export class ArrivalOnGreen implements AtspmMeasure {
  readonly file = 'arrival_on_green.csv';
  /** Phase begin green, yellow, red clearance; detector on. */
  readonly eventCodes = [1, 8, 10, 82];
  private readonly table: BinnedTable<{ total: number; green: number }>;
  /** Last phase event (1, 8 or 10) of each device's phase. */
  private readonly state = new Map<string, number>();
  /** Arrivals not yet at the stop bar, in time order. */
  private readonly pending: Arrival[] = [];
  /** Advance actuations before their phase's first event. */
  unjudged = 0;

  constructor(
    private readonly config: DetectorConfig,
    private readonly binMs: number,
    /** Each judged arrival at the stop bar (for per-phase PCDs), before the phase events at its time. */
    private readonly onArrival?: (deviceId: string, phase: number, atMs: number, green: boolean) => void,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'Phase', 'Total_Actuations', 'Percent_AOG'], () => ({ total: 0, green: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], r.value.total, fixed(r.value.green / r.value.total)], sink);
  }

  event(e: AtspmEvent): void {
    this.arrive(e);
    // Arrivals still on their way to the stop bar count in the bin they reach it in.
    this.table.advance(e.localMs, () => this.pending[0]?.localMs ?? Infinity);
  }

  private arrive(e: AtspmEvent): void {
    const phaseEvent = e.code === 1 || e.code === 8 || e.code === 10;
    this.flush(e.atMs, phaseEvent);
    if (phaseEvent) {
      this.state.set(`${e.deviceId}\u0000${e.param}`, e.code);
      return;
    }
    if (e.code !== 82) return;
    for (const d of this.config.of(e.deviceId, e.param) ?? []) {
      if (!d.functions.includes('Advance')) continue;
      const shiftMs = d.distanceFromStopBarMetres !== undefined && d.approachSpeedMetresPerSecond ? (d.distanceFromStopBarMetres / d.approachSpeedMetresPerSecond) * 1000 : 0;
      const a = { atMs: e.atMs + shiftMs, localMs: e.localMs + shiftMs, deviceId: e.deviceId, phase: d.phase };
      let i = this.pending.length;
      while (i > 0 && this.pending[i - 1].atMs > a.atMs) i--;
      this.pending.splice(i, 0, a);
    }
    this.flush(e.atMs, false);
  }

  finish(): AtspmTable {
    this.flush(Infinity, false);
    return this.table.finish();
  }

  /** Judges arrivals up to t (before t when a phase event at t is next). */
  private flush(t: number, beforePhaseEvent: boolean): void {
    let n = 0;
    while (n < this.pending.length && (beforePhaseEvent ? this.pending[n].atMs < t : this.pending[n].atMs <= t)) n++;
    if (n === 0) return;
    for (const a of this.pending.splice(0, n)) {
      const s = this.state.get(`${a.deviceId}\u0000${a.phase}`);
      if (s === undefined) {
        this.unjudged++;
        continue;
      }
      const v = this.table.tally.at(binOf(a.localMs, this.binMs), a.deviceId, a.phase);
      v.total++;
      if (s === 1) v.green++;
      this.onArrival?.(a.deviceId, a.phase, a.atMs, s === 1);
    }
  }
}
