import { request } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admission } from '../../adapters/websocket/admission.js';
import type { Role } from '../../adapters/websocket/tokens.js';
import { countsFor, refusal, serverPerTest, T0, token } from './ws-test-kit.js';

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

describe('fair admission (issue 11, item 5)', () => {
  it('controllers always get in: their pool is their own, whatever the storm on the shared one', async () => {
    const s = await fx.start({ limits: { maxClients: 6, maxViewerClients: 3 } });
    for (let i = 0; i < 3; i++) await fx.connect('/v1/feed', token('viewer', ['*'], `viewer-${i}`));
    expect((await refusal(`${s.wsUrl}/v1/feed`, { authorization: `Bearer ${token('viewer', ['*'], 'viewer-9')}` })).body.error).toMatchObject({
      code: 'GW_HTTP_TOO_MANY_CLIENTS',
      reason: expect.stringContaining('maxViewerClients'),
    });
    // viewers could not crowd detectors out: three detector slots are left
    for (let i = 0; i < 3; i++) await fx.connect('/v1/detectors', token('detector', ['*'], `gateway-${i}`));
    expect((await refusal(`${s.wsUrl}/v1/detectors`, { authorization: `Bearer ${token('detector', ['*'], 'gateway-9')}` })).status).toBe(503);
    const cabinet = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    cabinet.send({ type: 'hello' });
    await cabinet.nextOfType('welcome');
    const m = await (await fetch(`${s.httpUrl}/metrics`)).text();
    expect(m).toContain('greenwave_connection_slots_held{role="controller"} 1');
    expect(m).toContain('greenwave_connections_refused_total{code="GW_HTTP_TOO_MANY_CLIENTS"} 2');
  });

  it('one token holds at most maxConnectionsPerToken sockets (HTTP 429); closing one frees its place', async () => {
    const s = await fx.start({ limits: { maxConnectionsPerToken: 3 } });
    const tok = token('viewer', ['*'], 'greedy');
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await fx.connect('/v1/feed', tok));
    expect(await refusal(`${s.wsUrl}/v1/feed`, { authorization: `Bearer ${tok}` })).toMatchObject({ status: 429, body: { error: { code: 'GW_HTTP_TOKEN_CONNECTION_LIMIT' } } });
    await fx.connect('/v1/feed', token('viewer', ['*'], 'someone-else'));
    held[0].close();
    await held[0].closedWith();
    await expect.poll(async () => (await fx.connect('/v1/feed', tok).then(() => true, () => false))).toBe(true);
  });

  it('rate limits count records, not only messages: full batches are throttled and the bucket refills with time', async () => {
    const s = await fx.start({ limits: { maxRecordsPerSecond: 80, maxBatchRecords: 40 } });
    const d = await fx.connect('/v1/detectors', token('detector'));
    const batch = (id: string, minute: number) => ({ type: 'batch', id, counts: countsFor(s.network, T0 - 600_000 + minute * 60_000, () => 1) });
    d.send(batch('a', 1));
    d.send(batch('b', 2));
    d.send(batch('c', 3));
    expect(await d.next((m) => m.ref === 'a')).toMatchObject({ type: 'result', accepted: 40 });
    expect(await d.next((m) => m.ref === 'b')).toMatchObject({ type: 'result', accepted: 40 });
    expect(await d.next((m) => m.ref === 'c')).toMatchObject({ type: 'error', code: 'GW_PROTO_RATE_LIMITED', field: 'counts', reason: expect.stringContaining('maxRecordsPerSecond = 80') });
    expect(s.server.metrics.get('greenwave_records_rate_limited_total')).toBe(40);
    s.scheduler.advanceTo(T0 + 500);
    d.send(batch('d', 4));
    expect(await d.next((m) => m.ref === 'd')).toMatchObject({ type: 'result', accepted: 40 });
  });

  it('a text frame that is not UTF-8 closes with 1007 and is counted', async () => {
    const s = await fx.start();
    const d = await fx.connect('/v1/detectors', token('detector'));
    d.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await d.closedWith()).code).toBe(1007);
    await expect.poll(() => s.server.metrics.get('greenwave_clients_dropped_total', { code: 'GW_PROTO_INVALID_UTF8' })).toBe(1);
  });
});

describe('Admission', () => {
  const limits = { maxClients: 5, maxControllerClients: 3, maxViewerClients: 2, maxConnectionsPerToken: 2 };
  it('never holds more than a pool allows, and every release gives its slot back (fast-check)', () => {
    const claim = fc.record({ role: fc.constantFrom<Role>('detector', 'controller', 'viewer', 'operator'), sub: fc.constantFrom('a', 'b', 'c'), scope: fc.constant(null).map(() => ['*']) });
    fc.assert(
      fc.property(fc.array(fc.oneof(claim.map((c) => ({ admit: c })), fc.nat(20).map((i) => ({ release: i }))), { maxLength: 60 }), (ops) => {
        const a = new Admission(limits);
        const tickets: Array<{ release(): void }> = [];
        for (const op of ops) {
          if ('admit' in op) {
            const t = a.admit(op.admit);
            if (t.ok) tickets.push(t);
          } else if (tickets.length > 0) tickets[op.release % tickets.length].release(); // releasing twice is harmless
          expect(a.held('controller')).toBeLessThanOrEqual(3);
          expect(a.held('detector') + a.held('viewer') + a.held('operator')).toBeLessThanOrEqual(5);
          expect(a.held('viewer') + a.held('operator')).toBeLessThanOrEqual(2);
        }
        for (const t of tickets) t.release();
        for (const role of ['detector', 'controller', 'viewer', 'operator'] as Role[]) expect(a.held(role)).toBe(0);
        expect(a.tokensHolding).toBe(0);
      }),
    );
  });
});
