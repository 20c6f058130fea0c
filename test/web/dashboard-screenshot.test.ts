import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The README's dashboard picture is taken by a script (scripts/dashboard-screenshot.ts): run here as documented, so
 * that it cannot rot again (it had: a weak secret the server now refuses, and a virtual clock that moved a minute
 * at once, past two heartbeats, so the server dropped every device and the picture showed no counts).
 */
describe('the dashboard screenshot script', () => {
  it('photographs the demo city on a live server fed over real sockets', () => {
    execFileSync(process.execPath, [join(root, 'web/dashboard/build-dashboard.mjs')], { stdio: 'inherit' });
    const dir = mkdtempSync(join(tmpdir(), 'greenwave-shot-'));
    try {
      const out = join(dir, 'dashboard.png');
      const printed = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/dashboard-screenshot.ts'), '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(printed).toBe(`${out}: Demo grid city: 4x4 signals, 16 signals\n`);
      const png = readFileSync(out);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      // IHDR: width and height, big-endian, at bytes 16 and 20 (the viewport's width, the whole page's height)
      expect(png.readUInt32BE(16)).toBe(1500);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(1100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
