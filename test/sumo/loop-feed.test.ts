import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DetectorTracker } from '../../engine/index.js';
import type { Detector } from '../../network-models/index.js';
import { DetectorCounter } from '../../adapters/sumo/control/detector-counter.js';
import { LoopFeed } from '../../adapters/sumo/control/loop-feed.js';
import type { InductionLoopStep } from '../../adapters/sumo/traci/domains/induction-loop-domain.js';

function detector(id: string, kind: Detector['kind']): Detector {
  return { id, intersectionId: 'x', linkId: `l-${id}`, laneIndex: 0, kind, distanceFromStopLineMetres: kind === 'advance' ? 40 : 0 };
}

/** What the counter and the tracker know of every loop: their every query. */
function state(ids: readonly string[], counter: DetectorCounter, tracker: DetectorTracker, t: number) {
  return ids.map((id) => [
    counter.total(id),
    counter.lastStepCount(id),
    tracker.lastOccupiedSeconds(id),
    tracker.lastGapEventSeconds(id),
    tracker.total(id),
    tracker.occupiedForSeconds(id, t),
    tracker.occupiedAt(id, t),
  ]);
}

// one step of a loop: keep the reading object (SUMO reported nothing new), or a new one; as in SUMO, a loop
// without a vehicle has no occupancy (the vehicles its occupancy counts are among those it reports)
const loopStep = fc.oneof(
  fc.constant(null),
  fc
    .record({ vehicleIds: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 3 }), occupancy: fc.constantFrom(0, 0.25, 0.1, 1) })
    .map((r) => (r.vehicleIds.length === 0 ? { ...r, occupancy: 0 } : r)),
);

describe('loop feed: reads only the loops whose reading can matter', () => {
  it('leaves the counts and the tracker exactly as reading every loop every step would (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Detector['kind']>('stop-line', 'advance'), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.array(loopStep, { minLength: 5, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.boolean()), { maxLength: 40 }),
        fc.boolean(),
        (kinds, steps, separateOccupancy) => {
          const detectors = kinds.map((k, i) => detector(`d${i}`, k));
          const ids = detectors.map((d) => d.id);
          const fullCounter = new DetectorCounter(ids);
          const fullTracker = new DetectorTracker(detectors);
          const feedTracker = new DetectorTracker(detectors);
          // occupancy asked for apart is answered with the next message (the next step, or before the counts)
          let asked: Array<() => void> = [];
          const answer = () => {
            for (const a of asked) a();
            asked = [];
          };
          const feed = new LoopFeed(ids, feedTracker, separateOccupancy ? (id, onValue) => asked.push(() => onValue(readings.get(id)!.occupancy)) : undefined);
          const readings = new Map<string, InductionLoopStep>(ids.map((id) => [id, { vehicleIds: [], occupancy: 0 }]));
          // with occupancy apart, the feed's readings carry vehicles only (the same object while they do not change)
          const vehiclesOnly = new Map<InductionLoopStep, InductionLoopStep>();
          const feedRead = (id: string) => {
            const r = readings.get(id)!;
            if (!separateOccupancy) return r;
            let v = vehiclesOnly.get(r);
            if (!v) vehiclesOnly.set(r, (v = { vehicleIds: r.vehicleIds, occupancy: 0 }));
            return v;
          };
          let t = 0;
          for (const [loopSteps, extraChanged, flush] of steps) {
            t += 1;
            answer();
            const changed: string[] = [];
            ids.forEach((id, i) => {
              const next = loopSteps[i];
              if (next) {
                readings.set(id, next);
                changed.push(id);
              } else if (extraChanged[i]) changed.push(id); // decoded anew with the same values
            });
            const read = (id: string) => readings.get(id);
            // the full reading, as the engine control did before
            fullCounter.addStep(read);
            for (const id of ids) {
              const r = read(id)!;
              fullTracker.observe(t, id, { occupied: r.vehicleIds.length > 0, arrivals: fullCounter.lastStepCount(id) });
            }
            feed.step(t, changed, feedRead);
            expect(state(ids, feed.counter, feedTracker, t)).toEqual(state(ids, fullCounter, fullTracker, t));
            if (flush) {
              answer();
              expect(feed.counter.flush(t * 1000, 30)).toEqual(fullCounter.flush(t * 1000, 30));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads each loop due once a step, and an empty loop not again until its reading changes', () => {
    const detectors = [detector('s', 'stop-line'), detector('a', 'advance')];
    const feed = new LoopFeed(['s', 'a'], new DetectorTracker(detectors));
    const empty: InductionLoopStep = { vehicleIds: [], occupancy: 0 };
    const onA: InductionLoopStep = { vehicleIds: ['v1'], occupancy: 0.5 };
    const reads: string[] = [];
    const read = (r: Record<string, InductionLoopStep>) => (id: string) => (reads.push(id), r[id]);
    feed.step(1, [], read({ s: empty, a: empty }));
    expect(reads).toEqual(['s', 'a']); // the first step reads all, each once (the counter and the tracker share it)
    reads.length = 0;
    feed.step(2, [], read({ s: empty, a: empty }));
    expect(reads).toEqual([]);
    feed.step(3, ['a'], read({ s: empty, a: onA }));
    expect(reads).toEqual(['a']);
    expect(feed.counter.lastStepCount('a')).toBe(1);
    reads.length = 0;
    // the same reading with a vehicle on the loop still counts (occupancy, the tracker's presence)
    feed.step(4, [], read({ s: empty, a: onA }));
    expect(reads).toEqual(['a']);
    expect(feed.counter.lastStepCount('a')).toBe(0);
  });
});
