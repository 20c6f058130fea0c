import type { Alarm } from './outbound-messages.js';

export type AlarmInput = Omit<Alarm, 'type' | 'alarmId' | 'atMs' | 'count' | 'firstAtMs'>;

/**
 * The alarms of the live server, coalesced: an alarm with the same cause (code, intersection, controller) as one
 * raised less than `coalesceWindowMs` ago updates that alarm (count + 1, latest time and message) instead of adding
 * another, so a device repeating a fault cannot push every other alarm out of the snapshot. Keeps the
 * `recentAlarms` most recently raised or updated alarms.
 */
export class AlarmBook {
  private readonly byCause = new Map<string, Alarm>();
  private seq = 0;

  constructor(private readonly limits: { recentAlarms: number; alarmCoalesceWindowMs: number }) {}

  /** The alarm raised or updated, and whether it is new. */
  raise(input: AlarmInput, nowMs: number): { alarm: Alarm; isNew: boolean } {
    const cause = causeKey(input);
    const open = this.byCause.get(cause);
    if (open && nowMs - open.atMs < this.limits.alarmCoalesceWindowMs) {
      this.byCause.delete(cause); // re-inserted last: the map's order is recency
      const alarm: Alarm = { ...open, ...input, atMs: nowMs, count: open.count + 1 };
      this.byCause.set(cause, alarm);
      return { alarm, isNew: false };
    }
    this.byCause.delete(cause);
    const alarm: Alarm = { type: 'alarm', alarmId: ++this.seq, atMs: nowMs, firstAtMs: nowMs, count: 1, ...input };
    this.byCause.set(cause, alarm);
    while (this.byCause.size > this.limits.recentAlarms) this.byCause.delete(this.byCause.keys().next().value!);
    return { alarm, isNew: true };
  }

  /** The recent alarms, oldest first. */
  recent(): Alarm[] {
    return [...this.byCause.values()];
  }
}

/** What makes two alarms the same cause. */
export function causeKey(a: Pick<Alarm, 'code' | 'intersectionId' | 'controllerId'>): string {
  return `${a.code}|${a.intersectionId ?? ''}|${a.controllerId ?? ''}`;
}

/** The intersections an alarm is about: who may see it. None = a server-wide alarm, for unrestricted viewers only. */
export function alarmIntersections(a: Pick<Alarm, 'intersectionId' | 'intersectionIds'>): string[] {
  if (a.intersectionIds && a.intersectionIds.length > 0) return a.intersectionIds;
  return a.intersectionId !== undefined ? [a.intersectionId] : [];
}
