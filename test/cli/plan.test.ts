import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
});
