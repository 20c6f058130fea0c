import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { SplitFailureCycles, type SplitFailureCycle } from '../../replay/atspm/split-failure-cycles.js';
import { ReplayRun } from '../../replay/replay-run.js';
import type { BinRow } from '../../replay/replay-summary.js';
import type { DayRecord } from '../../adapters/files/day-record.js';
import { DetectorConfig } from '../../replay/atspm/detector-config.js';
import type { AtspmEvent } from '../../replay/atspm/event-log.js';
import { SplitFailureTable } from '../../replay/atspm/split-failure-table.js';
import type { AtspmRow } from '../../replay/atspm/table.js';

type Step = ['on' | 'off', number, number] | ['green' | 'yellow' | 'red', number];

/** Phase 2's events, times in seconds; cycles judged, rounded to 3 decimals. */
function judge(steps: Step[]): Array<Omit<SplitFailureCycle, 'phase' | 'greenStartLabelMs'>> {
  const out: SplitFailureCycle[] = [];
  const sf = new SplitFailureCycles((c) => out.push(c));
  for (const s of steps) {
    if (s[0] === 'on' || s[0] === 'off') sf.detector(2, s[1], s[0] === 'on', s[2] * 1000);
    else sf.phase(2, s[0], s[1] * 1000);
  }
  return out.map(({ phase: _, greenStartLabelMs: __, ...c }) => ({ ...c, greenOccupancy: Math.round(c.greenOccupancy * 1000) / 1000, redOccupancy: Math.round(c.redOccupancy * 1000) / 1000 }));
}

/** A detector event before the first green, so the detector state is known from it. */
const known: Step[] = [['on', 5, -10], ['off', 5, -9]];
/** Green 0-20 s, yellow 20-24 s, red clearance from 24 s, next green at 60 s. */
const cycle = (...detector: Step[]): Step[] => inOrder([...known, ['green', 0], ['yellow', 20], ['red', 24], ['green', 60], ...detector]);

/** Steps in time order; at equal times phase events first (the reference orders by time, then event code). */
function inOrder(steps: Step[]): Step[] {
  const time = (s: Step) => (s.length === 3 ? s[2] : s[1]);
  return steps.map((s, i) => [s, i] as const).sort((a, b) => time(a[0]) - time(b[0]) || a[0].length - b[0].length || a[1] - b[1]).map(([s]) => s);
}

