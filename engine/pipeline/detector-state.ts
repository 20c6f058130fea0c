import type { Detector } from '../../network-models/index.js';
import type { DetectorCount, DetectorFaultKind, DetectorHealth } from './engine-events.js';

const SLOTS_PER_DAY = 96;

/** Running state of one detector: smoothed flow, a time-of-day history, and the evidence for its health. */
export class DetectorState {
  lastTimestampMs = -Infinity;
  /** Smoothed flow, veh/h; NaN until the first count. */
  flowVehPerHour = NaN;
  /** How much of the smoothing window the counts so far cover, 0..1 (the bias correction of the smoothing). */
  private evidence = 0;
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

  /**
   * Adds a validated count: exponential smoothing with time constant `smoothingSeconds`, weighted by the interval,
   * and corrected for the evidence it has (bias-corrected, as in Adam: Kingma & Ba 2015, sect. 3). Without the
   * correction the first count stood for the whole past: a detector reporting every 10 s started from one 10-s
   * count (0, 360, 720 veh/h ...) and took minutes to forget it, while the same traffic counted each minute
   * started from a minute's count; the larger of two such noisy detectors, and the most critical movement, then
   * read twice the traffic (the live demo's degree of saturation 2.97 where a replay of the same morning gave
   * 0.66). With it the estimate is the mean flow over what was counted until the time constant is reached, and
   * the same traffic gives the same flow however it is cut into intervals. A gap in the counts (the device was
   * away) ages the evidence the same way, so a detector that comes back is not held to its old flow.
   */
  add(c: DetectorCount, smoothingSeconds: number, stuckOnOccupancy: number): void {
    const observed = (c.count * 3600) / c.intervalSeconds;
    const start = c.timestampMs - c.intervalSeconds * 1000;
    if (Number.isNaN(this.flowVehPerHour)) {
      this.flowVehPerHour = observed;
      this.evidence = 0;
    } else if (start > this.lastTimestampMs) this.evidence *= Math.exp(-(start - this.lastTimestampMs) / 1000 / smoothingSeconds);
    const weight = 1 - Math.exp(-c.intervalSeconds / smoothingSeconds);
    this.evidence += weight * (1 - this.evidence);
    this.flowVehPerHour += (weight / this.evidence) * (observed - this.flowVehPerHour);
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
