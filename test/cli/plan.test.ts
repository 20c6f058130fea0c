import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { checkPlanSafety } from '../../engine/safety/plan-safety-gate.js';
import type { PhasePlan } from '../../engine/plan-types.js';
import { runCli } from '../fixtures/run-cli.js';

describe('greenwave plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-plan-'));
  const counts = join(dir, 'counts.ndjson');
  const synth = runCli(['synth-counts', '--network', 'demo:grid', '--from', '07:00', '--to', '07:30', '--seed', '4']);
  writeFileSync(counts, synth.stdout);

  it('prints safe plans as NDJSON for a counts file', () => {
    expect(synth.status).toBe(0);
    const r = runCli(['plan', '--network', fileURLToPath(new URL('../../network-models/demo/grid-4x4.json', import.meta.url)), '--counts', counts, '--period', '120']);
    expect(r.status).toBe(0);
    const plans = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan);
    expect(plans.length).toBeGreaterThanOrEqual(16);
    const net = gridCityNetwork();
    for (const p of plans) expect(checkPlanSafety(p, net.intersections.find((x) => x.id === p.intersectionId)!)).toEqual([]);
    expect(r.stderr).toContain(`${30 * net.detectors.length} counts accepted, 0 rejected, 16 optimisations`);
  });

  it('reports bad records with their line numbers, keeps going, and exits 1', () => {
    const mixed = join(dir, 'mixed.ndjson');
    const lines = synth.stdout.trim().split('\n');
    lines.splice(5, 0, '{"detectorId":"IA1:E0:stop","timestamp":"2026-11-23T07:01:00Z","count":-1,"intervalSeconds":60}', 'not json');
    writeFileSync(mixed, lines.join('\n'));
    const r = runCli(['plan', '--network', 'demo:grid', '--counts', mixed]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(':6: GW_ERR_COUNT_FIELD count = -1: must be a whole number >= 0');
    expect(r.stderr).toContain(':7: not valid JSON');
    expect(r.stdout.trim().split('\n').length).toBeGreaterThan(10);
  });

  it('fails clearly on a bad network or a missing counts file', () => {
    const badNet = join(dir, 'bad.json');
    const net = gridCityNetwork();
    net.intersections[0].phases[0].minGreenSeconds = -2;
    writeFileSync(badNet, JSON.stringify(net));
    const r1 = runCli(['plan', '--network', badNet, '--counts', counts]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain('intersections[0].phases[0].minGreenSeconds = -2');
    const r2 = runCli(['plan', '--network', 'demo:grid', '--counts', join(dir, 'missing.ndjson')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/greenwave plan: --counts .*missing.ndjson: no such file or directory/);
  });
  it("takes the engine configuration of `start --config`: a limit set there rejects what it should, a misspelt key stops it", () => {
    const config = join(dir, 'greenwave.json');
    writeFileSync(config, JSON.stringify({ optimisationPeriodSeconds: 120, engine: { maxLaneFlowVehPerHour: 300 } }));
    const r = runCli(['plan', '--network', 'demo:grid', '--counts', counts, '--config', config]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/GW_ERR_COUNT_IMPOSSIBLE count = \d+: \d+ veh in 60 s is \d+ veh\/h, above the limit of 300 veh\/h/);
    // its period too: 30 minutes of counts at 120 s
    expect(r.stderr).toContain(', 16 optimisations,');
    writeFileSync(config, JSON.stringify({ engine: { smoothingSecond: 30 } }));
    const bad = runCli(['plan', '--network', 'demo:grid', '--counts', counts, '--config', config]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('engine.smoothingSecond: unknown key (did you mean smoothingSeconds?)');
  });

  it('runs a day file with the engine configuration its engine start recorded, and refuses an unusable one by line', () => {
    const lines = synth.stdout.trim().split('\n');
    const firstMs = Date.parse('2026-11-23T07:00:00Z');
    const start = (engine: unknown) => JSON.stringify({ kind: 'fault', atMs: firstMs, event: { type: 'engine-start', planVersionBase: 500, optimisationPeriodSeconds: 120, engine } });
    const day = (engine: unknown) => gzipSync([start(engine), ...lines.map((l) => JSON.stringify({ kind: 'count', atMs: (JSON.parse(l) as { timestamp: number }).timestamp, record: JSON.parse(l) }))].join('\n'));
    const dayFile = join(dir, 'day.ndjson.gz');
    writeFileSync(dayFile, day({ maxLaneFlowVehPerHour: 300, optimisationPeriodSeconds: 120 }));
    const r = runCli(['plan', '--network', 'demo:grid', '--counts', dayFile]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('above the limit of 300 veh/h');
    expect(r.stderr).toContain(', 16 optimisations,');
    expect((JSON.parse(r.stdout.split('\n')[0]) as PhasePlan).version).toBeGreaterThan(500);
    // --config overrides what was recorded, and says so
    const config = join(dir, 'plain.json');
    writeFileSync(config, JSON.stringify({ engine: {} }));
    const overridden = runCli(['plan', '--network', 'demo:grid', '--counts', dayFile, '--config', config]);
    expect(overridden.status).toBe(0);
    expect(overridden.stderr).toContain(`note: --config ${config} is used instead of the engine configuration ${dayFile} recorded`);
    writeFileSync(dayFile, day({ smoothingSeconds: -5 }));
    const bad = runCli(['plan', '--network', 'demo:grid', '--counts', dayFile]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/day\.ndjson\.gz:1: the engine configuration recorded at the engine's start is not usable \(engine\.smoothingSeconds: .+\); pass the run's configuration with --config/);
  });

  it('a day file that continues a run from the day before: the earlier day is read first (its bad lines are its own), and the plans are those of the run over both days', () => {
    const days = mkdtempSync(join(tmpdir(), 'gw-plan-days-'));
    const synthDay = (date: string, from: string, to: string) =>
      runCli(['synth-counts', '--network', 'demo:arterial', '--date', date, '--from', from, '--to', to, '--seed', '7']).stdout.trim().split('\n').map((l) => {
        const record = JSON.parse(l) as { timestamp: string };
        return JSON.stringify({ kind: 'count', atMs: Date.parse(record.timestamp), record });
      });
    const runStartMs = Date.UTC(2026, 10, 23, 23, 40);
    const engine = { type: 'engine-start', planVersionBase: 5000, optimisationPeriodSeconds: 60, engine: { smoothingSeconds: 120 } };
    const start = JSON.stringify({ kind: 'fault', atMs: runStartMs, event: engine });
    const midnight = Date.UTC(2026, 10, 24);
    // as the recorder files them: by the time received (here the interval's end), the counts ending at midnight in the new day
    const all = [...synthDay('2026-11-23', '23:40', '24:00'), ...synthDay('2026-11-24', '00:00', '00:15')];
    const before = all.filter((l) => (JSON.parse(l) as { atMs: number }).atMs < midnight);
    const after = all.filter((l) => (JSON.parse(l) as { atMs: number }).atMs >= midnight);
    const dayEnd = JSON.stringify({ kind: 'fault', atMs: midnight - 1, event: { type: 'engine-day-end', nextDay: '2026-11-24' } });
    const continued = JSON.stringify({ kind: 'fault', atMs: midnight, event: { ...engine, continuesRunFromMs: runStartMs, engineAtMs: midnight } });
    const stop = JSON.stringify({ kind: 'fault', atMs: midnight + 15 * 60_000, event: { type: 'engine-stop' } });
    const write = (name: string, lines: string[]) => writeFileSync(join(days, name), gzipSync(`${lines.join('\n')}\n`));
    write('greenwave-2026-11-23.ndjson.gz', [start, ...before.slice(0, 50), 'not json', ...before.slice(50), dayEnd]);
    write('greenwave-2026-11-24.ndjson.gz', [continued, ...after, stop]);
    // the same run in one file: what the live engine did over both days
    write('whole.ndjson.gz', [start, ...before, ...after, stop]);

    const whole = runCli(['plan', '--network', 'demo:arterial', '--counts', join(days, 'whole.ndjson.gz')]);
    expect(whole.status).toBe(0);
    const second = runCli(['plan', '--network', 'demo:arterial', '--counts', join(days, 'greenwave-2026-11-24.ndjson.gz')]);
    expect(second.stderr).toContain(`read ${join(days, 'greenwave-2026-11-23.ndjson.gz')} first (their plans are not printed)`);
    // the counts of its own day only, none rejected (the earlier day's bad line is that day's)
    expect(second.stderr).toContain(`${after.length} counts accepted, 0 rejected`);
    expect(second.status).toBe(0);
    const plans = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as PhasePlan);
    const fromMidnight = plans(whole.stdout).filter((p) => p.computedAtMs >= midnight);
    expect(fromMidnight.length).toBeGreaterThan(0);
    expect(plans(second.stdout)).toEqual(fromMidnight);
    // and the first day alone ends at its midnight
    const first = runCli(['plan', '--network', 'demo:arterial', '--counts', join(days, 'greenwave-2026-11-23.ndjson.gz')]);
    expect(first.status).toBe(1);
    expect(plans(first.stdout)).toEqual(plans(whole.stdout).filter((p) => p.computedAtMs < midnight));
  });
});
