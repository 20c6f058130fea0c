import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'greenwave-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });

describe('installable greenwave', () => {
  it('packs only what it needs, installs from the tarball into a fresh prefix, and runs `greenwave --help` from another folder', () => {
    expect(existsSync(join(root, 'dist/cli/greenwave.js')), 'dist/ is missing: npm run build').toBe(true);
    // --ignore-scripts: pack the dist/ that is there; rebuilding it is `prepare`'s job in a clone, not this test's
    const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
    expect(pack.status, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed.files.map((f) => f.path);
    expect(files).toContain('dist/cli/greenwave.js');
    expect(files).toContain('dist/web/index.html');
    expect(files).toContain('dist/adapters/files/day-file-worker.js');
    expect(files).toContain('dist/replay/measure-worker.js');
    // every picture the README shows is in the package (npm renders the README with them)
    for (const [, image] of readFileSync(join(root, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) expect(files).toContain(image);
    expect(files.filter((f) => /^(test|bench|web|engine|cli|replay|adapters|network-models)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.length).toBeLessThan(300);

    const prefix = join(work, 'prefix');
    const install = npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], work);
    expect(install.status, install.stderr).toBe(0);
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    const help = spawnSync(join(prefix, 'bin', 'greenwave'), ['--help'], { cwd: elsewhere, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: greenwave');
    expect(help.stdout).toContain('Exit codes: 0 ok');
    // and a command that does work, from there: the demo networks and the CLI's modules are all in the package
    const synth = spawnSync(join(prefix, 'bin', 'greenwave'), ['synth-counts', '--network', 'demo:arterial', '--to', '06:05'], { cwd: elsewhere, encoding: 'utf8' });
    expect(synth.status, synth.stderr).toBe(0);
    expect(synth.stdout.trim().split('\n').length).toBeGreaterThan(10);
    expect(readdirSync(elsewhere)).toEqual([]);
  }, 180_000);
});
