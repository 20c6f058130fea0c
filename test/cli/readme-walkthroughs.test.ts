import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every fenced `sh` block of the README, executed as written in a fresh temporary folder with `greenwave` on the
 * PATH (the CLI from these sources), so that the walkthroughs cannot rot. A block that is not a walkthrough
 * must be listed below with the reason it is not run here; a new block is run, or this test fails until it is
 * classified.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].trim());
const firstLine = (block: string) => block.split('\n')[0];

/** Blocks not run by this test, by their first line, and why. */
const NOT_RUN: Record<string, string> = {
  'greenwave import-sumo city.net.xml -o city.json       # network file + city.det.add.xml with the loops':
    'a command reference with placeholder files (city.net.xml, scenario.sumocfg): the closed loop is covered by test/cli/sumo-cli.test.ts and the SUMO walkthrough below',
  'npx tsx bench/optimizer.bench.ts    # re-optimise 1 / 100 / 1,000 / 10,000 signals (tinybench)': 'benchmarks: minutes of measurement, run from bench/, not tests',
};
/** Blocks run, but long (SUMO simulates twice): their own time budget. */
const LONG = new Set(['netgenerate --grid --grid.number 3 --grid.length 200 --grid.attach-length 120 --default.lanenumber 2 --tls.guess true --default-junction-type traffic_light -o grid.net.xml']);
/** The first block sets up and starts the demo server: run as a server (probe /health, stop), see below. */
const SETUP_BLOCK = blocks[0];

const work = mkdtempSync(join(tmpdir(), 'greenwave-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const shims = join(work, 'bin');
spawnSync('mkdir', ['-p', shims]);
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
writeFileSync(join(shims, 'greenwave'), `#!/bin/sh\nexec "${process.execPath}" --import "${tsxLoader}" "${join(root, 'cli/greenwave.ts')}" "$@"\n`);
chmodSync(join(shims, 'greenwave'), 0o755);
const env = { ...process.env, PATH: `${shims}:${process.env.PATH}` };

function runBlock(block: string): { status: number | null; stdout: string; stderr: string; cwd: string } {
  const cwd = mkdtempSync(join(work, 'walkthrough-'));
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

describe('README walkthroughs run as written', () => {
  it('every sh block is run here or listed with the reason it is not', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const key of Object.keys(NOT_RUN)) expect(blocks.map(firstLine), `NOT_RUN lists a block the README no longer has: ${key}`).toContain(key);
  });

  for (const block of blocks.filter((b) => b !== SETUP_BLOCK && !(firstLine(b) in NOT_RUN))) {
    const long = LONG.has(firstLine(block));
    it(`${long ? '(long) ' : ''}${firstLine(block).slice(0, 90)}`, () => {
      const r = runBlock(block);
      expect(r.status, `${block}\n--- stderr ---\n${r.stderr.slice(-3000)}`).toBe(0);
    }, long ? 600_000 : 180_000);
  }

  it('the first block: npm start serves the demo (probe /health), and stops cleanly on Ctrl-C', async () => {
    expect(SETUP_BLOCK).toContain('npm ci && npm start');
    // npm ci has been done (these tests run in the installed tree) and npm test is this suite: `npm start` is run,
    // as written plus a free port (8080 may be taken on a test machine) and a recording folder outside the tree
    const recordings = mkdtempSync(join(work, 'recordings-'));
    const child = spawn('npm', ['start', '--', '--port', '0', '--record', recordings, '--log-format', 'json'], { cwd: root, env, detached: true });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.resume();
    try {
      await expect.poll(() => /health\s+(http:\/\/\S+\/health)/.exec(stdout)?.[1], { timeout: 60_000 }).toBeDefined();
      const health = /health\s+(http:\/\/\S+\/health)/.exec(stdout)![1];
      const body = (await (await fetch(health)).json()) as { status?: string };
      expect(body).toBeTruthy();
      expect(stdout).toMatch(/dashboard http:\/\/127\.0\.0\.1:\d+\/\?token=gw1\./);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
      await once(child, 'exit');
    }
    expect(stdout).toContain('"msg":"stopped"');
  }, 120_000);
});
