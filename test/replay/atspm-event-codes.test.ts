import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { AtspmTables, PHASE_PCDS } from '../../replay/atspm/atspm-tables.js';
import { DetectorConfig } from '../../replay/atspm/detector-config.js';
import { eventCodeUse } from '../../replay/atspm/event-code-use.js';
import { EventLogReader, isEventLogProblem, type AtspmEvent } from '../../replay/atspm/event-log.js';
import { ENGINE_EVENT_CODES } from '../../replay/atspm-import.js';
import { replayDay } from '../../replay/index.js';
import type { ReplaySummary } from '../../replay/replay-summary.js';

/**
 * Device 7: phase 2 with an advance detector (channel 1), a stop-bar presence and yellow/red detector (2);
 * pedestrian phase 4; two cycles with terminations, skips' calls, coordination splits and pedestrian events.
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
07:00:19 4 2
07:00:20 8 2
07:00:21 81 2
07:00:24 10 2
07:00:25 82 2
07:00:26 81 2
07:00:26 11 2
07:00:30 45 4
07:00:35 43 6
07:00:40 90 4
07:01:00 1 2
07:01:10 21 4
07:01:20 22 4
07:01:29 5 2
07:01:30 8 2
07:01:34 10 2
07:01:40 11 2
07:02:00 1 6
07:02:00 1 2
07:02:30 21 4
07:05:00 135 40
07:20:00 8 2`;

const config = new DetectorConfig([
  { deviceId: '7', channel: 1, phase: 2, functions: ['Advance'], distanceFromStopBarMetres: 100, approachSpeedMetresPerSecond: 20 },
  { deviceId: '7', channel: 2, phase: 2, functions: ['Presence', 'Yellow_Red'] },
]);

function events(): AtspmEvent[] {
  const reader = new EventLogReader('UTC');
  reader.read(1, 'TimeStamp,DeviceId,EventId,Parameter');
  return LOG.trim()
    .split('\n')
    .map((l, i) => {
      const [time, code, param] = l.split(' ');
      const e = reader.read(i + 2, `2026-11-23 ${time},7,${code},${param}`);
      if (!e || isEventLogProblem(e)) throw new Error(`line ${i + 1}`);
      return e;
    });
}

function tablesOf(log: AtspmEvent[]): Map<string, string> {
  const tables = new AtspmTables(config);
  for (const e of log) tables.event(e);
  const out = tables.finish();
  return new Map([...out.tables.map((t) => [t.file, JSON.stringify(t.rows)] as const), [PHASE_PCDS, JSON.stringify(out.phasePcds)]]);
}

describe('event codes each ATSPM table reads', () => {
  const declared = new AtspmTables(config).eventCodes();

  it('every table (and the per-phase PCDs) declares its codes; together with the engine they cover the measures', () => {
    expect(declared.map((t) => t.table)).toEqual(['actuations.csv', 'arrival_on_green.csv', 'split_failures.csv', 'terminations.csv', 'splits.csv', 'measured_splits.csv', 'yellow_red_actuations.csv', 'ped_delay.csv', PHASE_PCDS]);
    const of = (table: string) => declared.find((t) => t.table === table)!.eventCodes;
    expect(of('actuations.csv')).toEqual([82]);
    expect(of('split_failures.csv')).toEqual([1, 8, 10, 81, 82]);
    expect(of('splits.csv')).toEqual(Array.from({ length: 16 }, (_, i) => 134 + i));
    expect(of('ped_delay.csv')).toEqual([21, 22, 45, 90]);
    expect(of('terminations.csv')).toEqual(expect.arrayContaining([4, 5, 6, 7, 43, 44]));
  });

  it("a table's rows do not change when events of codes it does not declare are added anywhere in the log", () => {
    const base = events();
    const before = tablesOf(base);
    for (const { table, eventCodes } of declared) {
      const others = Array.from({ length: 256 }, (_, c) => c).filter((c) => !eventCodes.includes(c));
      fc.assert(
        fc.property(fc.array(fc.record({ at: fc.nat(base.length - 1), code: fc.constantFrom(...others), param: fc.integer({ min: 0, max: 16 }) }), { minLength: 1, maxLength: 25 }), (extra) => {
          const log = [...base];
          // Inserted after an event of the same instant, from the last position back, so the log stays in order.
          for (const x of [...extra].sort((a, b) => b.at - a.at)) log.splice(x.at + 1, 0, { ...base[x.at], code: x.code, param: x.param });
          expect(tablesOf(log).get(table)).toBe(before.get(table));
        }),
        { numRuns: 60, seed: 14 },
      );
    }
  });

  it('sorts the codes of a log into the engine\'s, the ones only tables read (named), and the ones nobody reads', () => {
    const use = eventCodeUse({ 1: 4, 4: 1, 11: 2, 82: 9, 134: 1, 999: 3, 200: 1 }, ENGINE_EVENT_CODES, declared);
    expect(use).toEqual({
      engine: { 1: 4, 82: 9 },
      atspmTablesOnly: { 4: { events: 1, tables: ['terminations.csv'] }, 11: { events: 2, tables: ['terminations.csv', 'measured_splits.csv'] }, 134: { events: 1, tables: ['splits.csv'] } },
      unread: { 200: 1, 999: 3 },
    });
  });

  it('summary.json and the report list the three kinds apart, with counts', async () => {
    const network = arterialCorridorNetwork();
    let channel = 1;
    for (const d of network.detectors) if (d.intersectionId === 'IA1') d.channel = channel++;
    const rows = [
      '2026-11-23 07:00:00.0,1,2',
      '2026-11-23 07:00:01.0,82,1',
      '2026-11-23 07:00:01.5,81,1',
      '2026-11-23 07:00:02.0,21,4',
      '2026-11-23 07:00:03.0,134,30',
      '2026-11-23 07:00:03.0,135,30',
      '2026-11-23 07:00:10.0,4,2',
      '2026-11-23 07:00:10.0,8,2',
      '2026-11-23 07:00:13.0,10,2',
      '2026-11-23 07:00:15.0,11,2',
      '2026-11-23 07:00:16.0,999,0',
      '2026-11-23 07:00:16.0,999,1',
      '2026-11-23 07:00:17.0,200,5',
      '2026-11-23 07:01:00.0,1,2',
    ];
    const dir = mkdtempSync(join(tmpdir(), 'gw-atspm-codes-'));
    const input = join(dir, 'log.csv');
    writeFileSync(input, `SignalID,Timestamp,EventCode,EventParam\n${rows.map((r) => `IA1,${r}`).join('\n')}\n`);
    const notes: string[] = [];
    await replayDay({ network, inputPath: input, outDir: join(dir, 'out'), periodSeconds: 60, actualPlans: 'acked', platoonShare: 0.7, speed: 0, compactPlans: true, onNote: (n) => notes.push(n) });
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as ReplaySummary;
    expect(summary.inputQuality!.eventCodes).toEqual({
      engine: { 1: 2, 8: 1, 10: 1, 81: 1, 82: 1 },
      atspmTablesOnly: {
        4: { events: 1, tables: ['terminations.csv'] },
        11: { events: 1, tables: ['terminations.csv', 'measured_splits.csv'] },
        21: { events: 1, tables: ['ped_delay.csv'] },
        134: { events: 1, tables: ['splits.csv'] },
        135: { events: 1, tables: ['splits.csv'] },
      },
      unread: { 200: 1, 999: 2 },
    });
    expect(summary.inputQuality!).not.toHaveProperty('ignoredByCode');
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain("<td>event codes the engine's import reads (phase states; detector counts and arrivals)</td><td>1 ×2, 8 ×1, 10 ×1, 81 ×1, 82 ×1</td>");
    expect(html).toContain('<td>event codes only the ATSPM tables read, by table</td><td>terminations.csv: 4 ×1, 11 ×1; measured_splits.csv: 11 ×1; ped_delay.csv: 21 ×1; splits.csv: 134 ×1, 135 ×1</td>');
    expect(html).toContain('<td>event codes nothing reads</td><td>999 ×2, 200 ×1</td>');
    expect(notes.join('\n')).toContain('by nothing: 200 ×1, 999 ×2');
  });
});
