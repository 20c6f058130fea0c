import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CorpusResultsFile } from '../../bench/sumo/corpus.js';
import { netgenerate, SKIP_SUMO, workDir } from './sumo-kit.js';

function corpus(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/sumo/corpus.ts', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('corpus runner: arguments', () => {
  it('names a bad argument and exits 2', () => {
    const t = corpus(['--teleport', 'sometimes']);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain('--teleport sometimes: must be default, off or both');
    const c = corpus(['--controls', 'static,fancy']);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain("--controls: unknown control 'fancy'");
    const j = corpus(['--jobs', '0']);
    expect(j.status).toBe(2);
    expect(j.stderr).toContain('--jobs = 0: must be an integer from 1 to 64');
    const d = corpus(['--demand-scale', '0']);
    expect(d.status).toBe(2);
    expect(d.stderr).toContain('--demand-scale 0: must be a number above 0 and at most 10');
    const u = corpus(['--frobnicate']);
    expect(u.status).toBe(2);
    expect(u.stderr).toContain('--frobnicate');
  }, 60_000);
});

describe.skipIf(SKIP_SUMO)('corpus runner on a scenario directory (child processes, cache, compare)', () => {
  const dir = workDir('corpus-runner');
  const scenarios = join(dir, 'scenarios');
  const cache = join(dir, 'cache');
  beforeAll(() => {
    mkdirSync(join(scenarios, 'tiny'), { recursive: true });
    netgenerate(join(scenarios, 'tiny'), 'tiny', ['--grid', '--grid.number', '2', '--grid.attach-length', '100', '--default-junction-type', 'traffic_light', '--no-turnarounds', 'true']);
    writeFileSync(join(scenarios, 'tiny', 'tiny.rou.xml'), `<routes>\n    <flow id="we" from="left0A0" to="B0right0" begin="0" end="240" period="5"/>\n    <flow id="sn" from="bottom0A0" to="A1top0" begin="0" end="240" period="7"/>\n</routes>\n`);
    writeFileSync(
      join(scenarios, 'tiny', 'corpus-tiny.sumocfg'),
      `<configuration><input><net-file value="tiny.net.xml"/><route-files value="tiny.rou.xml"/></input><time><begin value="0"/><end value="300"/></time></configuration>\n`,
    );
  });

  it('runs each control in a child process, caches by content, and compares two result files', () => {
    const args = ['--only', 'corpus-tiny', '--scenarios-dir', scenarios, '--controls', 'static,actuated,own', '--cache-dir', cache, '--teleport', 'both'];
    const first = corpus([...args, '--out', join(dir, 'a.json'), '--label', 'first']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('1 scenarios, 6 runs: 0 cached, 6 to run');
    expect(first.stdout).toMatch(/\| corpus-tiny \| (train|validation) \| default \| [\d.]+ \/ \d+ \| [\d.]+ \/ \d+ \| [\d.]+ \/ \d+ \| (static|actuated) \| [\d.]+ \|/);
    expect(first.stdout).toMatch(/\| corpus-tiny \| (train|validation) \| off \|/);
    const a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as CorpusResultsFile;
    expect(a.results).toHaveLength(6);
    for (const r of a.results) {
      expect(r.error).toBeUndefined();
      expect(r.metrics!.vehiclesDue).toBeGreaterThan(50);
    }
    // read in place: the config of the scenario directory itself
    expect(a.scenarios[0].configFile).toBe(join(scenarios, 'tiny', 'corpus-tiny.sumocfg'));
    // nothing changed: every run comes from the cache, with the same figures
    const second = corpus([...args, '--out', join(dir, 'b.json'), '--label', 'second']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('6 cached, 0 to run');
    expect(second.stdout.split('\n').filter((l) => l.startsWith('| corpus-tiny'))).toEqual(first.stdout.split('\n').filter((l) => l.startsWith('| corpus-tiny')));
    const cmp = corpus(['--compare', join(dir, 'a.json'), join(dir, 'b.json'), '--control', 'own']);
    expect(cmp.status, cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain('| scenario | split | teleport | first own ratio | second own ratio | change |');
    expect(cmp.stdout).toMatch(/\| corpus-tiny \| \w+ \| default \| [\d.]+ \| [\d.]+ \| \+0\.0 % \|/);
    // the demand changes: its runs are made again
    writeFileSync(join(scenarios, 'tiny', 'tiny.rou.xml'), `<routes>\n    <flow id="we" from="left0A0" to="B0right0" begin="0" end="240" period="4"/>\n</routes>\n`);
    const third = corpus(['--only', 'corpus-tiny', '--scenarios-dir', scenarios, '--controls', 'own', '--cache-dir', cache, '--out', join(dir, 'c.json')]);
    expect(third.stderr).toContain('0 cached, 1 to run');
    // the whole demand scaled (SUMO's --scale): runs of their own, with that many fewer vehicles
    const half = corpus(['--only', 'corpus-tiny', '--scenarios-dir', scenarios, '--controls', 'own', '--cache-dir', cache, '--demand-scale', '0.5', '--out', join(dir, 'd.json')]);
    expect(half.status, half.stderr).toBe(0);
    expect(half.stderr).toContain('0 cached, 1 to run');
    const due = (f: string) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as CorpusResultsFile).results[0].metrics!.vehiclesDue;
    expect(due('d.json')).toBeGreaterThanOrEqual(Math.floor(due('c.json') / 2) - 1);
    expect(due('d.json')).toBeLessThanOrEqual(Math.ceil(due('c.json') / 2) + 1);
  }, 240_000);
});
