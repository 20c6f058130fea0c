import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliArgv, runCli } from '../fixtures/run-cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('greenwave start', () => {
  it('runs the demo with simulators, serves /health, records into its own working folder (not the repository), and stops cleanly on SIGINT with exit 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'greenwave-start-'));
    const recordingsInRepoBefore = existsSync(join(root, 'recordings')) ? readdirSync(join(root, 'recordings')).length : -1;
    try {
      const child = spawn(process.execPath, cliArgv(['start', '--demo', '--port', '0', '--log-format', 'json']), { cwd });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const healthUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${stdout} ${stderr}`)), 30_000);
        child.stdout.on('data', () => {
          const m = /health\s+(http:\/\/127\.0\.0\.1:\d+\/health)/.exec(stdout);
          if (m && stdout.includes('Press Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      expect(stdout).toMatch(/live feed ws:\/\/127\.0\.0\.1:\d+\/v1\/feed\?token=gw1\./);
      await expect
        .poll(async () => ((await (await fetch(healthUrl)).json()) as { controllersOnline: number }).controllersOnline, { timeout: 15_000 })
        .toBe(16);
      // one optimisation interval with counts in it is reported
      await expect.poll(() => /counts \+[1-9]/.test(stdout), { timeout: 15_000 }).toBe(true);
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(stdout).toContain('"msg":"stopped"');
      expect(stdout).not.toMatch(/"level":50/);
      // the default recording folder is relative to where the command runs: here, never the repository
      expect(readdirSync(join(cwd, 'recordings')).some((f) => f.endsWith('.ndjson.gz'))).toBe(true);
      expect(existsSync(join(root, 'recordings')) ? readdirSync(join(root, 'recordings')).length : -1).toBe(recordingsInRepoBefore);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start without a strong secret outside demo mode', () => {
    const r = runCli(['start', '--port', '0'], undefined, { env: { ...process.env, GREENWAVE_SECRET: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to start: the secret is empty/);
  });
});
