import { describe, expect, it } from 'vitest';
import type { DayRecord } from '../../adapters/files/index.js';
import { EngineRunRecorder } from '../../adapters/recording/index.js';

const day = (iso: string) => Date.parse(iso);

describe('EngineRunRecorder: every day file of a run names the engine it holds', () => {
  it('starts the run, and at each new local day ends the one before and starts the next with the run (once per day, in the network zone)', () => {
    const written: DayRecord[] = [];
    const startMs = day('2026-11-23T22:30:00-07:00');
    const recorder = new EngineRunRecorder({ write: (r) => written.push(r) }, 'America/Denver', { atMs: startMs, planVersionBase: 1000, optimisationPeriodSeconds: 60, engine: { smoothingSeconds: 60 } });
    const count = (iso: string): DayRecord => ({ kind: 'count', atMs: day(iso), record: {} });
    recorder.write(count('2026-11-23T23:59:30-07:00'));
    recorder.write(count('2026-11-24T00:00:10-07:00'));
    // a fault dated at an earlier count stays in its day: no second continuation
    recorder.write({ kind: 'fault', atMs: day('2026-11-23T23:59:50-07:00'), event: { type: 'detector-fault' } });
    recorder.write(count('2026-11-24T00:01:10-07:00'));
    recorder.stop(day('2026-11-24T00:02:00-07:00'));
    const events = written.map((r) => (r.kind === 'fault' ? (r.event as { type: string }).type : r.kind));
    expect(events).toEqual(['engine-start', 'count', 'engine-day-end', 'engine-start', 'count', 'detector-fault', 'count', 'engine-stop']);
    // the day ends at Denver's midnight (07:00 UTC), the next starts with the same engine and where the run began
    expect(written[2].atMs).toBe(day('2026-11-24T00:00:00-07:00') - 1);
    expect(written[2]).toMatchObject({ event: { nextDay: '2026-11-24' } });
    expect(written[3]).toEqual({
      kind: 'fault',
      atMs: day('2026-11-24T00:00:10-07:00'),
      event: { type: 'engine-start', planVersionBase: 1000, optimisationPeriodSeconds: 60, engine: { smoothingSeconds: 60 }, continuesRunFromMs: startMs, engineAtMs: day('2026-11-24T00:00:10-07:00') },
    });
  });
});
