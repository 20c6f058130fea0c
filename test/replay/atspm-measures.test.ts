import { describe, expect, it } from 'vitest';
import { AtspmTables } from '../../replay/atspm/atspm-tables.js';
import { DetectorConfig } from '../../replay/atspm/detector-config.js';
import { EventLogReader, isEventLogProblem } from '../../replay/atspm/event-log.js';
import type { AtspmRow, AtspmTable } from '../../replay/atspm/table.js';
import { Actuations } from '../../replay/atspm/actuations.js';
import { Terminations } from '../../replay/atspm/terminations.js';

/**
 * Device 7, phase 2 and pedestrian phase 4, local time 2026-11-23. Detector channels: 1 advance at the stop
 * bar's distance 0; 2 advance 100 m upstream at 20 m/s (5 s to the stop bar); 3 stop-bar presence and
 * yellow/red; 4 a lane count. Phase 2: green 07:00:00, yellow 07:00:20, red clearance 07:00:24, end of red
 * clearance 07:00:26; green 07:01:00, yellow 07:01:30, red 07:01:34, end 07:01:40; green 07:02:00, yellow
 * 07:20:00 (no red in the log after it).
 */
const LOG = `
06:59:00 22 4
06:59:50 82 1
06:59:51 81 1
07:00:00 1 2
07:00:00 134 30
07:00:05 82 1
07:00:06 81 1
07:00:10 82 2
07:00:11 81 2
07:00:18 82 2
07:00:19 81 2
07:00:19 4 2
07:00:20 8 2
07:00:21 82 3
07:00:21.5 81 3
07:00:24 10 2
07:00:25.2 82 3
07:00:26 81 3
07:00:26 11 2
07:00:30 45 4
07:00:40 90 4
07:01:00 1 2
07:01:00 82 3
07:01:10 21 4
07:01:10 82 4
07:01:15 45 4
07:01:20 22 4
07:01:28 81 3
07:01:29 5 2
07:01:30 8 2
07:01:33 82 3
07:01:34 10 2
07:01:38 81 3
07:01:40 11 2
07:02:00 1 2
07:02:00 45 4
07:02:30 21 4
07:05:00 135 40
07:10:00 134 34
07:20:00 8 2`;

const config = new DetectorConfig([
  { deviceId: '7', channel: 1, phase: 2, functions: ['Advance'], distanceFromStopBarMetres: 0, approachSpeedMetresPerSecond: 20 },
  { deviceId: '7', channel: 2, phase: 2, functions: ['Advance'], distanceFromStopBarMetres: 100, approachSpeedMetresPerSecond: 20 },
  { deviceId: '7', channel: 3, phase: 2, functions: ['Presence', 'Yellow_Red'] },
  { deviceId: '7', channel: 4, phase: 2, functions: ['Count'] },
]);

function measure(): { tables: Map<string, AtspmTable>; arrivalsBeforePhaseState: number } {
  const reader = new EventLogReader('UTC');
  const tables = new AtspmTables(config);
  const lines = ['TimeStamp,DeviceId,EventId,Parameter', ...LOG.trim().split('\n').map((l) => {
    const [time, code, param] = l.split(' ');
    return `2026-11-23 ${time},7,${code},${param}`;
  })];
  lines.forEach((l, i) => {
    const e = reader.read(i + 1, l);
    if (e && !isEventLogProblem(e)) tables.event(e);
    else if (e) throw new Error(e.message);
  });
  const out = tables.finish();
  return { tables: new Map(out.tables.map((t) => [t.file, t])), arrivalsBeforePhaseState: out.arrivalsBeforePhaseState };
}

const T = (hhmm: string) => `2026-11-23 ${hhmm}:00`;

/** Feeds one device's events (time of day on 2026-11-23 UTC, code, parameter) to a measure, in order. */
function feed(m: Terminations, deviceId: string, events: ReadonlyArray<readonly [string, number, number]>): void {
  for (const [time, code, param] of events) {
    const ms = Date.parse(`2026-11-23T${time}Z`);
    m.event({ deviceId, atMs: ms, localMs: ms, code, param });
  }
}

