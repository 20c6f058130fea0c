import { Observable } from 'rxjs';
import type { VirtualClockScheduler } from './virtual-clock-scheduler.js';

/**
 * Emits recorded items in virtual time: before each item the clock moves to its time (firing any timers due),
 * and after the last one it moves on to `endMs` so that final timers fire. Items must be in time order; an item
 * whose time cannot be read is passed through at the current clock, for the pipeline to reject.
 */
export function virtualTimeSource<T>(items: Iterable<T>, scheduler: VirtualClockScheduler, timeOf: (item: T) => number | undefined, endMs?: number): Observable<T> {
  return new Observable<T>((subscriber) => {
    let last = scheduler.now();
    for (const item of items) {
      if (subscriber.closed) return;
      const t = timeOf(item);
      if (t !== undefined && Number.isFinite(t) && t > last) {
        scheduler.advanceTo(t);
        last = t;
      }
      subscriber.next(item);
    }
    if (endMs !== undefined) scheduler.advanceTo(endMs);
    subscriber.complete();
  });
}
