import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { AtspmImport, AtspmMappingError, type AtspmProblem } from '../../replay/atspm-import.js';
import { EventLogReader, isEventLogProblem, offsetsOfWallTime, parseTimestamp, type AtspmEvent } from '../../replay/atspm/event-log.js';
import type { DayRecord } from '../../adapters/files/day-record.js';

/** The demo arterial with IA1's detectors on channels 1..n. */
function network() {
  const net = arterialCorridorNetwork();
  let channel = 1;
  for (const d of net.detectors) if (d.intersectionId === 'IA1') d.channel = channel++;
  return net;
}

function importLines(net: ReturnType<typeof network>, lines: string[]) {
  const problems: AtspmProblem[] = [];
  const records: DayRecord[] = [];
  const imp = new AtspmImport(net, { onProblem: (p) => problems.push(p) });
  lines.forEach((l, i) => imp.line(i + 1, l, (r) => records.push(r)));
  imp.end((r) => records.push(r));
  return { problems, records, stats: imp.stats() };
}

function readAll(lines: string[], timeZone = 'UTC') {
  const reader = new EventLogReader(timeZone);
  const events: AtspmEvent[] = [];
  const problems: string[] = [];
  lines.forEach((l, i) => {
    const r = reader.read(i + 1, l);
    if (r === undefined) return;
    if (isEventLogProblem(r)) problems.push(`${r.lineNo}:${r.code}`);
    else events.push(r);
  });
  return { events, problems };
}

describe('ATSPM event log: defects of issue 14', () => {
  it('(1) counts every detector-on event (82), imputing the missing off of a repeated on', () => {
    const net = network();
    const stop = net.detectors.find((d) => d.id === 'IA1:E1:stop')!;
    const ch = stop.channel!;
    // on 07:00:00, on again 07:00:01 (no off between: off imputed at 07:00:01), off 07:00:01.5,
    // on 07:00:10, on again 07:00:20 (10 s apart: off imputed halfway, at 07:00:15), off 07:00:21.
    const lines = ['SignalID,Timestamp,EventCode,EventParam', ...[['00', 82], ['01', 82], ['01.5', 81], ['10', 82], ['20', 82], ['21', 81]].map(([s, c]) => `IA1,2026-11-23 07:00:${s},${c},${ch}`), 'IA1,2026-11-23 07:01:30,1,2'];
    const { records, stats } = importLines(net, lines);
    const counts = records.filter((r): r is Extract<DayRecord, { kind: 'count' }> => r.kind === 'count' && (r.record as { detectorId: string }).detectorId === stop.id);
    expect((counts[0].record as { count: number }).count).toBe(4);
    // Occupied 0-1, 1-1.5, 10-15, 20-21: 7.5 s of the minute.
    expect((counts[0].record as { occupancy: number }).occupancy).toBe(0.125);
    expect(records.filter((r) => r.kind === 'arrival' && r.detectorId === stop.id)).toHaveLength(4);
    const onOff = records.filter((r): r is Extract<DayRecord, { kind: 'detector' }> => r.kind === 'detector').map((r) => [(r.atMs / 1000) % 60, r.on]);
    // Stop-line events go on as logged (the split-failure judgement repairs them the same way).
    expect(onOff).toEqual([[0, true], [1, true], [1.5, false], [10, true], [20, true], [21, false]]);
    expect(stats.repeatedDetectorOns).toBe(2);
  });

  it('(3) refuses two intersections mapped to one controller id, naming both', () => {
    const net = network();
    net.intersections[1].external = { atspm: { signalId: net.intersections[0].id } };
    expect(() => new AtspmImport(net)).toThrow(AtspmMappingError);
    expect(() => new AtspmImport(net)).toThrow(new RegExp(`intersections ${net.intersections[0].id} and ${net.intersections[1].id} both map to controller`));
  });

  it('(4) reads timestamps with 0 to 7 fractional digits (.NET writes 7)', () => {
    const base = Date.UTC(2026, 10, 23, 7, 0, 5);
    expect(parseTimestamp('2026-11-23 07:00:05')?.localMs).toBe(base);
    expect(parseTimestamp('2026-11-23 07:00:05.1')?.localMs).toBe(base + 100);
    expect(parseTimestamp('2026-11-23 07:00:05.123')?.localMs).toBe(base + 123);
    expect(parseTimestamp('2026-11-23 07:00:05.1234567')?.localMs).toBe(base + 123.457);
    expect(parseTimestamp('2026-11-23T07:00:05.1234567')?.localMs).toBe(base + 123.457);
    expect(parseTimestamp('11/23/2026 7:00:05.1234567 AM')?.localMs).toBe(base + 123.457);
    expect(parseTimestamp('2026-11-23 07:00:05.12345678')).toBeUndefined();
    expect(parseTimestamp('2026-02-30 07:00:05')).toBeUndefined();
    // Every fraction of 0..7 digits reads to within a microsecond (epoch ms as a double: ulp 0.24 µs).
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 7 }), (ticks, digits) => {
        const frac = String(ticks).padStart(7, '0').slice(0, digits);
        const t = parseTimestamp(`2026-11-23 07:00:05${digits ? `.${frac}` : ''}`)!.localMs;
        expect(Math.abs(t - base - (digits ? Number(`0.${frac}`) * 1000 : 0))).toBeLessThanOrEqual(0.001);
      }),
    );
    const net = network();
    const { problems, stats } = importLines(net, ['SignalID,Timestamp,EventCode,EventParam', 'IA1,2026-11-23 07:00:05.1234567,1,2', 'IA1,2026-11-23 07:00:20.7654321,8,2']);
    expect(problems).toEqual([]);
    expect(stats.used).toBe(2);
  });

  it('(6) accepts the repeated hour when clocks go back, in file order', () => {
    // America/Denver falls back at 02:00 MDT on 1 Nov 2026: 01:00-01:59 happens twice.
    const lines = ['SignalID,Timestamp,EventCode,EventParam'];
    for (const m of [0, 30]) lines.push(`1,2026-11-01 00:${String(m).padStart(2, '0')}:00,1,2`);
    for (let pass = 0; pass < 2; pass++) for (const m of [0, 20, 40, 59]) lines.push(`1,2026-11-01 01:${String(m).padStart(2, '0')}:00,1,2`);
    lines.push('1,2026-11-01 02:00:00,1,2');
    const { events, problems } = readAll(lines, 'America/Denver');
    expect(problems).toEqual([]);
    expect(events).toHaveLength(11);
    const at = events.map((e) => e.atMs);
    for (let i = 1; i < at.length; i++) expect(at[i]).toBeGreaterThan(at[i - 1]);
    // 00:00 MDT is 06:00Z; the first 01:00 is 07:00Z (MDT), the second 08:00Z (MST); 02:00 MST is 09:00Z.
    expect(new Date(at[2]).toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(new Date(at[6]).toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(new Date(at[10]).toISOString()).toBe('2026-11-01T09:00:00.000Z');
    // Local times are kept as written.
    expect(new Date(events[6].localMs).toISOString()).toBe('2026-11-01T01:00:00.000Z');
    // A row going back within the same offset is still out of order.
    const back = readAll([...lines, '1,2026-11-01 01:30:00,1,2'], 'America/Denver');
    expect(back.problems).toEqual(['13:GW_ATSPM_OUT_OF_ORDER']);
    expect(offsetsOfWallTime(Date.UTC(2026, 10, 1, 1), 'America/Denver')).toEqual([-6 * 3_600_000, -7 * 3_600_000]);
    expect(offsetsOfWallTime(Date.UTC(2026, 10, 1, 3), 'America/Denver')).toEqual([-7 * 3_600_000]);
  });
});