describe('ATSPM measures from the event log (worked by hand)', () => {
  const { tables, arrivalsBeforePhaseState } = measure();
  const rows = (file: string) => tables.get(file)!.rows;

  it('actuations: every 82 per channel and 15-minute bin', () => {
    expect(tables.get('actuations.csv')!.header).toEqual(['TimeStamp', 'DeviceId', 'Detector', 'Total']);
    expect(rows('actuations.csv')).toEqual([
      [T('06:45'), '7', 1, 1],
      [T('07:00'), '7', 1, 1],
      [T('07:00'), '7', 2, 2],
      [T('07:00'), '7', 3, 4],
      [T('07:00'), '7', 4, 1],
    ]);
  });

  it('arrivals on green: advance actuations at the stop bar, green only; none before the phase is known', () => {
    // 07:00:05 (channel 1) and 07:00:10 + 5 s = 07:00:15 (channel 2) in green; 07:00:18 + 5 s = 07:00:23 in
    // yellow: 2 of 3. The 06:59:50 actuation came before phase 2's first event: not judged.
    expect(rows('arrival_on_green.csv')).toEqual([[T('07:00'), '7', 2, 3, 0.6667]]);
    expect(arrivalsBeforePhaseState).toBe(1);
  });

  it('split failures: one row a judged cycle', () => {
    // Cycle 07:00:00: no presence event before its green, not judged. Cycle 07:01:00: green 30 s, occupied
    // 07:01:00-07:01:28 (28/30 = 0.9333); red window 07:01:34-07:01:39, occupied to 07:01:38 (4/5 = 0.8):
    // a failure. Cycle 07:02:00 has no red in the log: not judged.
    expect(rows('split_failures.csv')).toEqual([['2026-11-23 07:01:00', '7', 2, 30, 0.9333, 0.8, 1]]);
  });

  it('terminations: gap-outs, max-outs, force-offs per phase', () => {
    expect(rows('terminations.csv')).toEqual([
      [T('07:00'), '7', 2, 'GapOut', 1],
      [T('07:00'), '7', 2, 'MaxOut', 1],
    ]);
  });

  it('terminations: a green termination (7) with no 4/5/6 of its phase at the same time is Unknown (UDOT ATSPM 5)', () => {
    // Phase 2: gap-out logged before its 7, max-out after its 7 (same times): neither is unknown; a 7 alone at
    // 07:02:40 is. Phase 4: a force-off 0.1 s after its 7 is not "beside" it: both count. The log's last event, a
    // lone 7 of phase 4 at 07:20, is judged at the end. Phase 2's force-off and 7 at 07:15:05 count in 07:15.
    const events: Array<[string, number, number]> = [
      ['07:00:19', 4, 2], ['07:00:19', 7, 2],
      ['07:01:29', 7, 2], ['07:01:29', 5, 2],
      ['07:02:40', 7, 2],
      ['07:03:10', 7, 4], ['07:03:10.1', 6, 4],
      ['07:15:05', 7, 2], ['07:15:05', 6, 2],
      ['07:20:00', 7, 4],
    ];
    const t = new Terminations(15 * 60_000);
    feed(t, '7', events);
    expect(t.finish().rows).toEqual([
      [T('07:00'), '7', 2, 'GapOut', 1],
      [T('07:00'), '7', 2, 'MaxOut', 1],
      [T('07:00'), '7', 2, 'Unknown', 1],
      [T('07:00'), '7', 4, 'ForceOff', 1],
      [T('07:00'), '7', 4, 'Unknown', 1],
      [T('07:15'), '7', 2, 'ForceOff', 1],
      [T('07:15'), '7', 4, 'Unknown', 1],
    ]);
  });

  it('terminations: skips as the Python atspm package counts them (phase waits over 1.5 cycles)', () => {
    // Device 9, phase 4 (phase_wait.sql on timeline.sql's phase waits). Every green ends with a gap-out (4) and
    // its 7 at the same time, so no 7 is Unknown. Cycle length 100 s (132) until 07:40, then 0: free, 140 s.
    const log = `
07:00:00 132 100
07:00:10 43 4
07:02:00 1 4
07:02:20 4 4
07:02:20 7 4
07:05:10 1 4
07:05:20 44 4
07:05:30 4 4
07:05:30 7 4
07:10:00 43 4
07:10:05 44 4
07:10:30 43 4
07:12:00 113 1
07:12:30 115 1
07:13:30 1 4
07:13:40 44 4
07:13:50 4 4
07:13:50 7 4
07:20:00 43 4
07:21:00 43 4
07:24:00 1 4
07:24:30 44 4
07:24:40 4 4
07:24:40 7 4
07:30:00 43 4
07:31:00 102 1
07:31:30 104 1
07:33:00 1 4
07:33:10 44 4
07:33:20 4 4
07:33:20 7 4
07:40:00 132 0
07:40:10 43 4
07:43:50 1 4
07:44:00 44 4
07:44:10 4 4
07:44:10 7 4
07:50:00 43 4
07:54:00 1 4
07:54:03 181 0
07:54:10 44 4
07:54:20 4 4
07:54:20 7 4
08:00:00 43 4
08:01:00 8 8
08:01:15 9 8
08:04:00 1 4
08:04:10 44 4
08:04:20 4 4
08:04:20 7 4
08:20:00 43 4
08:24:00 1 4
08:24:20 4 4
08:24:20 7 4
08:25:00 43 4
08:25:10 44 4`;
    // Waits (call 43, or end of green 7 while the call stays active, to the next green 1), threshold 1.5 cycles:
    // - 07:00:10-07:02:00, 110 s <= 150 s: served. 07:02:20-07:05:10 (the call still active after the green),
    //   170 s > 150 s: a skip, in the bin of its green (07:00).
    // - 07:10:00 dropped (44) before any green: no wait. 07:10:30-07:13:30, 180 s, but a TSP adjustment (113,
    //   closed by 115) fell in it: 2 cycles, 200 s: served.
    // - 07:20:00 is voided by the next call (43 at 07:21:00); 07:21:00-07:24:00, 180 s > 150 s: a skip (07:15).
    // - 07:30:00-07:33:00, 180 s, overlaps the preempt 07:31:00-07:31:30 (+120 s): left out.
    // - 07:40:10-07:43:50, 220 s: free (cycle 0), 140 s assumed, 1.5 x 140 = 210 s: a skip (07:30).
    // - 07:50:00-07:54:00, 240 s: a clock update 3 s after its end (within 5 s): invalid.
    // - 08:00:00-08:04:00, 240 s: phase 8's yellow of 15 s (over 10 s: bad data) overlaps it: invalid.
    // - 08:20:00-08:24:00, 240 s: its call is followed by another 43 (08:25:00) before any 44: invalid.
    const t = new Terminations(15 * 60_000);
    feed(t, '9', log.trim().split('\n').map((line) => {
      const [time, code, param] = line.split(' ');
      return [time, Number(code), Number(param)] as const;
    }));
    expect(t.finish().rows).toEqual([
      [T('07:00'), '9', 4, 'GapOut', 3],
      [T('07:00'), '9', 4, 'Skip', 1],
      [T('07:15'), '9', 4, 'GapOut', 1],
      [T('07:15'), '9', 4, 'Skip', 1],
      [T('07:30'), '9', 4, 'GapOut', 2],
      [T('07:30'), '9', 4, 'Skip', 1],
      [T('07:45'), '9', 4, 'GapOut', 1],
      [T('08:00'), '9', 4, 'GapOut', 1],
      [T('08:15'), '9', 4, 'GapOut', 1],
    ]);
  });

  it('terminations: skips at equal times follow event-code order, and a wait is judged once nothing can change it', () => {
    // A green (1) and a call (43) logged at the same time, the 43 first in the file: the reference orders by
    // code, so the green comes first and the call waits for the next green. Streamed: the skip's row waits
    // until the call's 44 is logged, then comes out in table order.
    const rowsOut: AtspmRow[] = [];
    const t = new Terminations(15 * 60_000, () => (row) => rowsOut.push(row));
    const events: Array<[string, number, number]> = [
      ['06:58:00', 43, 2], ['06:58:00', 1, 2], ['06:58:20', 44, 2], ['06:58:30', 4, 2], ['06:58:30', 7, 2],
      ['07:00:00', 43, 2], ['07:00:00', 1, 2], ['07:00:20', 4, 2], ['07:00:20', 7, 2],
      ['07:04:00', 1, 2], ['07:04:10', 4, 2], ['07:04:10', 7, 2],
      ['09:00:00', 44, 2], ['09:00:10', 82, 1],
    ];
    feed(t, '3', events);
    // 06:58:00: the green at the call's time is not its service (no wait from 43 to that 1). 07:00:00: the same;
    // the call then waits past the 07:00:20 green end to 07:04:00 (220 s > 1.5 x 140 s): a skip.
    t.finish();
    expect(rowsOut).toEqual([
      [T('06:45'), '3', 2, 'GapOut', 1],
      [T('07:00'), '3', 2, 'GapOut', 2],
      [T('07:00'), '3', 2, 'Skip', 1],
    ]);
  });

  it('splits: programmed split events 134-149, and measured splits from begin green to end of red clearance', () => {
    // 134 at 30 s and 34 s, 135 at 40 s; measured 26 s and 40 s.
    expect(rows('splits.csv')).toEqual([
      [T('07:00'), '7', 134, 2, 32],
      [T('07:00'), '7', 135, 1, 40],
    ]);
    expect(rows('measured_splits.csv')).toEqual([[T('07:00'), '7', 2, 2, 33]]);
  });

  it('yellow and red actuations by offset from begin red clearance, rounded to 0.5 s', () => {
    // Cycle 07:00: 07:00:21 in yellow (-3 s), 07:00:25.2 in red (+1.2 s → 1). Cycle 07:01: 07:01:33 in yellow
    // (-1 s); 07:01:00 was in green. Cycle 07:02 has no red: left out.
    expect(rows('yellow_red_actuations.csv')).toEqual([
      [T('07:00'), '7', 2, 8, -3, 1],
      [T('07:00'), '7', 2, 8, -1, 1],
      [T('07:00'), '7', 2, 10, 1, 1],
    ]);
  });

  it('pedestrian delay: first call after the walk ended to the next walk', () => {
    // Call 07:00:30 (the 07:00:40 push waits with it) to walk 07:01:10: 40 s; the 07:01:15 call is served by
    // that walk; call 07:02:00 to walk 07:02:30: 30 s.
    expect(rows('ped_delay.csv')).toEqual([[T('07:00'), '7', 4, 2, 35, 40]]);
  });
});

