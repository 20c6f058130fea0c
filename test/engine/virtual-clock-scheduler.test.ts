import { interval, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VirtualClockScheduler } from '../../engine/pipeline/virtual-clock-scheduler.js';

const T0 = Date.UTC(2026, 10, 24);

describe('VirtualClockScheduler', () => {
  it('runs a periodic timer for weeks of virtual time, and unsubscribes it, without building a chain of actions', () => {
    const scheduler = new VirtualClockScheduler(T0);
    let ticks = 0;
    const sub = interval(60_000, scheduler).subscribe(() => ticks++);
    // 20,000 one-minute ticks: RxJS's own VirtualAction would chain 20,000 actions and overflow the stack here
    for (let minute = 1; minute <= 20_000; minute++) scheduler.advanceTo(T0 + minute * 60_000);
    expect(ticks).toBe(20_000);
    expect(scheduler.actions.length).toBe(1);
    expect(() => sub.unsubscribe()).not.toThrow();
    expect(scheduler.actions.every((a) => a.closed)).toBe(true);
    scheduler.advanceTo(T0 + 20_010 * 60_000);
    expect(ticks).toBe(20_000);
  });

  it('runs timers due at the same time in the order they were scheduled, tick after tick', () => {
    const scheduler = new VirtualClockScheduler(T0);
    const order: string[] = [];
    interval(60_000, scheduler).subscribe((i) => order.push(`a${i}`));
    interval(60_000, scheduler).subscribe((i) => order.push(`b${i}`));
    timer(120_000, scheduler).subscribe(() => order.push('once'));
    scheduler.advanceTo(T0 + 3 * 60_000);
    // at 2 min, the one-off timer (scheduled at 0) runs before the ticks rescheduled at 1 min, as in RxJS
    expect(order).toEqual(['a0', 'b0', 'once', 'a1', 'b1', 'a2', 'b2']);
  });

  it('moves its clock with the data and never backwards', () => {
    const scheduler = new VirtualClockScheduler(T0);
    scheduler.advanceTo(T0 + 5_000);
    scheduler.advanceTo(T0 + 1_000);
    expect(scheduler.now()).toBe(T0 + 5_000);
  });
});