describe('split failures per ATSPM (worked examples, times in seconds)', () => {
  it("judges the phase's detectors together: the union of their on-time", () => {
    // Detector 5 on 0-10 and detector 6 on 8-17: occupied 0-17, GOR 17/20 = 0.85 (each alone: 0.50 and 0.45).
    // Detector 5 on again 23-30: the whole red window 24-29, ROR 5/5 = 1. Both >= 0.80: a failure.
    expect(judge(cycle(['on', 5, 0], ['on', 6, 8], ['off', 5, 10], ['off', 6, 17], ['on', 5, 23], ['off', 5, 30]))).toEqual([
      { greenStartMs: 0, greenMs: 20_000, greenOccupancy: 0.85, redOccupancy: 1, failed: true },
    ]);
  });

  it('fails at exactly 0.80 and not at 0.795 (thresholds >= 0.80, as the Python atspm package)', () => {
    // On 0-16 (16/20 = 0.80) and 25-29 (4/5 = 0.80).
    expect(judge(cycle(['on', 5, 0], ['off', 5, 16], ['on', 5, 25], ['off', 5, 29]))[0]).toMatchObject({ greenOccupancy: 0.8, redOccupancy: 0.8, failed: true });
    // On 0-15.9 (0.795): above 0.79, not a failure.
    expect(judge(cycle(['on', 5, 0], ['off', 5, 15.9], ['on', 5, 24], ['off', 5, 30]))[0]).toMatchObject({ greenOccupancy: 0.795, redOccupancy: 1, failed: false });
  });

  it('the red window is the first 5 s after begin red clearance, cut short by the next green', () => {
    // Next green at 27: the window is 24-27; occupied throughout, ROR 3/5 = 0.6.
    const steps: Step[] = [...known, ['green', 0], ['on', 5, 0], ['yellow', 20], ['red', 24], ['green', 27], ['off', 5, 40]];
    expect(judge(steps)[0]).toMatchObject({ greenOccupancy: 1, redOccupancy: 0.6, failed: false });
  });

  it('repairs detector events as the reference: a repeated on within 2 s closes at it, else halfway; repeated offs get an on halfway', () => {
    // On 0, on 10 (10 s later: off imputed at 5), off 18: occupied 0-5 and 10-18, GOR 13/20 = 0.65.
    expect(judge(cycle(['on', 5, 0], ['on', 5, 10], ['off', 5, 18]))[0].greenOccupancy).toBe(0.65);
    // On 0, on 1.5 (within 2 s: off at 1.5), off 3: occupied 0-3, GOR 0.15.
    expect(judge(cycle(['on', 5, 0], ['on', 5, 1.5], ['off', 5, 3]))[0].greenOccupancy).toBe(0.15);
    // Off 2, off 12 (on imputed at 7): occupied 7-12 and the known pair's off at -9 then off at 2 (on at -3.5): 0-2.
    expect(judge(cycle(['off', 5, 2], ['off', 5, 12]))[0].greenOccupancy).toBe(0.35);
  });

  it('leaves out cycles without a known detector state, or without one yellow and one red', () => {
    // No detector event before the first green: that cycle is not judged; the next one is.
    const steps: Step[] = [['green', 0], ['on', 5, 1], ['off', 5, 2], ['yellow', 20], ['red', 24], ['green', 60], ['yellow', 80], ['red', 84], ['green', 120]];
    expect(judge(steps).map((c) => c.greenStartMs)).toEqual([60_000]);
    // No yellow: not judged.
    expect(judge([...known, ['green', 0], ['red', 24], ['green', 60]])).toEqual([]);
  });

  it('judges a cycle when its red window ends, without waiting for the next green', () => {
    const out: SplitFailureCycle[] = [];
    const sf = new SplitFailureCycles((c) => out.push(c));
    sf.detector(1, 1, true, -5000);
    sf.phase(1, 'green', 0);
    sf.phase(1, 'yellow', 20_000);
    sf.phase(1, 'red', 24_000);
    sf.advance(28_999);
    expect(out).toHaveLength(0);
    sf.advance(29_000);
    expect(out).toMatchObject([{ greenOccupancy: 1, redOccupancy: 1, failed: true }]);
  });
});

describe('measured split failures in a replay', () => {
  /** IA1 of the demo arterial: phase IA1:EW is served by the stop-line detectors E0, E1, W0, W1. */
  function run(records: DayRecord[]) {
    const rows: BinRow[] = [];
    const replay = new ReplayRun({ network: arterialCorridorNetwork(), measuredArrivals: true, onBin: (r) => rows.push(r) });
    for (const r of records) replay.push(r);
    const result = replay.finish();
    return { rows, result };
  }
  const t0 = Date.UTC(2026, 10, 23, 7);
  const at = (hhmmss: string) => t0 + (Number(hhmmss.slice(0, 2)) * 60 + Number(hhmmss.slice(3, 5))) * 1000;
  const phase = (time: string, phaseId: string, state: 'green' | 'yellow' | 'red'): DayRecord => ({ kind: 'phase', atMs: at(time), intersectionId: 'IA1', phaseId, state });
  const det = (time: string, detectorId: string, on: boolean): DayRecord => ({ kind: 'detector', atMs: at(time), detectorId, on });

  it("counts a failure of the phase's detectors together, in the 15-minute bin of the cycle's green", () => {
    // Times are MM:SS after 07:00. IA1:EW green 14:40-15:00, yellow to 15:04, red from 15:04.
    // E1 on 14:40-14:49 and W1 on 14:48-15:02: together the whole green (each alone under half of it);
    // W1 on 15:03-15:10: the whole red window. The cycle fails, and counts at 07:00, where its green began.
    const records: DayRecord[] = [
      phase('00:00', 'IA1:EW', 'red'),
      phase('00:00', 'IA1:EW-left', 'red'),
      phase('00:00', 'IA1:NS', 'green'),
      det('14:00', 'IA1:E1:stop', true),
      det('14:01', 'IA1:E1:stop', false),
      phase('14:36', 'IA1:NS', 'yellow'),
      phase('14:40', 'IA1:NS', 'red'),
      phase('14:40', 'IA1:EW', 'green'),
      det('14:40', 'IA1:E1:stop', true),
      det('14:48', 'IA1:W1:stop', true),
      det('14:49', 'IA1:E1:stop', false),
      phase('15:00', 'IA1:EW', 'yellow'),
      det('15:02', 'IA1:W1:stop', false),
      det('15:03', 'IA1:W1:stop', true),
      phase('15:04', 'IA1:EW', 'red'),
      phase('15:06', 'IA1:NS', 'green'),
      det('15:10', 'IA1:W1:stop', false),
      phase('16:00', 'IA1:NS', 'yellow'),
    ];
    const { rows, result } = run(records);
    const ia1 = rows.filter((r) => r.intersectionId === 'IA1');
    expect(ia1.map((r) => [r.binStart, r.actual.measuredSplitFailures])).toEqual([
      ['2026-11-23T07:00:00.000Z', 1],
      ['2026-11-23T07:15:00.000Z', 0],
    ]);
    expect(result.summary.intersections.find((s) => s.intersectionId === 'IA1')!.actual.measuredSplitFailures).toBe(1);
  });

  it("judges no arrival before the log has shown its phase's state", () => {
    // Five vehicles over IA1:E1's advance detector before any IA1:EW event, two after its green began.
    const arrivals = (times: string[]): DayRecord[] => times.map((time) => ({ kind: 'arrival', atMs: at(time), detectorId: 'IA1:E1:adv' }));
    const records: DayRecord[] = [
      phase('00:00', 'IA1:NS', 'green'),
      ...arrivals(['00:01', '00:02', '00:03', '00:04', '00:05']),
      phase('00:10', 'IA1:NS', 'red'),
      phase('00:10', 'IA1:EW', 'green'),
      ...arrivals(['00:12', '00:14']),
      phase('00:30', 'IA1:EW', 'yellow'),
    ];
    const { result } = run(records);
    const ia1 = result.summary.intersections.find((s) => s.intersectionId === 'IA1')!;
    expect([ia1.actual.arrivals, ia1.actual.arrivalsOnGreen, ia1.engine.arrivals]).toEqual([2, 2, 2]);
    expect(result.summary.arrivalsBeforePhaseState).toBe(5);
  });
});