describe('per-phase Purdue Coordination Diagram from the event log (worked by hand)', () => {
  it('places each arrival by time of day and seconds since the start of red, and averages each cycle\'s green', () => {
    // Phase 2: red 07:00:00, green 07:00:30, yellow 07:01:00, red 07:01:04, green 07:01:30, yellow 07:02:00,
    // red 07:02:04. Arrivals over advance channel 1 (at the stop bar): 07:00:10 (10 s into the cycle, red),
    // 07:00:40 (40 s, green), 07:01:14 (10 s into the second cycle, red).
    const log = ['07:00:00 10 2', '07:00:10 82 1', '07:00:30 1 2', '07:00:40 82 1', '07:01:00 8 2', '07:01:04 10 2', '07:01:14 82 1', '07:01:30 1 2', '07:02:00 8 2', '07:02:04 10 2'];
    const reader = new EventLogReader('UTC');
    const tables = new AtspmTables(config);
    ['TimeStamp,DeviceId,EventId,Parameter', ...log.map((l) => `2026-11-23 ${l.split(' ')[0]},7,${l.split(' ')[1]},${l.split(' ')[2]}`)].forEach((l, i) => {
      const e = reader.read(i + 1, l);
      if (e && !isEventLogProblem(e)) tables.event(e);
    });
    const pcds = tables.finish().phasePcds!;
    expect(pcds.originSeconds).toBe(Date.UTC(2026, 10, 23) / 1000);
    expect(pcds.approaches.map((a) => [a.intersectionId, a.linkId, a.arrivals, a.onGreen])).toEqual([['7', 'phase 2', 3, 1]]);
    const a = pcds.approaches[0];
    const col = 7 * 12; // 07:00-07:05
    expect(a.cells[col * 200 + 10]).toBe(2);
    expect(a.cells[col * 200 + 40]).toBe(1);
    expect(a.cells.reduce((s, v) => s + v, 0)).toBe(3);
    // Cycle 1: green 30-60 s; cycle 2: green 26-56 s.
    expect([a.cycles[col], a.greenStartSum[col], a.greenEndSum[col]]).toEqual([2, 56, 116]);
  });
});

