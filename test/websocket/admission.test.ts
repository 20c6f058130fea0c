import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serverPerTest, token } from './ws-test-kit.js';

const fx = serverPerTest();

/** An authorised upgrade request with a broken handshake (no Sec-WebSocket-Key, or a wrong version). */
function brokenHandshake(httpUrl: string, tok: string, variant: 'no-key' | 'bad-version'): Promise<number> {
  const headers: Record<string, string> = { connection: 'Upgrade', upgrade: 'websocket', authorization: `Bearer ${tok}`, 'sec-websocket-version': '13' };
  if (variant === 'bad-version') {
    headers['sec-websocket-key'] = 'dGhlIHNhbXBsZSBub25jZQ==';
    headers['sec-websocket-version'] = '7';
  }
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}/v1/feed`, { headers });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('error', () => resolve(-1));
    req.end();
  });
}

describe('admission (issue 11, defect 2)', () => {
  it('failed handshakes free their slot: after 50 of them, with room for 5, clients still get in', async () => {
    const s = await fx.start({ limits: { maxClients: 5 } });
    const viewer = token('viewer');
    const statuses = await Promise.all(Array.from({ length: 50 }, (_, i) => brokenHandshake(s.httpUrl, viewer, i % 2 ? 'no-key' : 'bad-version')));
    expect(statuses.every((x) => x === 400)).toBe(true);
    await expect.poll(() => s.server.metrics.get('greenwave_connections_refused_total', { code: 'GW_HTTP_BAD_HANDSHAKE' })).toBe(50);
    const feeds = [];
    for (let i = 0; i < 5; i++) feeds.push(await fx.connect('/v1/feed', viewer));
    for (const f of feeds) await f.nextOfType('snapshot');
    expect(s.server.metrics.get('greenwave_connections_refused_total', { code: 'GW_HTTP_TOO_MANY_CLIENTS' })).toBe(0);
  });
});
