import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fallbackPhasePlan, type PhasePlan } from '../../engine/index.js';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { ArrivalMeasures } from '../../replay/arrival-measures.js';
import { placeArrivals } from '../../replay/arrival-model.js';
import { MeasureClient } from '../../replay/measure-client.js';
import type { BinMeasures } from '../../replay/measure-core.js';
import { measuredNetwork } from '../../replay/measured-lanes.js';
import { pcdFigures } from '../../replay/pcd-figure.js';
import { ReplayRun } from '../../replay/replay-run.js';
import { renderReport } from '../../replay/report-html.js';
import { ObservedTimeline, PlanTimeline } from '../../replay/signal-timelines.js';

const network = arterialCorridorNetwork();
const net = measuredNetwork(network);
const signals = net.intersections.map((x) => x.model.intersection);
const day = Date.UTC(2026, 10, 23);

/** A few plans per intersection, shared objects, so that the same plan object is put in force again. */
const pool: PhasePlan[][] = signals.map((x) =>
  [0, 1, 2].map((k) => {
    const p = fallbackPhasePlan(x, day + k * 8 * 3_600_000);
    return { ...p, offsetSeconds: (p.offsetSeconds + 7 * k) % p.cycleSeconds, version: k };
  }),
);

type Step = { kind: 'set'; track: 0 | 1; x: number; plan: number } | { kind: 'count'; lane: number; count: number } | { kind: 'close' };

/** The measures as the replay computed them in line before the measure thread: ArrivalMeasures over the timelines, plan objects set directly. */
function reference(steps: Step[]): BinMeasures[] {
  const placeholder = signals.map((x) => fallbackPhasePlan(x, 0));
  const actualPlans = new PlanTimeline(placeholder);
  const observed = new ObservedTimeline(actualPlans, signals.map((x) => x.phases.length));
  const engine = new PlanTimeline(placeholder);
  const tracks = [
    { timeline: observed, measures: new ArrivalMeasures(net, observed, undefined) },
    { timeline: engine, measures: new ArrivalMeasures(net, engine, undefined) },
  ];
  const bins: BinMeasures[] = [];
  const times: number[] = [];
  const w: number[] = [];
  let t = day;
  for (const s of steps) {
    if (s.kind === 'set') (s.track === 0 ? actualPlans : engine).set(s.x, pool[s.x][s.plan]);
    else if (s.kind === 'count') {
      t += 20_000;
      const lane = net.lanes[s.lane];
      const to = t / 1000 + lane.shiftSeconds;
      const from = to - 60;
      for (const { timeline, measures } of tracks) {
        let wc = 0;
        if (lane.upstream) {
          const tt = lane.upstream.travelSeconds;
          wc = timeline.greenWindowsInto(lane.upstream.intersection, lane.upstream.phases, from - tt, to - tt, w, 0);
          for (let j = 0; j < wc; j++) w[j] += tt;
        }
        measures.arrivalsAt(s.lane, times, placeArrivals(s.count, from, to, w, 0.7, times, wc));
      }
    } else {
      const [a, e] = tracks.map((k) => k.measures);
      bins.push({
        actual: { arrivals: a.arrivals.slice(), onGreen: a.onGreen.slice(), splitFailures: a.splitFailures.slice() },
        engine: { arrivals: e.arrivals.slice(), onGreen: e.onGreen.slice(), splitFailures: e.splitFailures.slice() },
      });
      a.resetBin();
      e.resetBin();
    }
  }
  return bins;
}

function throughClient(steps: Step[], threaded: boolean): BinMeasures[] {
  const client = new MeasureClient({ net, initialPlans: net.intersections.map((x) => fallbackPhasePlan(x.model.intersection, 0, 'UTC')), pcdIntersections: [], platoonShare: 0.7, timeZone: 'UTC' }, threaded);
  const bins: BinMeasures[] = [];
  let t = day;
  try {
    for (const s of steps) {
      if (s.kind === 'set') client.set(s.track, s.x, pool[s.x][s.plan]);
      else if (s.kind === 'count') {
        t += 20_000;
        client.count(s.lane, t, 60, s.count);
      } else bins.push(client.bin(client.closeBin()));
    }
    client.finish();
  } finally {
    client.close();
  }
  return bins;
}

