import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createGreenwaveServer, ServerConfigError } from '../../adapters/websocket/greenwave-server.js';
import { mintToken, verifyToken, weakSecretReason, type Role } from '../../adapters/websocket/tokens.js';
import { countsFor, refusal, SECRET, startServer, T0, TestClient, token, twoSignalStreet, serverPerTest } from './ws-test-kit.js';

const fx = serverPerTest();
let s: Awaited<ReturnType<typeof startServer>> | undefined;
const connect = fx.connect;

describe('tokens', () => {
  it('verify(mint(claims)) gives the claims back; any change to the token is refused', () => {
    const claims = fc.record({
      sub: fc.string({ minLength: 1, maxLength: 20 }),
      role: fc.constantFrom<Role>('detector', 'controller', 'viewer'),
      scope: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(claims, fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (c, at, ch) => {
        const tok = mintToken(SECRET, c);
        expect(verifyToken(SECRET, tok, T0)).toEqual({ ok: true, claims: c });
        const i = at % tok.length;
        const tampered = tok.slice(0, i) + ch + tok.slice(i + 1);
        if (tampered !== tok) expect(verifyToken(SECRET, tampered, T0).ok).toBe(false);
        expect(verifyToken(`${SECRET}x`, tok, T0)).toMatchObject({ ok: false, code: 'GW_AUTH_INVALID_TOKEN' });
      }),
    );
  });

  it('weak secrets are named', () => {
    expect(weakSecretReason('')).toMatch(/empty/);
    expect(weakSecretReason('changeme')).toMatch(/well-known default/);
    expect(weakSecretReason('short-one')).toMatch(/fewer than 32 random bytes/);
    expect(weakSecretReason(SECRET)).toBeUndefined();
  });
});

describe('authentication at the HTTP upgrade', () => {
  it('refuses to start with an empty or default secret unless in demo mode', () => {
    const network = twoSignalStreet();
    expect(() => createGreenwaveServer({ network, secret: '' })).toThrow(ServerConfigError);
    expect(() => createGreenwaveServer({ network, secret: 'changeme' })).toThrow(/well-known default secret/);
    expect(() => createGreenwaveServer({ network, secret: 'changeme', demo: true })).not.toThrow();
  });

  it('refuses missing, forged, expired and wrong-role tokens before the socket opens', async () => {
    s = await fx.start();
    const url = `${s.wsUrl}/v1/detectors`;
    expect(await refusal(url)).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_MISSING_TOKEN' } } });
    const forged = mintToken('another-secret-0123456789', { sub: 'x', role: 'detector', scope: ['*'] });
    expect(await refusal(url, { authorization: `Bearer ${forged}` })).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_INVALID_TOKEN', reason: 'signature does not match' } } });
    expect(await refusal(url, { authorization: 'Basic abc' })).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_INVALID_TOKEN' } } });
    const expired = token('detector', ['*'], 'old', Math.floor(T0 / 1000) - 10);
    expect(await refusal(url, { authorization: `Bearer ${expired}` })).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_TOKEN_EXPIRED' } } });
    expect(await refusal(url, { authorization: `Bearer ${token('viewer')}` })).toMatchObject({ status: 403, body: { error: { code: 'GW_AUTH_WRONG_ROLE' } } });
    expect(await refusal(`${s.wsUrl}/v1/feed`, { authorization: `Bearer ${token('detector')}` })).toMatchObject({ status: 403 });
    expect(await refusal(`${s.wsUrl}/v2/feed`, { authorization: `Bearer ${token('viewer')}` })).toMatchObject({ status: 404, body: { error: { code: 'GW_HTTP_NOT_FOUND' } } });
    // browsers cannot set headers: the token may come as a query parameter
    const viaQuery = await connect(`/v1/feed?token=${token('viewer')}`);
    expect((await viaQuery.nextOfType('snapshot')).type).toBe('snapshot');
    expect(s.server.metrics.get('greenwave_connections_refused_total', { code: 'GW_AUTH_MISSING_TOKEN' })).toBe(1);
    expect(s.server.metrics.get('greenwave_connections_refused_total', { code: 'GW_AUTH_WRONG_ROLE' })).toBe(2);
  });

  it('refuses connections beyond maxClients with 503', async () => {
    s = await fx.start({ limits: { maxClients: 2 } });
    await connect('/v1/feed', token('viewer'));
    await connect('/v1/feed', token('viewer'));
    expect(await refusal(`${s.wsUrl}/v1/feed`, { authorization: `Bearer ${token('viewer')}` })).toMatchObject({ status: 503, body: { error: { code: 'GW_HTTP_TOO_MANY_CLIENTS' } } });
  });
});

describe('scopes', () => {
  it('a detector may only publish for its own detectors', async () => {
    s = await fx.start();
    const detector = await connect('/v1/detectors', token('detector', ['IA1:*'], 'cabinet-ia1'));
    const counts = countsFor(s.network, T0, () => 2);
    detector.send({ type: 'batch', id: 'both', counts });
    const result = await detector.nextOfType('result');
    const ia2 = counts.filter((c) => c.detectorId.startsWith('IA2:')).length;
    expect(result).toMatchObject({ accepted: counts.length - ia2, rejected: ia2 });
    expect(result.errors[0]).toMatchObject({ code: 'GW_PROTO_DETECTOR_NOT_IN_SCOPE', field: expect.stringMatching(/^counts\[\d+\]\.detectorId$/), value: expect.stringMatching(/^IA2:/) });
    expect(s.server.core!.counters.countsAccepted).toBe(counts.length - ia2);
  });

  it('a controller only registers for, and receives plans of, its own intersections', async () => {
    s = await fx.start();
    const controller = await connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    controller.send({ type: 'hello', intersectionIds: ['IA1', 'IA2'] });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_INTERSECTION_NOT_IN_SCOPE', field: 'intersectionIds[1]', value: 'IA2' });
    controller.send({ type: 'hello', intersectionIds: ['IA9'] });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_UNKNOWN_INTERSECTION', field: 'intersectionIds[0]' });
    controller.send({ type: 'ack', intersectionId: 'IA1', version: 0, status: 'accepted' });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_NOT_REGISTERED' });
    controller.send({ type: 'hello' });
    expect(await controller.nextOfType('welcome')).toMatchObject({ intersectionIds: ['IA1'] });
    expect((await controller.nextOfType('plan')).plan.intersectionId).toBe('IA1');
    controller.send({ type: 'ack', intersectionId: 'IA2', version: 0, status: 'accepted' });
    expect(await controller.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_INTERSECTION_NOT_IN_SCOPE', field: 'intersectionId' });
  });

  it('a viewer only reads, and only sees its intersections', async () => {
    s = await fx.start();
    const viewer = await connect('/v1/feed', token('viewer', ['IA2']));
    const snapshot = await viewer.nextOfType('snapshot');
    expect(snapshot.plans.map((p: { intersectionId: string }) => p.intersectionId)).toEqual(['IA2']);
    viewer.send({ type: 'ack', intersectionId: 'IA2', version: 0, status: 'accepted' });
    expect(await viewer.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_READ_ONLY' });
  });
});
