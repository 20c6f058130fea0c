import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CountClock, countInstants } from '../../engine/pipeline/count-clock.js';
import { createEnginePipeline } from '../../engine/pipeline/create-engine-pipeline.js';
import type { EngineEvent } from '../../engine/pipeline/engine-events.js';
import { VirtualClockScheduler } from '../../engine/pipeline/virtual-clock-scheduler.js';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';

const network = arterialCorridorNetwork();
// after 06:30, where the morning fallback plan starts: a server started up to 9 minutes earlier starts on the same plan
const T0 = Date.parse('2026-11-23T06:40:00Z');
type Count = ReturnType<SyntheticDemand['countsAt']>[number];

/** Counts of every detector, `intervals` intervals of `intervalSeconds` from `startMs`, in time order. */
function day(seed: number, startMs: number, intervalSeconds: number, intervals: number): Count[] {
  const demand = new SyntheticDemand(network, { seed, scale: 1.2 });
  return [...demand.day(startMs, startMs + intervals * intervalSeconds * 1000, intervalSeconds)];
}

/** The offline drive before the count clock: a virtual scheduler and a timer every period from the first count's start. */
function withTimer(counts: Count[], periodSeconds: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  const startMs = countInstants(counts[0])!.startMs;
  const scheduler = new VirtualClockScheduler(startMs);
  const input = new Subject<unknown>();
  createEnginePipeline(network, input, { scheduler, config: { optimisationPeriodSeconds: periodSeconds } }).subscribe((e) => events.push(e));
  let last = startMs;
  for (const c of counts) {
    const t = countInstants(c)!.endMs;
    if (t > last) scheduler.advanceTo((last = t));
    input.next(c);
  }
  scheduler.advanceTo(last + periodSeconds * 1000);
  input.complete();
  return events;
}

/** The offline drive on the count clock (what `greenwave plan` does), the engine started at `startMs`. */
function offline(counts: Count[], periodSeconds: number, startMs: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  const clock = new CountClock(startMs, periodSeconds);
  const input = new Subject<unknown>();
  createEnginePipeline(network, input, { scheduler: clock.scheduler, ticks: clock.ticks, config: { optimisationPeriodSeconds: periodSeconds } }).subscribe((e) => events.push(e));
  for (const c of counts) {
    clock.beforeCount(c);
    input.next(c);
  }
  clock.advanceTo(clock.scheduler.now() + periodSeconds * 1000);
  input.complete();
  return events;
}

/**
 * The live drive: the engine starts `startedBeforeMs` before the first count, counts arrive in batches of one
 * interval `delayMs` after their end, and between batches the server's clock moves the count clock on its own.
 */
function live(counts: Count[], periodSeconds: number, startedBeforeMs: number, delayMs: number, referenceStepMs: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  const firstStart = countInstants(counts[0])!.startMs;
  const clock = new CountClock(firstStart - startedBeforeMs, periodSeconds);
  const input = new Subject<unknown>();
  createEnginePipeline(network, input, { scheduler: clock.scheduler, ticks: clock.ticks, config: { optimisationPeriodSeconds: periodSeconds } }).subscribe((e) => events.push(e));
  let reference = firstStart - startedBeforeMs;
  for (let i = 0; i < counts.length; ) {
    const end = countInstants(counts[i])!.endMs;
    const arrival = end + delayMs;
    for (; reference + referenceStepMs < arrival; reference += referenceStepMs) clock.advanceWithReference(reference);
    reference = arrival;
    for (; i < counts.length && countInstants(counts[i])!.endMs === end; i++) {
      clock.beforeCount(counts[i], reference + 60_000);
      input.next(counts[i]);
    }
  }
  // counts stop: the server's clock keeps planning
  const longestMs = Math.max(...counts.map((c) => c.intervalSeconds * 1000));
  for (const until = reference + periodSeconds * 1000 + 2 * longestMs + referenceStepMs; reference <= until; reference += referenceStepMs) clock.advanceWithReference(reference);
  input.complete();
  return events;
}

describe('the count clock', () => {
  it('reads a count interval as the engine does', () => {
    expect(countInstants({ timestamp: '2026-11-23T06:41:00Z', intervalSeconds: 60 })).toEqual({ endMs: T0 + 60_000, startMs: T0 });
    expect(countInstants({ timestamp: T0, intervalSeconds: 'x' })).toEqual({ endMs: T0, startMs: T0 });
    expect(countInstants({ timestamp: -1e300, intervalSeconds: 60 })).toBeUndefined();
    expect(countInstants([T0])).toBeUndefined();
    expect(countInstants(null)).toBeUndefined();
  });

  it('gives the offline drive exactly the events of a timer every period from the first count (what `plan` did before it)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(10, 20, 60, 300), fc.constantFrom(15, 30, 60, 90), fc.integer({ min: 0, max: 59_999 }), (seed, intervalSeconds, periodSeconds, offsetMs) => {
        const counts = day(seed, T0 + offsetMs, intervalSeconds, Math.ceil(1200 / intervalSeconds));
        expect(offline(counts, periodSeconds, countInstants(counts[0])!.startMs)).toEqual(withTimer(counts, periodSeconds));
      }),
      { numRuns: 12 },
    );
  });

  it('gives live the events offline gives from the same engine start, whatever the transit delay (under an interval) and the pace of the server clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(10, 60, 300),
        fc.constantFrom(30, 60),
        fc.integer({ min: 0, max: 540_000 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.constantFrom(1000, 7000),
        (seed, intervalSeconds, periodSeconds, startedBeforeMs, delayShare, referenceStepMs) => {
          const counts = day(seed, T0, intervalSeconds, Math.ceil(1800 / intervalSeconds));
          const planEvents = (events: EngineEvent[]) => events.filter((e) => e.type === 'plan' || e.type === 'kpi' || e.type === 'detector-fault');
          const replayed = planEvents(offline(counts, periodSeconds, T0 - startedBeforeMs));
          const online = planEvents(live(counts, periodSeconds, startedBeforeMs, delayShare * intervalSeconds * 1000, referenceStepMs));
          expect(replayed.filter((e) => e.type === 'plan').length).toBeGreaterThan(0);
          // the live drive goes on planning after the counts stop; up to there, event for event
          expect(online.slice(0, replayed.length)).toEqual(replayed);
        },
      ),
      { numRuns: 10 },
    );
  });

  it('does not let a count stamped beyond the server clock move the engine clock', () => {
    const clock = new CountClock(T0, 60);
    clock.beforeCount({ timestamp: T0 + 60_000, intervalSeconds: 60 }, T0 + 120_000);
    expect(clock.scheduler.now()).toBe(T0 + 60_000);
    clock.beforeCount({ timestamp: T0 + 3_600_000, intervalSeconds: 60 }, T0 + 120_000);
    expect(clock.scheduler.now()).toBe(T0 + 60_000);
    expect(clock.originMs).toBe(T0);
  });
});
