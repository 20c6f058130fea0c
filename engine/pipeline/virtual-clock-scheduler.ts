import { Subscription, VirtualAction, VirtualTimeScheduler } from 'rxjs';

/**
 * A virtual-time scheduler whose clock is moved by the data: `advanceTo(t)` runs every timer due up to t
 * (optimisation ticks, health checks) and then sets the clock to t. Replaying a recorded day is then a plain
 * loop over its records, each preceded by `advanceTo(record time)`: deterministic and as fast as the CPU allows.
 * Unlike scheduling every record as a virtual action, only the few timers are ever queued.
 */
export class VirtualClockScheduler extends VirtualTimeScheduler {
  constructor(startEpochMs: number) {
    super(ClockAction, Infinity);
    this.frame = startEpochMs;
  }

  advanceTo(epochMs: number): void {
    if (epochMs < this.frame) return;
    this.maxFrames = epochMs;
    this.flush();
    this.frame = epochMs;
  }
}

/**
 * RxJS's VirtualAction, rescheduled from its own run (a periodic timer such as `interval`), chains a new action
 * to itself each time: a day of one-minute ticks is a chain of 1,440 actions, all kept alive, and unsubscribing
 * it recurses once per link (a two-day replay overflowed the stack). This action reuses itself instead, taking
 * a fresh index so that timers due at the same time still run in the order they were scheduled.
 */
class ClockAction<T> extends VirtualAction<T> {
  override schedule(state?: T, delay = 0): Subscription {
    if (this.id !== undefined && Number.isFinite(delay) && !this.closed && !this.scheduler.actions.includes(this)) {
      this.id = undefined;
      this.index = this.scheduler.index += 1;
    }
    return super.schedule(state, delay);
  }
}
