import type { AtspmEvent } from './event-log.js';
import { PHASE_WAIT_EVENT_CODES, PhaseWaitSkips } from './phase-wait-skips.js';
import { BinnedTable, binOf, formatLocal, type AtspmMeasure, type AtspmTable, type RowSink } from './table.js';

const GREEN_TERMINATION = 7;
/** Key of skips in the tally (after the event codes, so rows sort GapOut, MaxOut, ForceOff, Unknown, Skip). */
const SKIP = 8;
const MEASURE: Record<number, string> = { 4: 'GapOut', 5: 'MaxOut', 6: 'ForceOff', [GREEN_TERMINATION]: 'Unknown', [SKIP]: 'Skip' };

/**
 * Phase terminations per phase and bin: gap-outs (4), max-outs (5) and force-offs (6), as the Python `atspm`
 * `terminations.sql` counts them, and `Unknown`, as UDOT ATSPM 5's Phase Termination (`AnalysisPhaseService`):
 * a phase green termination (7) with no gap-out, max-out or force-off of the same phase at the same time; and
 * `Skip`, the Python package's skipped phases (`PhaseWaitSkips`), in the bin of the green that ended the wait.
 */
export class Terminations implements AtspmMeasure {
  readonly file = 'terminations.csv';
  /** Gap out, max out, force off, green termination; and what judging skips reads (`PHASE_WAIT_EVENT_CODES`). */
  readonly eventCodes = [...new Set([4, 5, 6, GREEN_TERMINATION, ...PHASE_WAIT_EVENT_CODES])].sort((a, b) => a - b);
  private readonly table: BinnedTable<{ total: number }>;
  /** Per device and phase: the time of its last 4/5/6, and a 7 not yet known to have one beside it. */
  private readonly phases = new Map<string, { lastTerminationMs: number; pending: AtspmEvent | undefined }>();
  private readonly pending = new Set<string>();
  private readonly skips = new PhaseWaitSkips((device, phase, endLocalMs) => this.table.tally.at(binOf(endLocalMs, this.binMs), device, phase, SKIP).total++);

  constructor(
    private readonly binMs: number,
    sink?: RowSink,
  ) {
    this.table = new BinnedTable(this.file, ['TimeStamp', 'DeviceId', 'Phase', 'PerformanceMeasure', 'Total'], () => ({ total: 0 }), binMs, (r) => [formatLocal(r.bin), r.device, r.keys[0], MEASURE[r.keys[1]], r.value.total], sink);
  }

  event(e: AtspmEvent): void {
    this.count(e);
    this.skips.event(e);
    this.table.advance(e.localMs, () => {
      let oldest = this.skips.oldestPendingLocalMs();
      for (const key of this.pending) oldest = Math.min(oldest, this.phases.get(key)!.pending!.localMs);
      return oldest;
    });
  }

  private count(e: AtspmEvent): void {
    // A 7 still pending once the log has moved past its time had no 4/5/6 beside it.
    if (this.pending.size > 0) for (const key of this.pending) if (this.phases.get(key)!.pending!.atMs < e.atMs) this.settle(key);
    if (e.code !== GREEN_TERMINATION && (e.code < 4 || e.code > 6)) return;
    const key = `${e.deviceId}\u0000${e.param}`;
    let p = this.phases.get(key);
    if (!p) this.phases.set(key, (p = { lastTerminationMs: NaN, pending: undefined }));
    if (e.code === GREEN_TERMINATION) {
      if (p.lastTerminationMs === e.atMs) return;
      p.pending = e;
      this.pending.add(key);
      return;
    }
    this.table.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.param, e.code).total++;
    p.lastTerminationMs = e.atMs;
    if (p.pending?.atMs === e.atMs) {
      p.pending = undefined;
      this.pending.delete(key);
    }
  }

  finish(): AtspmTable {
    for (const key of this.pending) this.settle(key);
    this.skips.finish();
    return this.table.finish();
  }

  private settle(key: string): void {
    const p = this.phases.get(key)!;
    const e = p.pending!;
    this.table.tally.at(binOf(e.localMs, this.binMs), e.deviceId, e.param, GREEN_TERMINATION).total++;
    p.pending = undefined;
    this.pending.delete(key);
  }
}