describe('split-failure rows stream as the log goes', () => {
  it('hands on each row once no open cycle can come before it, in the order of the whole table', () => {
    // Two devices, phases 2 and 4 cycling every 60 s for 2 hours (4 s yellow, 2 s red clearance) with a
    // stop-bar detector each, busy on odd cycles; device 2 runs 7 s behind.
    const config = new DetectorConfig(['1', '2'].flatMap((deviceId) => [2, 4].map((phase) => ({ deviceId, channel: phase, phase, functions: ['Presence' as const] }))));
    const events: AtspmEvent[] = [];
    const ev = (deviceId: string, s: number, code: number, param: number) => events.push({ deviceId, atMs: s * 1000, localMs: s * 1000, code, param });
    for (const [device, lag] of [['1', 0], ['2', 7]] as const)
      for (let k = 0; k < 120; k++)
        for (const [phase, start] of [[2, 0], [4, 30]]) {
          const g = k * 60 + start + lag;
          ev(device, g - 1, 81, phase);
          ev(device, g, 1, phase);
          ev(device, g + 1, 82, phase);
          ev(device, g + (k % 2 ? 24 : 5), 81, phase);
          ev(device, g + 24, 8, phase);
          ev(device, g + 28, 10, phase);
          if (k % 2) ev(device, g + 28.5, 82, phase);
        }
    events.sort((a, b) => a.atMs - b.atMs || a.code - b.code);
    const whole = new SplitFailureTable(config);
    for (const e of events) whole.event(e);
    const expected = whole.finish().rows;
    expect(expected.length).toBeGreaterThan(400);
    expect(expected.filter((r) => r[6] === 1).length).toBeGreaterThan(100);

    const streamed: Array<{ row: AtspmRow; atEvent: number }> = [];
    let i = 0;
    const table = new SplitFailureTable(config, () => (row) => streamed.push({ row, atEvent: i }));
    for (; i < events.length; i++) table.event(events[i]);
    const rest = table.finish();
    expect(rest.rows).toEqual([]);
    expect(rest.streamed).toEqual({ rowCount: expected.length });
    expect(streamed.map((s) => s.row)).toEqual(expected);
    // Written as the log goes: by the end, at most a couple of minutes of rows were still waiting.
    expect(streamed.filter((s) => s.atEvent === events.length).length).toBeLessThan(10);
    expect(streamed[0].atEvent).toBeLessThan(events.length / 60);
  });
});