function lanesOf(x: number): number[] {
  return net.lanes.flatMap((lane, l) => (lane.intersection === x ? [l] : []));
}

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), track: fc.constantFrom(0 as const, 1 as const), x: fc.nat(1), plan: fc.nat(2) }) },
  // a few lanes, often counted, heavily: queues and split failures, which a plan set again must not reset
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('count' as const), lane: fc.constantFrom(...lanesOf(0), ...lanesOf(1)), count: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);

describe('arrival measures on their own thread', () => {
  it('count exactly what the replay counted in line, plans set again included (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 100, maxLength: 400, size: "max" }), (steps) => {
        steps.push({ kind: 'close' });
        expect(throughClient(steps, false)).toEqual(reference(steps));
      }),
      { numRuns: 40, endOnFailure: true },
    );
  });

  it('give the same counters from the worker thread as in line', () => {
    const steps = fc.sample(fc.array(step, { minLength: 2000, maxLength: 2000 }), { numRuns: 1, seed: 7 })[0];
    steps.push({ kind: 'close' });
    const inline = throughClient(steps, false);
    expect(inline.some((b) => b.actual.splitFailures.some((f) => f > 0))).toBe(true);
    expect(throughClient(steps, true)).toEqual(inline);
  });

  it('a replay gives the same bins, summary and diagrams with the measure thread as without', () => {
    const run = (measureThread: boolean) => {
      const r = new ReplayRun({ network, measureThread });
      for (const c of new SyntheticDemand(network, { seed: 3 }).day(day + 7 * 3_600_000, day + 7.5 * 3_600_000, 60)) r.push({ kind: 'count', atMs: c.timestamp, record: c });
      return r.finish();
    };
    const threaded = run(true);
    const inline = run(false);
    expect(threaded.bins).toEqual(inline.bins);
    expect(threaded.summary).toEqual(inline.summary);
    expect(threaded.pcdActual!.approaches).toEqual(inline.pcdActual!.approaches);
    expect(threaded.pcdEngine!.approaches).toEqual(inline.pcdEngine!.approaches);
    expect(threaded.summary.totals.actual.arrivalsOnGreen).toBeGreaterThan(0);
  });

  it('draw the diagrams on the measure thread as the report draws them itself', () => {
    const r = new ReplayRun({ network, measureThread: true });
    for (const c of new SyntheticDemand(network, { seed: 3 }).day(day + 7 * 3_600_000, day + 7.5 * 3_600_000, 60)) r.push({ kind: 'count', atMs: c.timestamp, record: c });
    const result = r.finish(true);
    const drawn = r.drawnPcds();
    expect(drawn!.actual.length).toBe(result.pcdActual!.approaches.length);
    expect(drawn!.actual.length).toBeGreaterThan(0);
    expect(drawn).toEqual(pcdFigures(result.pcdActual!, result.pcdEngine!, network.timeZone ?? 'UTC'));
    expect(renderReport(result, undefined, () => drawn)).toBe(renderReport(result));
    // taken once: the thread is gone
    expect(r.drawnPcds()).toBeUndefined();
  });

  it('stop the measure thread when its drawn diagrams are not taken', () => {
    const r = new ReplayRun({ network, measureThread: true });
    for (const c of new SyntheticDemand(network, { seed: 3 }).day(day + 7 * 3_600_000, day + 7.25 * 3_600_000, 60)) r.push({ kind: 'count', atMs: c.timestamp, record: c });
    r.finish(true);
    r.close();
    expect(r.drawnPcds()).toBeUndefined();
  });
});
