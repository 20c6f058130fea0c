import type { DetectorConfig } from './detector-config.js';
import type { AtspmEvent } from './event-log.js';
import { SplitFailureCycles, type SplitFailureCycle } from './split-failure-cycles.js';
import { compareDevices, fixed, formatLocal, type AtspmMeasure, type AtspmTable } from './table.js';

/**
 * Split failures, one row a judged cycle (see `SplitFailureCycles` for the definition), from each phase's
 * `Presence` detectors: `TimeStamp` is the start of the cycle's green (local time), `Green_Time` seconds,
 * `Green_Occupancy` and `Red_Occupancy` fractions 0-1, `Split_Failure` 1 or 0.
 */
export class SplitFailureTable implements AtspmMeasure {
  private readonly devices = new Map<string, SplitFailureCycles>();
  private readonly rows: Array<{ device: string; cycle: SplitFailureCycle }> = [];

  constructor(private readonly config: DetectorConfig) {}

  event(e: AtspmEvent): void {
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

  finish(): AtspmTable {
    this.rows.sort((a, b) => a.cycle.greenStartMs - b.cycle.greenStartMs || compareDevices(a.device, b.device) || a.cycle.phase - b.cycle.phase);
    return {
      file: 'split_failures.csv',
      header: ['TimeStamp', 'DeviceId', 'Phase', 'Green_Time', 'Green_Occupancy', 'Red_Occupancy', 'Split_Failure'],
      rows: this.rows.map(({ device, cycle: c }) => [formatLocal(c.greenStartLabelMs), device, c.phase, fixed(c.greenMs / 1000, 3), fixed(c.greenOccupancy), fixed(c.redOccupancy), c.failed ? 1 : 0]),
    };
  }

  private cycles(device: string): SplitFailureCycles {
    let c = this.devices.get(device);
    if (!c) this.devices.set(device, (c = new SplitFailureCycles((cycle) => this.rows.push({ device, cycle }))));
    return c;
  }
}