describe('ATSPM event log layouts', () => {
  const rows = (header: string, row: (device: string, time: string, code: number, param: number) => string) => [header, row('7115', '2026-11-23 07:00:00.0000000', 1, 2), row('7115', '2026-11-23 07:00:01.5000000', 82, 5)];
  const expected = [
    { deviceId: '7115', code: 1, param: 2, atMs: Date.UTC(2026, 10, 23, 7) },
    { deviceId: '7115', code: 82, param: 5, atMs: Date.UTC(2026, 10, 23, 7, 0, 1, 500) },
  ];
  it.each([
    ['UDOT ATSPM 4', 'SignalID,Timestamp,EventCode,EventParam', (d: string, t: string, c: number, p: number) => `${d},${t},${c},${p}`],
    ['ATSPM 5', 'LocationIdentifier,Timestamp,EventCode,EventParam', (d: string, t: string, c: number, p: number) => `${d},${t},${c},${p}`],
    ['Python atspm', 'TimeStamp,DeviceId,EventId,Parameter', (d: string, t: string, c: number, p: number) => `${t},${d},${c},${p}`],
    ['quoted', '"SignalId","Timestamp","EventCode","EventParam"', (d: string, t: string, c: number, p: number) => `"${d}","${t}",${c},${p}`],
  ])('%s', (_name, header, row) => {
    const { events, problems } = readAll(rows(header, row));
    expect(problems).toEqual([]);
    expect(events.map(({ deviceId, code, param, atMs }) => ({ deviceId, code, param, atMs }))).toEqual(expected);
  });

  it('a headerless log is in the UDOT order, even when the device id has letters', () => {
    const { events } = readAll(['IA1,2026-11-23 07:00:00,1,2', 'IA1,2026-11-23 07:00:01,8,2']);
    expect(events.map((e) => [e.deviceId, e.code])).toEqual([['IA1', 1], ['IA1', 8]]);
  });
});
