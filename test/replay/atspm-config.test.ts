import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDetectorConfigCsv, type DetectorConfigProblem } from '../../replay/atspm/detector-config-csv.js';
import { SKELETON_DEFAULTS, skeletonNetwork } from '../../replay/atspm/skeleton-network.js';
import { validateNetwork } from '../../network-models/load-network.js';
import type { BinRow, ReplaySummary } from '../../replay/replay-summary.js';
import { runCli } from '../fixtures/run-cli.js';

/** Python `atspm` layout: one row a function. Device 7: phases 2 and 6 through, 4 and 8 cross street. */
const PYTHON_CONFIG = `DeviceId,Phase,Parameter,Function
7,2,1,Advance
7,2,3,Presence
7,6,5,Advance
7,6,7,Presence
7,4,9,Presence
7,8,11,Presence
7,2,3,Yellow_Red
7,2,13,Count
7,x,14,Presence
7,4,15,Radar`;

describe('ATSPM detector configuration', () => {
  it('reads the Python atspm layout, merging the functions of a channel and reporting bad rows by line', () => {
    const problems: DetectorConfigProblem[] = [];
    const config = parseDetectorConfigCsv(PYTHON_CONFIG, (p) => problems.push(p));
    expect(problems.map((p) => p.lineNo)).toEqual([10, 11]);
    expect(problems[0].message).toContain('phase "x" must be a whole number 1..16');
    expect(problems[1].message).toContain('function "Radar"');
    expect(config.of('7', 3)).toEqual([{ deviceId: '7', channel: 3, phase: 2, functions: ['Presence', 'Yellow_Red'] }]);
    expect(config.of('7', 13)![0].functions).toEqual(['Count']);
    expect(config.detectors).toHaveLength(7);
  });

  it("reads UDOT's detector export: detection types, distance in feet and approach speed in mph", () => {
    const udot = `Signal ID,Det Channel,Phase,Detection Types,Distance From Stop Bar,Approach Speed
7115,2,2,"Advanced Count, Advanced Speed",400,45
7115,5,2,Stop Bar Presence,0,45
7115,9,4,Lane-by-lane Count,,`;
    const config = parseDetectorConfigCsv(udot);
    const adv = config.of('7115', 2)![0];
    expect(adv.functions).toEqual(['Advance']);
    // 400 ft = 121.92 m; 45 mph = 20.1168 m/s: 6.06 s to the stop bar.
    expect(adv.distanceFromStopBarMetres).toBeCloseTo(121.92, 6);
    expect(adv.approachSpeedMetresPerSecond).toBeCloseTo(20.1168, 6);
    expect(config.of('7115', 5)![0].functions).toEqual(['Presence', 'Yellow_Red']);
    expect(config.of('7115', 9)![0]).toEqual({ deviceId: '7115', channel: 9, phase: 4, functions: ['Count'] });
    expect(() => parseDetectorConfigCsv('Signal,Channel\n1,2')).toThrow(/no column for the phase \(Phase\), the function/);
  });

  it('a distance or speed out of range: reported with its line, value and limit; the detector kept without it', () => {
    const udot = `Signal ID,Det Channel,Phase,Detection Types,Distance From Stop Bar (m),Approach Speed (km/h)
7115,2,2,Advanced Count,-40,50
7115,3,2,Advanced Count,120,fast
7115,4,2,Advanced Count,120,0
7115,5,2,Advanced Count,120,54`;
    const problems: DetectorConfigProblem[] = [];
    const config = parseDetectorConfigCsv(udot, (p) => problems.push(p));
    expect(problems).toEqual([
      { lineNo: 2, kept: true, message: 'distance from stop bar "-40" must be a number ≥ 0 (m); the detector is kept, its actuations not moved to the stop bar' },
      { lineNo: 3, kept: true, message: 'approach speed "fast" must be a number > 0 (km/h); the detector is kept, its actuations not moved to the stop bar' },
      { lineNo: 4, kept: true, message: 'approach speed "0" must be a number > 0 (km/h); the detector is kept, its actuations not moved to the stop bar' },
    ]);
    expect(config.detectors).toHaveLength(4);
    expect(config.of('7115', 2)![0]).toEqual({ deviceId: '7115', channel: 2, phase: 2, functions: ['Advance'], approachSpeedMetresPerSecond: 50 / 3.6 });
    expect(config.of('7115', 3)![0]).toEqual({ deviceId: '7115', channel: 3, phase: 2, functions: ['Advance'], distanceFromStopBarMetres: 120 });
    expect(config.of('7115', 5)![0]).toEqual({ deviceId: '7115', channel: 5, phase: 2, functions: ['Advance'], distanceFromStopBarMetres: 120, approachSpeedMetresPerSecond: 15 });
  });

  it('builds a valid network skeleton: ring partners as one phase, in NEMA order, the defaults stated', () => {
    const config = parseDetectorConfigCsv(PYTHON_CONFIG);
    // Phase 1 appears only in the log (a protected left with no detector).
    const net = skeletonNetwork(config, new Map([['7', new Set([1, 2, 4])]]), 'America/Denver');
    expect(validateNetwork(net).ok).toBe(true);
    const x = net.intersections[0];
    expect(x.id).toBe('D7');
    expect(x.phases.map((p) => p.id)).toEqual(['D7:1', 'D7:2+6', 'D7:4+8']);
    expect(x.external).toEqual({ atspm: { signalId: '7', phases: { 'D7:1': [1], 'D7:2+6': [2, 6], 'D7:4+8': [4, 8] } } });
    // Phase 2's approach: advance channel 1 and stop-bar channels 3 and 13: two lanes.
    expect(net.links.find((l) => l.id === 'D7:p2')!.lanes).toBe(2);
    expect(net.detectors.filter((d) => d.linkId === 'D7:p2').map((d) => [d.channel, d.kind, d.distanceFromStopLineMetres])).toEqual([[3, 'stop-line', 0], [13, 'stop-line', 0], [1, 'advance', SKELETON_DEFAULTS.advanceDistanceMetres]]);
    expect(net.external).toEqual({ atspmSkeleton: { defaults: SKELETON_DEFAULTS } });
    expect(net.timeZone).toBe('America/Denver');
    // 3 phases over the 120 s default cycle: (120 - 3 × 6) / 3 = 34 s of green each.
    expect(x.fallbackPlans).toEqual([{ startsAt: '00:00', cycleSeconds: 120, offsetSeconds: 0, greenSecondsByPhase: { 'D7:1': 34, 'D7:2+6': 34, 'D7:4+8': 34 } }]);
  });

  it('replays an event log with only the detector configuration: no network file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-atspm-config-'));
    writeFileSync(join(dir, 'detectors.csv'), PYTHON_CONFIG);
    // 20 minutes of 60 s cycles: 2+6 green 0-30 s, yellow 30-34, red clearance 34-36; 4+8 green 36-54, yellow
    // 54-58, red clearance 58-60. A vehicle over phase 2's advance detector at 10 s and 40 s of each cycle.
    const rows: string[] = ['TimeStamp,DeviceId,EventId,Parameter'];
    const t0 = Date.UTC(2026, 10, 23, 7);
    const at = (s: number) => new Date(t0 + s * 1000).toISOString().replace('T', ' ').replace('Z', '0000');
    const events: Array<[number, number, number]> = [];
    for (let c = 0; c < 20; c++) {
      const s = c * 60;
      for (const p of [2, 6]) events.push([s, 1, p], [s + 30, 8, p], [s + 34, 10, p]);
      for (const p of [4, 8]) events.push([s + 36, 1, p], [s + 54, 8, p], [s + 58, 10, p]);
      events.push([s + 10, 82, 1], [s + 10.5, 81, 1], [s + 40, 82, 1], [s + 40.5, 81, 1], [s + 12, 82, 3], [s + 13, 81, 3]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [s, code, param] of events) rows.push(`${at(s)},7,${code},${param}`);
    writeFileSync(join(dir, 'log.csv'), `${rows.join('\n')}\n`);
    const r = runCli(['replay', '--atspm-config', join(dir, 'detectors.csv'), '--input', join(dir, 'log.csv'), '--out', join(dir, 'out'), '--json', '--no-progress', '--time-zone', 'America/Denver']);
    expect(r.stderr).toContain('detectors.csv:10: phase "x"');
    const summary = JSON.parse(r.stdout) as ReplaySummary;
    expect(summary.network).toBe('ATSPM detector configuration (1 controller)');
    expect(summary.atspm!.detectorConfig).toContain('network skeleton with stated defaults (approachLengthMetres 300');
    expect(summary.inputQuality!.rejected).toBe(0);
    // The log's 07:00 is Denver time (14:00Z): the tables keep it as written, the report's charts show it.
    expect(summary.atspm!.timeZone).toBe('America/Denver');
    expect([summary.atspm!.firstEvent, summary.atspm!.lastEvent]).toEqual(['2026-11-23 07:00:00', '2026-11-23 07:19:58']);
    // Every other output in the same local time, the zone named: summary, bins.ndjson.
    expect([summary.from, summary.timeZone]).toEqual(['2026-11-23T07:00:00.000-07:00', 'America/Denver']);
    const bins = readFileSync(join(dir, 'out', 'bins.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BinRow);
    expect(bins.map((b) => [b.binStart, b.timeZone])).toEqual([['2026-11-23T07:00:00.000-07:00', 'America/Denver'], ['2026-11-23T07:15:00.000-07:00', 'America/Denver']]);
    expect(bins[0].binStartMs).toBe(Date.UTC(2026, 10, 23, 14));
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('time of day (America/Denver)');
    expect(html).toContain('Purdue Coordination Diagrams per phase (from the event log)');
    // Its first arrival comes before phase 2's first red (no cycle to place it in): 19 of the other 39 on green.
    expect(html).toContain('7 phase 2 · arrivals on green 48.7 %');
    // The engine's default-timed plans lose here: said as such, never as a negative saving.
    expect(summary.totals.delaySavedVehHours).toBeLessThan(0);
    expect(html).toContain("No saving: the engine's plans would have <b>added");
    expect(html).not.toContain('Delay saved:');
    // Advance channel 1: actuations at 10 s (green) and 40 s (red) of each cycle, 50 % on green. The
    // configuration gives no distance: the tables judge them where they are; the replay moves them the
    // skeleton's default 120 m at 13.9 m/s (8.6 s), to 18.6 s (green) and 48.6 s (red): 50 % too.
    const aog = readFileSync(join(dir, 'out', 'atspm', 'arrival_on_green.csv'), 'utf8').trim().split('\n');
    expect(aog.slice(1)).toEqual(['2026-11-23 07:00:00,7,2,30,0.5', '2026-11-23 07:15:00,7,2,10,0.5']);
    const d7 = summary.intersections.find((s) => s.intersectionId === 'D7')!;
    expect(d7.actual.arrivals).toBe(40);
    expect(d7.actual.arrivalsOnGreen).toBe(20);
  });
});
