import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../../bench/sumo/generate-scenarios.js';
import { SCENARIOS } from '../../bench/sumo/scenario-definitions.js';
import { runCli } from '../fixtures/run-cli.js';
import { SKIP_SUMO, workDir } from '../sumo/sumo-kit.js';

const FIELDS = ['control', 'vehicles', 'arrived', 'meanTimeLoss', 'meanWaitingTime', 'meanTravelTime', 'teleports', 'planUpdates'];

describe.skipIf(SKIP_SUMO)('greenwave sumo (the CLI, on the single-lane grid, 5 simulated minutes)', () => {
  const dir = workDir('sumo-cli');
  let cfg = '';
  beforeAll(() => {
    cfg = generateScenario(SCENARIOS.find((s) => s.name === 'grid3-1lane')!, dir);
  });

  const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

  it('prints a summary and, with --json, one JSON object with the named fields on the last line', () => {
    const tripinfo = join(dir, 'engine.tripinfo.xml');
    const r = runCli(['sumo', '--config', cfg, '--end', '300', '--seed', '1', '--control', 'engine', '--json', '--tripinfo', tripinfo]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('mean time loss');
    const summary = lastJson(r.stdout);
    expect(Object.keys(summary)).toEqual(FIELDS);
    expect(summary['control']).toBe('engine');
    expect(summary['vehicles']).toBeGreaterThan(50);
    expect(summary['planUpdates']).toBeGreaterThan(0);
    expect(existsSync(tripinfo)).toBe(true);
  }, 120_000);

  it('runs max-pressure on the loops alone with --queues loops', () => {
    const r = runCli(['sumo', '--config', cfg, '--end', '300', '--seed', '1', '--control', 'max-pressure', '--queues', 'loops', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const summary = lastJson(r.stdout);
    expect(summary['control']).toBe('max-pressure');
    expect(summary['planUpdates']).toBeGreaterThan(10);
  }, 120_000);

  it('names what was wrong and exits 2 on bad arguments, before starting SUMO', () => {
    const seed = runCli(['sumo', '--config', cfg, '--seed', 'one', '--control', 'engine']);
    expect(seed.status).toBe(2);
    expect(seed.stderr).toContain('--seed = one: must be an integer');
    const end = runCli(['sumo', '--config', cfg, '--seed', '1', '--end', '-5', '--control', 'static']);
    expect(end.status).toBe(2);
    expect(end.stderr).toContain('--end = -5');
    const nothing = runCli(['sumo', '--seed', '1', '--control', 'static']);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain('--config');
  }, 60_000);
});
