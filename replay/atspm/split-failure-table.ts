import type { DetectorConfig } from './detector-config.js';
import type { AtspmEvent } from './event-log.js';
import { SplitFailureCycles, type SplitFailureCycle } from './split-failure-cycles.js';
import { compareDevices, fixed, formatLocal, type AtspmMeasure, type AtspmRow, type AtspmTable, type RowSink } from './table.js';

/** Judged rows are ordered and handed on at most this often (log time), or once this many are waiting. */
const FLUSH_EVERY_MS = 60_000;
const FLUSH_ROWS = 4096;

export const SPLIT_FAILURE_FILE = 'split_failures.csv';
export const SPLIT_FAILURE_HEADER = ['TimeStamp', 'DeviceId', 'Phase', 'Green_Time', 'Green_Occupancy', 'Red_Occupancy', 'Split_Failure'] as const;

/**
 * Split failures, one row a judged cycle (see `SplitFailureCycles` for the definition), from each phase's
 * `Presence` detectors: `TimeStamp` is the start of the cycle's green (local time), `Green_Time` seconds,
 * `Green_Occupancy` and `Red_Occupancy` fractions 0-1, `Split_Failure` 1 or 0.
 *
 * Rows go to `sink` as the log goes, in order of green start, device, phase: a judged row waits only until no
 * cycle still open can come before it (its green started earlier), so memory does not grow with the length of
 * the log. Without `sink`, `finish` returns them all.
 */
export class SplitFailureTable implements AtspmMeasure {
  readonly file = SPLIT_FAILURE_FILE;
  /** Phase begin green, yellow, red clearance; detector off and on. */
  readonly eventCodes = [1, 8, 10, 81, 82];
  private readonly devices = new Map<string, SplitFailureCycles>();
  private pending: Array<{ device: string; cycle: SplitFailureCycle }> = [];
  private readonly kept: AtspmRow[] = [];
  private readonly onRow: (row: AtspmRow) => void;
  private readonly streaming: boolean;
  private rowsOut = 0;
  private nextFlushMs = -Infinity;

  constructor(
    private readonly config: DetectorConfig,
    sink?: RowSink,
  ) {
    this.streaming = sink !== undefined;
    this.onRow = sink?.(SPLIT_FAILURE_FILE, SPLIT_FAILURE_HEADER) ?? ((row) => this.kept.push(row));
  }

  event(e: AtspmEvent): void {
    this.judge(e);
    if (this.pending.length > 0 && (e.atMs >= this.nextFlushMs || this.pending.length >= FLUSH_ROWS)) {
      this.nextFlushMs = e.atMs + FLUSH_EVERY_MS;
      // Cycles not yet judged started their green before any later event: none can come before `e`'s time.
      let open = e.atMs;
      for (const c of this.devices.values()) open = Math.min(open, c.oldestOpenGreenMs());
      this.flush(open);
    }
  }

  finish(): AtspmTable {
    this.flush(Infinity);
    return {
      file: SPLIT_FAILURE_FILE,
      header: SPLIT_FAILURE_HEADER,
      rows: this.kept,
      ...(this.streaming ? { streamed: { rowCount: this.rowsOut } } : {}),
    };
  }

  private judge(e: AtspmEvent): void {
    const phaseEvent = e.code === 1 ? 'green' : e.code === 8 ? 'yellow' : e.code === 10 ? 'red' : undefined;
    if (phaseEvent) return this.cycles(e.deviceId).phase(e.param, phaseEvent, e.atMs, e.localMs);
    if (e.code !== 81 && e.code !== 82) {
      this.devices.get(e.deviceId)?.advance(e.atMs);
      return;
    }
    const entries = this.config.of(e.deviceId, e.param);
    if (!entries) return;
    for (const d of entries) if (d.functions.includes('Presence')) this.cycles(e.deviceId).detector(d.phase, d.channel, e.code === 82, e.atMs);
  }

  /** Hands on, in order, the judged rows whose green started before `beforeMs`. */
  private flush(beforeMs: number): void {
    const ready = this.pending.filter((r) => r.cycle.greenStartMs < beforeMs);
    if (ready.length === 0) return;
    this.pending = this.pending.filter((r) => !(r.cycle.greenStartMs < beforeMs));
    ready.sort((a, b) => a.cycle.greenStartMs - b.cycle.greenStartMs || compareDevices(a.device, b.device) || a.cycle.phase - b.cycle.phase);
    for (const { device, cycle: c } of ready) {
      this.rowsOut++;
      this.onRow([formatLocal(c.greenStartLabelMs), device, c.phase, fixed(c.greenMs / 1000, 3), fixed(c.greenOccupancy), fixed(c.redOccupancy), c.failed ? 1 : 0]);
    }
  }

  private cycles(device: string): SplitFailureCycles {
    let c = this.devices.get(device);
    if (!c) this.devices.set(device, (c = new SplitFailureCycles((cycle) => this.pending.push({ device, cycle }))));
    return c;
  }
}
