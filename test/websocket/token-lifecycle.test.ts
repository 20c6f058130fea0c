import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordableCount, MAX_RECORDED_STRING_CHARS } from '../../adapters/recording/recordable-count.js';
import { recordServerEvents } from '../../adapters/recording/record-server-events.js';
import { createGreenwaveServer, ServerConfigError } from '../../adapters/websocket/greenwave-server.js';
import { mintToken, randomSecret, weakSecretReason } from '../../adapters/websocket/tokens.js';
import { DayFileWriter, readLines } from '../../adapters/files/index.js';
import { refusal, SECRET, serverPerTest, T0, token, twoSignalStreet } from './ws-test-kit.js';

const fx = serverPerTest();

describe('tokens on open connections (issue 11, item 5)', () => {
  it('a token that expires while connected closes its connection with 4011', async () => {
    const s = await fx.start();
    const expiring = await fx.connect('/v1/feed', token('viewer', ['*'], 'short-lived', Math.floor(T0 / 1000) + 30));
    const lasting = await fx.connect('/v1/feed', token('viewer', ['*'], 'long-lived'));
    s.scheduler.advanceTo(T0 + 29_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(expiring.closed).toBeUndefined();
    s.scheduler.advanceTo(T0 + 31_000);
    expect(await expiring.closedWith()).toMatchObject({ code: 4011, reason: expect.stringMatching(/^GW_PROTO_TOKEN_EXPIRED/) });
    expect(lasting.closed).toBeUndefined();
    expect(s.server.metrics.get('greenwave_clients_dropped_total', { code: 'GW_PROTO_TOKEN_EXPIRED' })).toBe(1);
  });

  it('revoked token ids are reloaded without a restart: open connections close with 4012, new ones are refused', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gw-revoke-')), 'revoked.txt');
    writeFileSync(file, '# revoked token ids\n');
    const s = await fx.start({ revocationFile: file, limits: { revocationReloadMs: 1000 } });
    const stolen = mintToken(SECRET, { sub: 'laptop', role: 'viewer', scope: ['*'], jti: 'tok-stolen' });
    const other = mintToken(SECRET, { sub: 'laptop', role: 'viewer', scope: ['*'], jti: 'tok-other' });
    const victim = await fx.connect('/v1/feed', stolen);
    const bystander = await fx.connect('/v1/feed', other);
    appendFileSync(file, 'tok-stolen  # lost on the train\n');
    s.scheduler.advanceTo(T0 + 1000); // the reload timer runs on the server's clock
    expect(await victim.closedWith()).toMatchObject({ code: 4012 });
    expect(await refusal(`${s.wsUrl}/v1/feed`, { authorization: `Bearer ${stolen}` })).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_TOKEN_REVOKED' } } });
    expect(bystander.closed).toBeUndefined();
    expect(await s.server.reloadRevocations()).toBe(1);
  });

  it('a server will not start on a revocation file it cannot read', async () => {
    const server = createGreenwaveServer({ network: twoSignalStreet(), secret: SECRET, port: 0, revocationFile: '/nonexistent/revoked.txt' });
    await expect(server.listen()).rejects.toThrow(/cannot read revocation file \/nonexistent\/revoked.txt: ENOENT/);
  });
});

describe('secrets (issue 11, item 5)', () => {
  it('refuses secrets with fewer than 32 random bytes outside demo mode', () => {
    for (const weak of ['a-16-char-secret', 'test-secret-0123456789abcdef', 'a'.repeat(64), 'ab'.repeat(40), '0123456789abcdef'.repeat(3)])
      expect(weakSecretReason(weak), weak).toBeDefined();
    for (const strong of [randomSecret(), randomSecret(), 'f'.repeat(0) + '3b1e9c0d7a2f4e6b8c5d1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d', SECRET]) expect(weakSecretReason(strong), strong).toBeUndefined();
    expect(() => createGreenwaveServer({ network: twoSignalStreet(), secret: 'sixteen-chars-ok' })).toThrow(ServerConfigError);
    expect(() => createGreenwaveServer({ network: twoSignalStreet(), secret: 'sixteen-chars-ok', demo: true })).not.toThrow();
  });
});

describe('the recorder stores what was validated (issue 11, item 5)', () => {
  it('keeps only schema fields, size-capped; deep nesting and huge extra fields never reach the day file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rec-'));
    const s = await fx.start();
    const writer = new DayFileWriter({ directory: dir, timeZone: 'UTC', scheduler: s.scheduler, flushIntervalMs: 1000 });
    recordServerEvents(s.server, writer);
    const d = await fx.connect('/v1/detectors', token('detector'));
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    d.send(`{"type":"count","id":"x","detectorId":"IA1:E0:stop","timestamp":${T0},"count":3,"intervalSeconds":60,"extra":${deep}}`);
    d.send({ type: 'batch', id: 'y', counts: [{ detectorId: 'IA1:E0:adv', timestamp: T0, count: 2, intervalSeconds: 60, junk: 'x'.repeat(200_000) }, { detectorId: 'd'.repeat(10_000), timestamp: { $gt: 1 }, count: 1, intervalSeconds: 60 }] });
    await d.next((m) => m.ref === 'y');
    writer.close();
    const lines: string[] = [];
    for await (const [, line] of readLines(join(dir, 'greenwave-2026-11-23.ndjson.gz'))) lines.push(line);
    const counts = lines.map((l) => JSON.parse(l)).filter((r) => r.kind === 'count');
    expect(counts.map((c) => c.record)).toEqual([
      { detectorId: 'IA1:E0:stop', timestamp: T0, count: 3, intervalSeconds: 60 },
      { detectorId: 'IA1:E0:adv', timestamp: T0, count: 2, intervalSeconds: 60 },
      { detectorId: `${'d'.repeat(MAX_RECORDED_STRING_CHARS)}…`, timestamp: '(object)', count: 1, intervalSeconds: 60 },
    ]);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(1000);
  });

  it('recordableCount never throws and stays small (fast-check)', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.anything({ maxDepth: 6 }), (v) => {
        const out = recordableCount(v);
        expect(JSON.stringify(out).length).toBeLessThan(5 * (MAX_RECORDED_STRING_CHARS + 40) + 80);
      }),
    );
  });
});
