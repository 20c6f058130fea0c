import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArrivalMeasures } from '../../replay/arrival-measures.js';
import { measuredNetwork } from '../../replay/measured-lanes.js';
import { PlanTimeline } from '../../replay/signal-timelines.js';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { fallbackPhasePlan, type PhasePlan } from '../../engine/index.js';

const network = arterialCorridorNetwork();
const net = measuredNetwork(network);
const signals = net.intersections.map((x) => x.model.intersection);

/** A plan of intersection x with other greens (the same total, so it stays a valid cycle) and offset. */
function variant(x: number, cycleSeconds: number, offsetSeconds: number, shares: number[]): PhasePlan {
  const base = fallbackPhasePlan(signals[x], 0, 'UTC');
  const lost = base.phases.reduce((s, p) => s + p.yellowSeconds + p.allRedSeconds, 0);
  const total = shares.slice(0, base.phases.length).reduce((s, v) => s + v, 0);
  const phases = base.phases.map((p, i) => ({ ...p, greenSeconds: ((cycleSeconds - lost) * shares[i]) / total }));
  return { ...base, cycleSeconds, offsetSeconds, phases };
}

describe('batched arrivals', () => {
  it('measure exactly as one arrival at a time: counts, arrivals on green, split failures (fast-check)', () => {
    const step = fc.record({
      lane: fc.nat(net.lanes.length - 1),
      // Whole seconds too: arrivals exactly on a green's start or end, where < and <= differ.
      gapSeconds: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.double({ min: 0, max: 120, noNaN: true })),
      // Up to 150 vehicles a minute on one lane: queues that outlast greens, so split failures occur.
      times: fc.array(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 60, noNaN: true })), { minLength: 0, maxLength: 150 }),
      newPlan: fc.option(fc.record({ cycle: fc.integer({ min: 40, max: 180 }), offset: fc.oneof(fc.integer({ min: 0, max: 179 }), fc.double({ min: 0, max: 179, noNaN: true })), shares: fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }) }), { nil: undefined }),
    });
    let failures = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const placeholder = signals.map((x) => fallbackPhasePlan(x, 0, 'UTC'));
        const one = new ArrivalMeasures(net, new PlanTimeline(placeholder), undefined);
        const batched = new ArrivalMeasures(net, new PlanTimeline(placeholder), undefined);
        let t = 1_800_000_000;
        const lastAt = new Float64Array(net.lanes.length).fill(-Infinity);
        for (const s of steps) {
          const x = net.lanes[s.lane].intersection;
          if (s.newPlan) {
            const p = variant(x, s.newPlan.cycle, s.newPlan.offset % s.newPlan.cycle, s.newPlan.shares);
            (one.timeline as PlanTimeline).set(x, p);
            (batched.timeline as PlanTimeline).set(x, p);
          }
          t += s.gapSeconds;
          // Arrivals in time order per lane, as the replay feeds them.
          const times = s.times.map((d) => Math.max(t + d, lastAt[s.lane])).sort((a, b) => a - b);
          if (times.length > 0) lastAt[s.lane] = times[times.length - 1];
          for (const at of times) one.arrival(s.lane, at);
          batched.arrivalsAt(s.lane, times, times.length);
        }
        expect([...batched.arrivals]).toEqual([...one.arrivals]);
        expect([...batched.onGreen]).toEqual([...one.onGreen]);
        expect([...batched.splitFailures]).toEqual([...one.splitFailures]);
        failures += one.splitFailures.reduce((a, b) => a + b, 0);
      }),
      { numRuns: 300 },
    );
    // The runs exercised the queue model, not only the counts.
    expect(failures).toBeGreaterThan(0);
  });
});
