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

/**
 * The offline drive before the count clock: a virtual scheduler and a timer every period from the first count's
 * start; the counts that end on the first instant are fed just before it (the first plans have them).
 */
function withTimer(counts: Count[], periodSeconds: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  const startMs = countInstants(counts[0])!.startMs;
  const firstInstantMs = startMs + periodSeconds * 1000;
  const scheduler = new VirtualClockScheduler(startMs);
  const input = new Subject<unknown>();
  createEnginePipeline(network, input, { scheduler, config: { optimisationPeriodSeconds: periodSeconds } }).subscribe((e) => events.push(e));
  let last = startMs;
  for (const c of counts) {
    let t = countInstants(c)!.endMs;
    if (t === firstInstantMs) t -= 1;
    if (t > last) scheduler.advanceTo((last = t));
    input.next(c);
  }
  scheduler.advanceTo(last + periodSeconds * 1000);
  input.complete();
  return events;
}

/** The offline drive on the count clock (what `greenwave plan` does with a counts file), from the first count's start. */
function offline(counts: Count[], periodSeconds: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  const clock = new CountClock(countInstants(counts[0])!.startMs, periodSeconds);
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

interface Received {
  count: Count;
  /** When the server received it, in the time counts are stamped in. */
  atMs: number;
}

/** Counts in batches of one interval, each received `delayMs` after its end. */
function arrivals(counts: Count[], delayMs: (end: number) => number): Received[] {
  const delays = new Map<number, number>();
  return counts.map((count) => {
    const end = countInstants(count)!.endMs;
    if (!delays.has(end)) delays.set(end, delayMs(end));
    return { count, atMs: end + delays.get(end)! };
  });
}

/** A drive of the count clock started at `startMs`; `between(t)` runs before each count received at t. */
function drive(received: Received[], periodSeconds: number, startMs: number, between: (clock: CountClock, atMs: number) => void, endMs: number): EngineEvent[] {
  const events: EngineEvent[] = [];
  const clock = new CountClock(startMs, periodSeconds);
  const input = new Subject<unknown>();
  createEnginePipeline(network, input, { scheduler: clock.scheduler, ticks: clock.ticks, config: { optimisationPeriodSeconds: periodSeconds } }).subscribe((e) => events.push(e));
  for (const r of received) {
    between(clock, r.atMs);
    clock.advanceWithReference(r.atMs);
    clock.beforeCount(r.count, r.atMs + 60_000);
    input.next(r.count);
  }
  between(clock, endMs);
  input.complete();
  return events;
}

/** Live: the server's clock also moves the count clock every `stepMs` between counts (and on after the last). */
function live(received: Received[], periodSeconds: number, startMs: number, stepMs: number, endMs: number): EngineEvent[] {
  let reference = startMs;
  return drive(received, periodSeconds, startMs, (clock, atMs) => {
    for (; reference + stepMs <= atMs; reference += stepMs) clock.advanceWithReference(reference + stepMs);
    // both are looked at up to the same time
    if (atMs === endMs) clock.advanceWithReference(endMs);
  }, endMs);
}

/** A replay of the day file the live server recorded: counts with the time received, and the engine's start. */
function replayOfRecording(received: Received[], periodSeconds: number, startMs: number, endMs: number): EngineEvent[] {
  return drive(received, periodSeconds, startMs, (clock, atMs) => atMs === endMs && clock.advanceWithReference(endMs), endMs);
}

describe('the count clock', () => {
  it('reads a count interval as the engine does', () => {
    expect(countInstants({ timestamp: '2026-11-23T06:41:00Z', intervalSeconds: 60 })).toEqual({ endMs: T0 + 60_000, startMs: T0 });
    expect(countInstants({ timestamp: T0, intervalSeconds: 'x' })).toEqual({ endMs: T0, startMs: T0 });
    expect(countInstants({ timestamp: -1e300, intervalSeconds: 60 })).toBeUndefined();
    expect(countInstants([T0])).toBeUndefined();
    expect(countInstants(null)).toBeUndefined();
  });

  it('fires the planning instants every period from the start as the counts pass them, an instant at a count\'s end first', () => {
    const clock = new CountClock(T0, 60);
    const at: number[] = [];
    clock.ticks.subscribe(() => at.push(clock.scheduler.now()));
    clock.beforeCount({ timestamp: T0 + 30_000, intervalSeconds: 30 });
    expect(at).toEqual([]);
    clock.beforeCount({ timestamp: T0 + 180_000, intervalSeconds: 30 });
    expect(at).toEqual([T0 + 60_000, T0 + 120_000, T0 + 180_000]);
    // an earlier timestamp (a late count) never moves the clock back
    clock.beforeCount({ timestamp: T0 + 100_000, intervalSeconds: 30 });
    expect(clock.scheduler.now()).toBe(T0 + 180_000);
    // counts stopped: the reference keeps planning two intervals behind
    clock.advanceWithReference(T0 + 300_000);
    expect(at).toEqual([T0 + 60_000, T0 + 120_000, T0 + 180_000, T0 + 240_000]);
    expect(clock.scheduler.now()).toBe(T0 + 240_000);
  });

  it('fires the first planning instant only once the clock has passed it, so the counts that end on it are in', () => {
    const clock = new CountClock(T0, 60);
    const at: number[] = [];
    clock.ticks.subscribe(() => at.push(clock.scheduler.now()));
    clock.beforeCount({ timestamp: T0 + 60_000, intervalSeconds: 60 });
    clock.beforeCount({ timestamp: T0 + 60_000, intervalSeconds: 60 });
    expect(at).toEqual([]);
    expect(clock.scheduler.now()).toBe(T0 + 60_000);
    clock.beforeCount({ timestamp: T0 + 120_000, intervalSeconds: 60 });
    expect(at).toEqual([T0 + 60_000, T0 + 120_000]);
    // held by a count, it still fires when the reference reaches it
    const held = new CountClock(T0, 60);
    let heldFired = 0;
    held.ticks.subscribe(() => heldFired++);
    held.beforeCount({ timestamp: T0 + 60_000, intervalSeconds: 60 });
    expect(heldFired).toBe(0);
    held.advanceWithReference(T0 + 60_000 + 2 * 60_000);
    expect(heldFired).toBe(1);
    expect(held.scheduler.now()).toBe(T0 + 60_000);
    // with no counts, the server's clock reaching it fires it (the counts would have been two intervals late)
    const idle = new CountClock(T0, 60);
    let fired = 0;
    idle.ticks.subscribe(() => fired++);
    idle.advanceWithReference(T0 + 59_999);
    expect(fired).toBe(0);
    idle.advanceWithReference(T0 + 60_000);
    expect(fired).toBe(1);
  });

  it('optimises the first plans for the counted traffic, not for the demand implied by the fallback plans', () => {
    // a counts file: the engine starts at the first interval's start, so the intervals end on the planning instants
    const counts = day(7, T0, 60, 5);
    const firstKpi = offline(counts, 60).find((e) => e.type === 'kpi');
    expect(firstKpi?.atMs).toBe(T0 + 60_000);
    const sources = new Set(firstKpi?.type === 'kpi' ? firstKpi.demand.map((d) => d.source) : []);
    expect([...sources]).toEqual(['measured']);
  });

  it('gives the offline drive exactly the events of a timer every period from the first count (what `plan` did before it, the first instant with its counts)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(10, 20, 60, 300), fc.constantFrom(15, 30, 60, 90), fc.integer({ min: 0, max: 59_999 }), (seed, intervalSeconds, periodSeconds, offsetMs) => {
        const counts = day(seed, T0 + offsetMs, intervalSeconds, Math.ceil(1200 / intervalSeconds));
        expect(offline(counts, periodSeconds)).toEqual(withTimer(counts, periodSeconds));
      }),
      { numRuns: 12 },
    );
  });

  it('gives live the events a replay of its recording gives, whatever the start, the transit delays and the pace of the server clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(10, 60, 300),
        fc.constantFrom(30, 60, 300),
        fc.integer({ min: 0, max: 540_000 }),
        fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(1000, 7000, 30_000),
        (seed, intervalSeconds, periodSeconds, startedBeforeMs, delayShares, stepMs) => {
          const counts = day(seed, T0, intervalSeconds, Math.ceil(1800 / intervalSeconds));
          // transit delays up to three intervals, some batches overtaking the planning instants
          let k = 0;
          const received = arrivals(counts, () => delayShares[k++ % delayShares.length] * intervalSeconds * 1000);
          received.sort((a, b) => a.atMs - b.atMs);
          const endMs = received[received.length - 1].atMs + (periodSeconds + 3 * intervalSeconds) * 1000;
          const startMs = T0 - startedBeforeMs;
          const online = live(received, periodSeconds, startMs, stepMs, endMs);
          const replayed = replayOfRecording(received, periodSeconds, startMs, endMs);
          expect(replayed.filter((e) => e.type === 'plan').length).toBeGreaterThan(0);
          expect(online).toEqual(replayed);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('plans before the first count, from the start, when none comes', () => {
    const events = live([], 60, T0, 1000, T0 + 180_000);
    expect(events.filter((e) => e.type === 'kpi').map((e) => e.atMs)).toEqual([T0 + 60_000, T0 + 120_000, T0 + 180_000]);
  });

  it('does not let a count stamped beyond the server clock move the engine clock', () => {
    const clock = new CountClock(T0, 60);
    clock.beforeCount({ timestamp: T0 + 60_000, intervalSeconds: 60 }, T0 + 120_000);
    expect(clock.scheduler.now()).toBe(T0 + 60_000);
    clock.beforeCount({ timestamp: T0 + 3_600_000, intervalSeconds: 60 }, T0 + 120_000);
    expect(clock.scheduler.now()).toBe(T0 + 60_000);
  });
});
