import { VirtualAction, VirtualTimeScheduler } from 'rxjs';

/**
 * A virtual-time scheduler whose clock is moved by the data: `advanceTo(t)` runs every timer due up to t
 * (optimisation ticks, health checks) and then sets the clock to t. Replaying a recorded day is then a plain
 * loop over its records, each preceded by `advanceTo(record time)`: deterministic and as fast as the CPU allows.
 * Unlike scheduling every record as a virtual action, only the few timers are ever queued.
 */
export class VirtualClockScheduler extends VirtualTimeScheduler {
  constructor(startEpochMs: number) {
    super(VirtualAction, Infinity);
    this.frame = startEpochMs;
  }

  advanceTo(epochMs: number): void {
    if (epochMs < this.frame) return;
    this.maxFrames = epochMs;
    this.flush();
    this.frame = epochMs;
  }
}
