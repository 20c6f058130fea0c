import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork } from '../../network-models/demo/demo-networks.js';
import { AtspmImport, type AtspmProblem } from '../../replay/atspm-import.js';
import type { DayRecord } from '../../adapters/files/index.js';
import type { ReplaySummary } from '../../replay/replay-summary.js';
import { runCli } from '../fixtures/run-cli.js';

/**
 * IA1 of the demo arterial, its detectors on channels 1..n, its four phases NEMA 1-4 (the default mapping):
 * 20 minutes of 80 s cycles (each phase 15 s green, 3 s yellow, 2 s red clearance), and a vehicle every 2 s of
 * phase 2's green over the eastbound through lane's advance detector, timed to reach the stop line in green.
 */
function fixture() {
  const network = arterialCorridorNetwork();
  let channel = 1;
  for (const d of network.detectors) if (d.intersectionId === 'IA1') d.channel = channel++;
  const adv = network.detectors.find((d) => d.id === 'IA1:E1:adv')!;
  const stop = network.detectors.find((d) => d.id === 'IA1:E1:stop')!;
  const shift = adv.distanceFromStopLineMetres / 13.9;
  const rows: Array<[number, number, number]> = [];
  const t0 = Date.UTC(2026, 10, 23, 7, 0, 0) / 1000;
  for (let cycle = 0; cycle < 15; cycle++)
    for (let p = 1; p <= 4; p++) {
      const g = t0 + cycle * 80 + (p - 1) * 20;
      rows.push([g, 1, p], [g + 15, 8, p], [g + 18, 9, p], [g + 18, 10, p], [g + 20, 11, p]);
      if (p === 2)
        for (let k = 0; k < 7; k++) {
          const arrive = g + 1 + 2 * k;
          rows.push([arrive - shift, 82, adv.channel!], [arrive - shift + 0.4, 81, adv.channel!], [arrive, 82, stop.channel!], [arrive + 0.6, 81, stop.channel!]);
        }
    }
  rows.sort((a, b) => a[0] - b[0]);
  const fmt = (t: number) => new Date(Math.round(t * 10) * 100).toISOString().replace('T', ' ').replace('Z', '').slice(0, 21);
  const lines = ['SignalID,Timestamp,EventCode,EventParam', ...rows.map(([t, c, p]) => `IA1,${fmt(t)},${c},${p}`)];
  // Oddities, after line 10: an unused code, an unknown code, an unmapped channel, another signal, malformed rows.
  lines.splice(10, 0, `IA1,${fmt(rows[8][0])},43,2`, `IA1,${fmt(rows[8][0])},999,0`, `IA1,${fmt(rows[8][0])},82,99`, `OTHER,${fmt(rows[8][0])},1,2`, 'IA1,2026-11-23 07:00:05.0,82', `IA1,yesterday,82,1`, `IA1,${fmt(rows[8][0])},x,1`);
  return { network, lines, adv, stop };
}

