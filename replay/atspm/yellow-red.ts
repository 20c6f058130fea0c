import type { DetectorConfig } from './detector-config.js';
import type { AtspmEvent } from './event-log.js';
import { BinnedTable, binOf, formatLocal, type AtspmMeasure, type AtspmTable, type RowSink } from './table.js';

interface Cycle {
  yellows: number;
  reds: number;
  redAtMs: number;
  redLocalMs: number;
  /** Actuations in yellow (8) or red (10): [atMs, state, ...]. */
  actuations: number[];
}

/**
 * Yellow and red actuations (red-light running; Python `atspm` `yellow_red.sql`, UDOT ATSPM "Yellow and Red
 * Actuations"): on events (82) of each phase's `Yellow_Red` detectors while the phase shows yellow (from begin
 * yellow, 8) or red (from begin red clearance, 10, to the next begin green), by their offset from begin red
 * clearance rounded to the nearest 0.5 s (negative in yellow). Cycles (begin green to begin green) count only
 * with exactly one yellow and one red, as in the reference; rows are per bin of the cycle's red, phase,
 * `Signal_State` (8 yellow, 10 red) and `Red_Offset` seconds.
 */
export class YellowRedActuations implements AtspmMeasure {
  readonly file = 'yellow_red_actuations.csv';
  /** Phase begin green, yellow, red clearance; detector on. */
  readonly eventCodes = [1, 8, 10, 82];
  private readonly table: BinnedTable<{ count: number }>;
  private readonly cycles = new Map<string, Cycle>();
  private readonly state = new Map<string, number>();

  constructor(
    private readonly config: DetectorConfig,
    private readonly binMs: number,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'Phase', 'Signal_State', 'Red_Offset', 'Count'], () => ({ count: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], r.keys[1], r.keys[2] / 2, r.value.count], sink);
  }

  event(e: AtspmEvent): void {
    this.actuation(e);
    // A cycle counts in the bin of its red, once its next green closes it: cycles in red can add to theirs.
    this.table.advance(e.localMs, () => {
      let oldest = Infinity;
      for (const c of this.cycles.values()) if (c.reds > 0) oldest = Math.min(oldest, c.redLocalMs);
      return oldest;
    });
  }

  private actuation(e: AtspmEvent): void {
    if (e.code === 1 || e.code === 8 || e.code === 10) {
      const key = `${e.deviceId}\u0000${e.param}`;
      this.state.set(key, e.code);
      if (e.code === 1) {
        this.close(e.deviceId, e.param);
        this.cycles.set(key, { yellows: 0, reds: 0, redAtMs: NaN, redLocalMs: NaN, actuations: [] });
        return;
      }
      const c = this.cycles.get(key);
      if (!c) return;
      if (e.code === 8) c.yellows++;
      else if (++c.reds === 1) {
        c.redAtMs = e.atMs;
        c.redLocalMs = e.localMs;
      }
      return;
    }
    if (e.code !== 82) return;
    for (const d of this.config.of(e.deviceId, e.param) ?? []) {
      if (!d.functions.includes('Yellow_Red')) continue;
      const key = `${e.deviceId}\u0000${d.phase}`;
      const s = this.state.get(key);
      const c = this.cycles.get(key);
      if (c && (s === 8 || s === 10)) c.actuations.push(e.atMs, s);
    }
  }

  finish(): AtspmTable {
    for (const key of [...this.cycles.keys()]) {
      const [device, phase] = key.split('\u0000');
      this.close(device, Number(phase));
    }
    return this.table.finish();
  }

  private close(device: string, phase: number): void {
    const key = `${device}\u0000${phase}`;
    const c = this.cycles.get(key);
    this.cycles.delete(key);
    if (!c || c.yellows !== 1 || c.reds !== 1) return;
    const bin = binOf(c.redLocalMs, this.binMs);
    for (let i = 0; i < c.actuations.length; i += 2) {
      // Half-seconds, rounded half away from zero (as SQL ROUND).
      const halves = (2 * (c.actuations[i] - c.redAtMs)) / 1000;
      const rounded = Math.sign(halves) * Math.round(Math.abs(halves));
      this.table.tally.at(bin, device, phase, c.actuations[i + 1], rounded === 0 ? 0 : rounded).count++;
    }
  }
}
