import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** SUMO tests need the sumo/netgenerate binaries; set GREENWAVE_SKIP_SUMO=1 to skip them explicitly. */
export const SKIP_SUMO = process.env['GREENWAVE_SKIP_SUMO'] === '1';
export const SUMO_HOME = process.env['SUMO_HOME'] ?? '/usr/share/sumo';

export function workDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gw-${prefix}-`));
}

/** Runs netgenerate with the given arguments and returns the network's text. */
export function netgenerate(dir: string, name: string, args: string[]): { file: string; xml: string } {
  const file = join(dir, `${name}.net.xml`);
  try {
    execFileSync('netgenerate', [...args, '-o', file], { stdio: 'pipe', env: { ...process.env, SUMO_HOME } });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') throw new Error('netgenerate not found: install SUMO (apt-get install -y sumo sumo-tools) or set GREENWAVE_SKIP_SUMO=1');
    throw new Error(`netgenerate failed: ${err.stderr?.toString() ?? err.message}`);
  }
  return { file, xml: readFileSync(file, 'utf8') };
}