describe('ATSPM hi-res import', () => {
  it('turns detector and phase events into counts, arrivals and signal states; counts unknown codes; reports malformed rows by line', () => {
    const { network, lines, adv } = fixture();
    const problems: AtspmProblem[] = [];
    const records: DayRecord[] = [];
    const imp = new AtspmImport(network, { onProblem: (p) => problems.push(p) });
    lines.forEach((l, i) => imp.line(i + 1, l, (r) => records.push(r)));
    imp.end((r) => records.push(r));
    expect(problems.map((p) => [p.lineNo, p.code])).toEqual([[15, 'GW_ATSPM_COLUMNS'], [16, 'GW_ATSPM_TIMESTAMP'], [17, 'GW_ATSPM_NUMBER']]);
    const s = imp.stats();
    expect(s.eventsByCode).toMatchObject({ 43: 1, 999: 1, 11: 60 });
    expect(s.unknownChannels).toBe(1);
    for (let i = 1; i < records.length; i++) expect(records[i].atMs).toBeGreaterThanOrEqual(records[i - 1].atMs);
    const advCounts = records.filter((r): r is Extract<DayRecord, { kind: 'count' }> => r.kind === 'count' && (r.record as { detectorId: string }).detectorId === adv.id);
    expect(advCounts.reduce((n, r) => n + (r.record as { count: number }).count, 0)).toBe(15 * 7);
    expect(advCounts.every((r) => (r.record as { intervalSeconds: number }).intervalSeconds === 60)).toBe(true);
    const occ = (advCounts[1].record as { occupancy: number }).occupancy;
    expect(occ).toBeGreaterThan(0);
    expect(occ).toBeLessThan(0.1);
    expect(records.filter((r) => r.kind === 'phase' && r.phaseId === 'IA1:EW' && r.state === 'green')).toHaveLength(15);
    expect(records.filter((r) => r.kind === 'arrival' && r.detectorId === adv.id)).toHaveLength(15 * 7);
  });

  it('replays the log: measured arrivals on green under the actual signal states, against the engine', () => {
    const { network, lines } = fixture();
    const dir = mkdtempSync(join(tmpdir(), 'gw-atspm-'));
    writeFileSync(join(dir, 'net.json'), JSON.stringify(network));
    writeFileSync(join(dir, 'log.csv'), `${lines.join('\n')}\n`);
    const r = runCli(['replay', '--network', join(dir, 'net.json'), '--input', join(dir, 'log.csv'), '--out', join(dir, 'out'), '--json', '--no-progress', '--pcd', 'IA1']);
    expect(r.stderr).toContain('log.csv:15: GW_ATSPM_COLUMNS');
    expect(r.stderr).toContain('ATSPM import:');
    expect(r.status).toBe(1);
    const summary = JSON.parse(r.stdout) as ReplaySummary;
    const ia1 = summary.intersections.find((s) => s.intersectionId === 'IA1')!;
    expect(ia1.actual.arrivals).toBe(15 * 7);
    expect(ia1.actual.arrivalsOnGreen).toBe(15 * 7); // every vehicle was timed to arrive in green
    expect(ia1.actual.measuredSplitFailures).toBe(0);
    expect(summary.arrivalModel).toContain('measured');
    expect(summary.actualPlanSource).toContain('observed');
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('IA1 from');
    // Import statistics first in summary.json and in the report; a few bad rows are not flagged.
    expect(Object.keys(summary).slice(0, 3)).toEqual(['network', 'input', 'inputQuality']);
    expect(summary.inputQuality).toMatchObject({ rejected: 3, rejectedByReason: { GW_ATSPM_COLUMNS: 1, GW_ATSPM_TIMESTAMP: 1, GW_ATSPM_NUMBER: 1 }, eventCodes: { atspmTablesOnly: { 11: { events: 60, tables: ['terminations.csv', 'measured_splits.csv'] }, 43: { events: 1, tables: ['terminations.csv'] } }, unread: { 999: 1 } }, unmappedChannels: { 'IA1/99': 1 }, unknownDevices: { OTHER: 1 }, flags: [] });
    expect(html.indexOf('<h2>Input</h2>')).toBeLessThan(html.indexOf('What the engine would have changed'));
    expect(html).toContain('IA1/99 ×1');
    expect(html).toContain('Delay saved:');
    // Charts carry their units and scales; plan changes are neither good nor bad.
    expect(html).toContain('x (flow / capacity)');
    expect(html).toContain('seconds into the cycle (from start of red)');
    expect(html).toContain('entering flow (veh/h, left)');
    expect(html).toMatch(/<td>plan changes<\/td><td>\d+<\/td><td>\d+<\/td><td class="">/);
    // Per-phase and per-detector tables from the log's own events, in local time.
    expect(summary.atspm!.tables.map((t) => t.file)).toEqual(['actuations.csv', 'arrival_on_green.csv', 'split_failures.csv', 'terminations.csv', 'splits.csv', 'measured_splits.csv', 'yellow_red_actuations.csv', 'ped_delay.csv']);
    const aog = readFileSync(join(dir, 'out', 'atspm', 'arrival_on_green.csv'), 'utf8').trim().split('\n');
    expect(aog[0]).toBe('TimeStamp,DeviceId,Phase,Total_Actuations,Percent_AOG');
    // Phase 2's advance detector: 7 vehicles a cycle, all in green (each of its two approach detectors' events).
    expect(aog.slice(1).map((l) => l.split(',')).filter((c) => c[2] === '2').every((c) => c[4] === '1')).toBe(true);
    expect(existsSync(join(dir, 'out', 'atspm', 'split_failures.csv'))).toBe(true);
  });

  it('refuses a network that maps two intersections to one controller (exit 2, both named)', () => {
    const { network, lines } = fixture();
    network.intersections[1].external = { atspm: { signalId: 'IA1' } };
    const dir = mkdtempSync(join(tmpdir(), 'gw-atspm-'));
    writeFileSync(join(dir, 'net.json'), JSON.stringify(network));
    writeFileSync(join(dir, 'log.csv'), `${lines.join('\n')}\n`);
    const r = runCli(['replay', '--network', join(dir, 'net.json'), '--input', join(dir, 'log.csv'), '--out', join(dir, 'out'), '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`intersections IA1 and ${network.intersections[1].id} both map to controller (signal id) "IA1"`);
  });

  it('flags a run whose rows were mostly rejected and does not headline a saving', () => {
    const { network, lines } = fixture();
    const dir = mkdtempSync(join(tmpdir(), 'gw-atspm-'));
    writeFileSync(join(dir, 'net.json'), JSON.stringify(network));
    // Two of every three data rows with an unreadable timestamp.
    const bad = lines.map((l, i) => (i > 0 && i % 3 !== 0 ? l.replace(/,2026-11-23 /, ',23.11.2026 ') : l));
    writeFileSync(join(dir, 'log.csv'), `${bad.join('\n')}\n`);
    const r = runCli(['replay', '--network', join(dir, 'net.json'), '--input', join(dir, 'log.csv'), '--out', join(dir, 'out'), '--json', '--no-progress']);
    const summary = JSON.parse(r.stdout) as ReplaySummary;
    expect(summary.inputQuality!.rejectedShare).toBeGreaterThan(0.6);
    expect(summary.inputQuality!.flags[0]).toMatch(/^most of the input was rejected/);
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('Not a saving: most of the input was rejected');
    expect(html).not.toContain('Delay saved:');
    // Nor does the command's one-line summary.
    expect(r.stderr).toMatch(/veh·h \(not a saving: most of the input was rejected/);
    expect(r.stderr).not.toContain('% saved');
  });
});
