import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../../bench/sumo/generate-scenarios.js';
import { SCENARIOS } from '../../bench/sumo/scenario-definitions.js';
import { runCli } from '../fixtures/run-cli.js';
import { sumoOptionArgs } from '../../cli/commands/sumo.js';
import { netgenerate, SKIP_SUMO, workDir } from '../sumo/sumo-kit.js';

const FIELDS = [
  'control', 'vehicles', 'arrived', 'meanTimeLoss', 'p95TimeLoss', 'meanWaitingTime', 'meanTravelTime', 'neverInserted', 'neverInsertedWaitSeconds',
  'insertionBacklogAtEnd', 'jammed', 'teleports', 'teleportsJam', 'planUpdates',
];

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
    // the summary names the binding; SUMO's own messages stay off stdout, in-process too
    expect(r.stdout).toMatch(/SUMO through (libsumo|traci)/);
    expect(r.stdout).not.toMatch(/Loading|Simulation ended/);
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
    expect(seed.stderr).toContain('greenwave sumo: --seed = one: must be a whole number');
    const end = runCli(['sumo', '--config', cfg, '--seed', '1', '--end', '-5', '--control', 'static']);
    expect(end.status).toBe(2);
    expect(end.stderr).toContain('--end = -5');
    const nothing = runCli(['sumo', '--seed', '1', '--control', 'static']);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain('--config');
    const option = runCli(['sumo', '--config', cfg, '--seed', '1', '--control', 'static', '--sumo-option', 'time-to-teleport']);
    expect(option.status).toBe(2);
    expect(option.stderr).toContain('--sumo-option = time-to-teleport: must be key=value');
    const binding = runCli(['sumo', '--config', cfg, '--seed', '1', '--control', 'static', '--sumo-binding', 'tcp']);
    expect(binding.status).toBe(2);
    expect(binding.stderr).toContain('--sumo-binding = tcp: Allowed choices are auto, libsumo, traci');
  }, 60_000);
});

describe('--sumo-option', () => {
  it('turns key=value into SUMO arguments, and refuses what the run sets itself', () => {
    expect(sumoOptionArgs(['time-to-teleport=-1', 'lateral-resolution=0.8'])).toEqual(['--time-to-teleport', '-1', '--lateral-resolution', '0.8']);
    expect(() => sumoOptionArgs(['seed=3'])).toThrow("--sumo-option = seed=3: 'seed' cannot be passed through (use --seed)");
    expect(() => sumoOptionArgs(['remote-port=9'])).toThrow("'remote-port' cannot be passed through");
    expect(() => sumoOptionArgs(['tripinfo-output=x.xml'])).toThrow('use --tripinfo');
    expect(() => sumoOptionArgs(['time-to-teleport='])).toThrow("--sumo-option = time-to-teleport=: no value after '='");
    expect(() => sumoOptionArgs(['--end=5'])).toThrow('must be key=value');
  });
});

// A vehicle stopped for good on the only lane of a 2x2 grid's middle edge, with a flow behind it: a jam that
// reaches back out of the network, so that vehicles cannot be inserted.
const JAM_ROUTES = `<routes>
    <route id="r" edges="left0A0 A0B0 B0right0"/>
    <vehicle id="blocker" route="r" depart="0">
        <stop lane="A0B0_0" endPos="120" duration="5000"/>
    </vehicle>
    <flow id="f" route="r" begin="5" end="600" period="4"/>
</routes>
`;

describe.skipIf(SKIP_SUMO)('greenwave sumo: jams, vehicles never inserted, options passed to SUMO, gzip-compressed inputs', () => {
  const dir = workDir('sumo-cli-jam');
  let net = '';
  let routes = '';
  beforeAll(() => {
    net = netgenerate(dir, 'jam', ['--grid', '--grid.number', '2', '--grid.length', '150', '--grid.attach-length', '100', '--default.lanenumber', '1', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true']).file;
    routes = join(dir, 'jam.rou.xml');
    writeFileSync(routes, JAM_ROUTES);
  });
  const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;

  it('with time-to-teleport=-1 the jam shows as a jam: vehicles standing, a backlog never inserted, no teleport', () => {
    const r = runCli(['sumo', '--net', net, '--routes', routes, '--end', '700', '--seed', '1', '--control', 'static', '--sumo-option', 'time-to-teleport=-1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = lastJson(r.stdout);
    expect(s['teleports']).toBe(0);
    expect(s['jammed']).toBeGreaterThan(10);
    expect(s['neverInserted']).toBeGreaterThan(50);
    expect(s['insertionBacklogAtEnd']).toBe(s['neverInserted']);
    // each vehicle never inserted waited from its departure time to the end (the flow departs 5..600 s)
    expect(s['neverInsertedWaitSeconds']).toBeGreaterThan(s['neverInserted'] * 100);
    expect(s['neverInsertedWaitSeconds']).toBeLessThan(s['neverInserted'] * 695);
    expect(r.stdout).toMatch(/never inserted {5}\d+ \(waited \d+ s in all\)/);
    expect(r.stdout).toMatch(/jammed {13}\d+ \(still in the network, standing 300 s or more\)/);
    expect(r.stdout).toMatch(/insertion backlog {2}\d+ at the end/);
    // with SUMO's default, vehicles that stood 300 s teleport
    const d = lastJson(runCli(['sumo', '--net', net, '--routes', routes, '--end', '700', '--seed', '1', '--control', 'static', '--json']).stdout);
    expect(d['teleports']).toBeGreaterThan(0);
  }, 120_000);

  it('reads gzip-compressed networks and routes, as SUMO does', () => {
    const netGz = join(dir, 'jam.net.xml.gz');
    const routesGz = join(dir, 'jam.rou.xml.gz');
    writeFileSync(netGz, gzipSync(readFileSync(net)));
    writeFileSync(routesGz, gzipSync(readFileSync(routes)));
    const plain = lastJson(runCli(['sumo', '--net', net, '--routes', routes, '--end', '200', '--seed', '1', '--control', 'actuated', '--json']).stdout);
    const r = runCli(['sumo', '--net', netGz, '--routes', routesGz, '--end', '200', '--seed', '1', '--control', 'actuated', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toEqual(plain);
    expect(plain['vehicles']).toBeGreaterThan(10);
    const imported = runCli(['import-sumo', netGz, '-o', join(dir, 'jam-gz.json')]);
    expect(imported.status, imported.stderr).toBeLessThan(2);
    expect(imported.stdout).toContain('4 signals');
    runCli(['import-sumo', net, '-o', join(dir, 'jam-plain.json')]);
    const strip = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8').replaceAll('.net.xml.gz', '.net.xml')) as unknown;
    expect(strip('jam-gz.json')).toEqual(strip('jam-plain.json'));
    // a damaged archive is named, not parsed as XML
    writeFileSync(join(dir, 'broken.net.xml.gz'), gzipSync(readFileSync(net)).subarray(0, 200));
    const broken = runCli(['import-sumo', join(dir, 'broken.net.xml.gz'), '-o', join(dir, 'broken.json')]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain('broken.net.xml.gz: gzip-compressed but cannot be decompressed');
  }, 120_000);
});
