import { describe, expect, it } from 'vitest';
import { verifyToken } from '../../adapters/websocket/tokens.js';
import { runCli } from '../fixtures/run-cli.js';

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, undefined, { env: { ...process.env, GREENWAVE_SECRET: '', ...env } });

describe('greenwave token', () => {
  it('mints a token the server verifies, with role, scope and expiry', () => {
    const secret = cli(['token', '--new-secret']).stdout.trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const r = cli(['token', '--role', 'detector', '--scope', 'IA1:*,IA2:*', '--sub', 'cabinet-1', '--expires-in', '1h'], { GREENWAVE_SECRET: secret });
    expect(r.status).toBe(0);
    const checked = verifyToken(secret, r.stdout.trim(), Date.now());
    expect(checked).toMatchObject({ ok: true, claims: { sub: 'cabinet-1', role: 'detector', scope: ['IA1:*', 'IA2:*'] } });
  });

  it('refuses a weak secret and an unknown role', () => {
    expect(cli(['token', '--role', 'viewer'], { GREENWAVE_SECRET: 'changeme' }).stderr).toMatch(/well-known default secret/);
    expect(cli(['token', '--role', 'admin'], { GREENWAVE_SECRET: 'a-strong-secret-0123456789' }).stderr).toMatch(/--role = admin/);
  });
});
