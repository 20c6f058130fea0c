import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/run-cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('greenwave start', () => {
  it('runs the demo with simulators, serves /health, and stops cleanly on SIGINT with exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/greenwave.ts', 'start', '--demo', '--port', '0', '--period', '1', '--interval', '1', '--log-format', 'json'], { cwd: root });
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
  });

  it('refuses to start without a strong secret outside demo mode', () => {
    const r = runCli(['start', '--port', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to start: the secret is empty/);
  });
});
