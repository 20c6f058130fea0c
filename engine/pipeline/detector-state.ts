import type { Detector } from '../../network-models/index.js';
import type { DetectorCount, DetectorFaultKind, DetectorHealth } from './engine-events.js';

const SLOTS_PER_DAY = 96;

/** Running state of one detector: smoothed flow, a time-of-day history, and the evidence for its health. */
export class DetectorState {
  lastTimestampMs = -Infinity;
  /** Smoothed flow, veh/h; NaN until the first count. */
  flowVehPerHour = NaN;
  occupancy: number | undefined;
  fault: DetectorFaultKind | undefined;
  /** Since when occupancy has been at or above the stuck-on threshold (epoch ms), or NaN. */
  highOccupancySinceMs = NaN;
  /** Since when every count has been zero (epoch ms), or NaN. */
  zeroSinceMs = NaN;
  /** Flow by 15-minute slot of the day, learned from healthy periods; NaN where unknown. */
  readonly history = new Float64Array(SLOTS_PER_DAY).fill(NaN);
  countsAccepted = 0;
  /** Smoothed flow when the detector was last seen healthy, and when (epoch ms). */
  lastHealthyFlowVehPerHour = NaN;
  lastHealthyAtMs = NaN;

  constructor(readonly detector: Detector) {}

  /** Adds a validated count: exponential smoothing with time constant `smoothingSeconds`, weighted by the interval. */
  add(c: DetectorCount, smoothingSeconds: number, stuckOnOccupancy: number): void {
    const observed = (c.count * 3600) / c.intervalSeconds;
    if (Number.isNaN(this.flowVehPerHour)) this.flowVehPerHour = observed;
    else this.flowVehPerHour += (1 - Math.exp(-c.intervalSeconds / smoothingSeconds)) * (observed - this.flowVehPerHour);
    const start = c.timestampMs - c.intervalSeconds * 1000;
    if (c.occupancy !== undefined) {
      this.occupancy = c.occupancy;
      if (c.occupancy >= stuckOnOccupancy) {
        if (Number.isNaN(this.highOccupancySinceMs)) this.highOccupancySinceMs = start;
      } else this.highOccupancySinceMs = NaN;
    }
    if (c.count === 0) {
      if (Number.isNaN(this.zeroSinceMs)) this.zeroSinceMs = start;
    } else this.zeroSinceMs = NaN;
    this.lastTimestampMs = c.timestampMs;
    this.countsAccepted++;
  }

  learnHistory(slot: number, nowMs: number): void {
    if (this.fault || Number.isNaN(this.flowVehPerHour)) return;
    this.lastHealthyFlowVehPerHour = this.flowVehPerHour;
    this.lastHealthyAtMs = nowMs;
    const h = this.history[slot];
    this.history[slot] = Number.isNaN(h) ? this.flowVehPerHour : h + 0.2 * (this.flowVehPerHour - h);
  }

  health(intersectionId: string): DetectorHealth {
    const h: DetectorHealth = {
      detectorId: this.detector.id,
      intersectionId,
      healthy: this.fault === undefined,
      flowVehPerHour: Number.isNaN(this.flowVehPerHour) ? 0 : Math.round(this.flowVehPerHour),
    };
    if (this.fault) h.fault = this.fault;
    if (Number.isFinite(this.lastTimestampMs)) h.lastCountAtMs = this.lastTimestampMs;
    if (this.occupancy !== undefined) h.occupancy = this.occupancy;
    return h;
  }
}

export function slotOfMinute(minuteOfDay: number): number {
  return Math.min(SLOTS_PER_DAY - 1, Math.floor(minuteOfDay / 15));
}
