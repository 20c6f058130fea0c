import { describe, expect, it } from 'vitest';
import { DetectorCounter } from '../../adapters/sumo/control/detector-counter.js';
import { LoopQueueEstimator, type LaneLoopLayout } from '../../adapters/sumo/control/loop-queue-estimator.js';

/** Feeds one lane's loops step by step (1 s steps): which vehicles are on each loop. */
function lane(layout: Partial<LaneLoopLayout> = {}) {
  const full: LaneLoopLayout = { stopLineLoop: 'S', advanceLoop: 'A', advanceTravelSeconds: 3.6, capacityVehicles: 26, ...layout };
  const ids = [full.stopLineLoop, full.advanceLoop].filter((d): d is string => d !== undefined);
  const counter = new DetectorCounter(ids);
  const estimator = new LoopQueueEstimator(new Map([['L', full]]), counter);
  let t = 0;
  return {
    step(on: { S?: string[]; A?: string[] } = {}) {
      t += 1;
      const read = (id: string) => ({ vehicleIds: (id === 'S' ? on.S : on.A) ?? [], occupancy: 0 });
      counter.addStep(read);
      estimator.update(t, read);
      return estimator.queue('L');
    },
    queue: () => estimator.queue('L'),
  };
}

describe('queue per lane from two loops', () => {
  it('counts the vehicles between the set-back loop and the stop line (input minus output)', () => {
    const l = lane();
    // a queue forms at the stop line: v1 stands on the stop-line loop, v2 and v3 pass the advance loop behind it
    l.step({ A: ['v1'] });
    l.step({ S: ['v1'] });
    l.step({ S: ['v1'], A: ['v2'] });
    l.step({ S: ['v1'] });
    expect(l.step({ S: ['v1'], A: ['v3'] })).toBe(3);
    // green: v1 leaves, v2 reaches the loop, v1 was counted on arrival, so two still to pass
    expect(l.step({ S: ['v2'] })).toBe(2);
    expect(l.step({ S: ['v3'] })).toBe(1);
  });

  it('re-zeroes when both loops have been quiet for longer than the drive between them (lane changes, missed counts)', () => {
    const l = lane();
    // two vehicles pass the advance loop and change lanes before the stop line: counted in, never out
    l.step({ A: ['a'] });
    l.step({ A: ['b'] });
    expect(l.step()).toBe(2);
    for (let i = 0; i < 3; i++) l.step();
    // 3.6 s to the stop line plus 1 s: nothing can still be between the loops
    expect(l.step()).toBe(0);
    // more counted out than in never makes a negative queue: only the vehicle on the stop-line loop counts
    l.step({ S: ['x'] });
    expect(l.step({ S: ['y'] })).toBe(1);
    expect(l.step()).toBe(0);
    expect(l.step({ A: ['z'] })).toBe(1);
  });

  it('a vehicle standing on the advance loop means the queue reaches back past it: grows at the arrival rate, drains as vehicles pass', () => {
    const l = lane();
    // learn an arrival rate: one vehicle every 4 s for 20 minutes, the stretch emptying in between
    for (let i = 0; i < 300; i++) {
      l.step({ A: [`f${i}`] });
      l.step();
      l.step({ S: [`f${i}`] });
      l.step();
    }
    expect(l.queue()).toBe(0);
    // a queue forms: six vehicles pass the advance loop and stop ahead of it, the seventh stops on it
    for (let i = 0; i < 6; i++) l.step({ A: [`q${i}`], S: ['q0'] });
    l.step({ A: ['q6'], S: ['q0'] });
    const atBlock = l.step({ A: ['q6'], S: ['q0'] });
    expect(atBlock).toBe(7);
    // standing for 40 s more at ~0.25 veh/s: about ten more queue behind it, unseen
    let q = 0;
    for (let i = 0; i < 40; i++) q = l.step({ A: ['q6'], S: ['q0'] });
    expect(q).toBeGreaterThan(7 + 6);
    expect(q).toBeLessThan(7 + 14);
    // the queue moves: one vehicle in over the advance loop and one out over the stop line each second, so it
    // shortens by one a second
    const before = q;
    for (let i = 7; i < 12; i++) q = l.step({ A: [`q${i}`], S: [`q${i - 6}`] });
    expect(q).toBeCloseTo(before - 5, 0);
  });

  it('is capped at what the lane holds', () => {
    const l = lane({ capacityVehicles: 5 });
    for (let i = 0; i < 9; i++) l.step({ A: [`v${i}`], S: ['v0'] });
    expect(l.queue()).toBe(5);
  });

  it('a lane with only a stop-line loop: a vehicle standing on it is a queue of at least one', () => {
    const l = lane({ advanceLoop: undefined, advanceTravelSeconds: 0 });
    expect(l.step({ S: ['v1'] })).toBe(1);
    expect(l.step({ S: ['v1'] })).toBe(1);
    expect(l.step()).toBe(0);
  });
});
