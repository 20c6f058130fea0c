import type { IntersectionKpi } from '../../engine/index.js';
import type { AlarmInput } from './alarm-book.js';

/**
 * Congestion alarms: an intersection whose degree of saturation has stayed above 1 for `congestionAlarmMs`
 * raises one `congestion` alarm; it may raise another only after it has been at or below 1 again. Fed the
 * KPIs of each optimisation interval, on the engine's clock.
 */
export class CongestionWatch {
  /** Since when each intersection has been over capacity (epoch ms), and whether its alarm is out. */
  private readonly over = new Map<string, { sinceMs: number; raised: boolean }>();

  constructor(private readonly congestionAlarmMs: number) {}

  /** The alarms these KPIs raise. */
  check(atMs: number, kpis: readonly IntersectionKpi[]): AlarmInput[] {
    const alarms: AlarmInput[] = [];
    for (const k of kpis) {
      if (!(k.maxDegreeOfSaturation > 1)) {
        this.over.delete(k.intersectionId);
        continue;
      }
      let o = this.over.get(k.intersectionId);
      if (!o) this.over.set(k.intersectionId, (o = { sinceMs: atMs, raised: false }));
      if (!o.raised && atMs - o.sinceMs >= this.congestionAlarmMs) {
        o.raised = true;
        const minutes = Math.round((atMs - o.sinceMs) / 60_000);
        alarms.push({
          severity: 'warning',
          code: 'congestion',
          intersectionId: k.intersectionId,
          message: `${k.intersectionId} over capacity for ${minutes} min: degree of saturation ${k.maxDegreeOfSaturation.toFixed(2)} (above 1 since ${new Date(o.sinceMs).toISOString().slice(11, 16)} UTC)`,
        });
      }
    }
    return alarms;
  }
}