describe('binned tables stream as the log goes', () => {
  it('hand on each bin once nothing can change it, in the order of the whole table, the repeated fall-back hour merged', () => {
    // Actuations of channels 1-3 every 20 s for 6 hours; clocks go back at local 02:00 (an hour is read twice).
    const events: Array<{ deviceId: string; atMs: number; localMs: number; code: number; param: number }> = [];
    const start = Date.UTC(2026, 10, 1, 0, 0);
    for (let s = 0; s < 6 * 3600; s += 20) {
      const atMs = start + s * 1000;
      const localMs = s < 2 * 3600 ? atMs : atMs - 3_600_000;
      for (const param of [1, 2, 3]) if ((s / 20 + param) % 4 !== 0) events.push({ deviceId: '7', atMs, localMs, code: 82, param });
    }
    const whole = new Actuations(15 * 60_000);
    for (const e of events) whole.event(e);
    const expected = whole.finish().rows;
    // Local 00:00-05:00 (the hour 01:00-02:00 twice): 20 bins of 3 channels.
    expect(expected).toHaveLength(20 * 3);
    // A bin of the repeated hour holds both passes: about 2 × 34 actuations a channel, against 34 in others.
    expect(expected.filter((r) => r[0] === '2026-11-01 00:30:00').map((r) => r[3])).toEqual([34, 33, 34]);
    expect(expected.filter((r) => r[0] === '2026-11-01 01:30:00').map((r) => r[3])).toEqual([68, 66, 68]);

    const streamed: Array<{ row: AtspmRow; atEvent: number }> = [];
    let i = 0;
    const table = new Actuations(15 * 60_000, (file, header) => {
      expect([file, header]).toEqual(['actuations.csv', ['TimeStamp', 'DeviceId', 'Detector', 'Total']]);
      return (row) => streamed.push({ row, atEvent: i });
    });
    for (; i < events.length; i++) table.event(events[i]);
    const rest = table.finish();
    expect(rest.rows).toEqual([]);
    expect(rest.streamed).toEqual({ rowCount: expected.length });
    expect(streamed.map((s) => s.row)).toEqual(expected);
    // Most rows were written during the log, not at its end.
    expect(streamed.filter((s) => s.atEvent < events.length).length).toBeGreaterThan(expected.length / 2);
  });
});
