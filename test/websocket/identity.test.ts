import { describe, expect, it } from 'vitest';
import { mayClaimControllerId } from '../../adapters/websocket/tokens.js';
import { serverPerTest, token } from './ws-test-kit.js';

const fx = serverPerTest();

describe('controller identity is bound to the token (issue 11, defect 3)', () => {
  it("a token for IA2 cannot say hello as IA1's cabinet: refused, alarmed, and the real cabinet keeps its session", async () => {
    const s = await fx.start();
    const feed = await fx.connect('/v1/feed', token('viewer'));
    await feed.nextOfType('snapshot');
    const real = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    real.send({ type: 'hello' });
    await real.nextOfType('welcome');
    const impostor = await fx.connect('/v1/controllers', token('controller', ['IA2'], 'cabinet-ia2'));
    for (let i = 0; i < 3; i++) {
      impostor.send({ type: 'hello', controllerId: 'cabinet-ia1' });
      expect(await impostor.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_IDENTITY_REFUSED', field: 'controllerId', value: 'cabinet-ia1' });
    }
    expect(await feed.next((m) => m.type === 'alarm')).toMatchObject({ severity: 'critical', code: 'controller-claim-refused', controllerId: 'cabinet-ia1', intersectionId: 'IA2' });
    expect(impostor.messages.some((m) => m.type === 'welcome')).toBe(false);
    expect(real.closed).toBeUndefined();
    expect(s.server.controllers.view('cabinet-ia1')).toMatchObject({ online: true });
    expect(s.server.metrics.get('greenwave_messages_rejected_total', { code: 'GW_PROTO_IDENTITY_REFUSED' })).toBe(3);
  });

  it('another identity cannot take over an intersection whose controller is online; it can once that one is offline', async () => {
    await fx.start();
    const real = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    real.send({ type: 'hello' });
    await real.nextOfType('welcome');
    const other = await fx.connect('/v1/controllers', token('controller', ['*'], 'central'));
    other.send({ type: 'hello', intersectionIds: ['IA2', 'IA1'] });
    expect(await other.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_INTERSECTION_OWNED', field: 'intersectionIds[1]', value: 'IA1' });
    real.close();
    await real.closedWith();
    await new Promise((r) => setTimeout(r, 50));
    other.send({ type: 'hello', intersectionIds: ['IA2', 'IA1'] });
    expect(await other.nextOfType('welcome')).toMatchObject({ controllerId: 'central', intersectionIds: ['IA2', 'IA1'] });
  });

  it('the same identity supersedes its own session; a gateway token speaks for its sub-identities', async () => {
    await fx.start();
    const first = await fx.connect('/v1/controllers', token('controller', ['*'], 'gw'));
    first.send({ type: 'hello', controllerId: 'gw/IA1', intersectionIds: ['IA1'] });
    await first.nextOfType('welcome');
    const second = await fx.connect('/v1/controllers', token('controller', ['*'], 'gw'));
    second.send({ type: 'hello', controllerId: 'gw/IA1', intersectionIds: ['IA1'] });
    expect(await second.nextOfType('welcome')).toMatchObject({ controllerId: 'gw/IA1' });
    expect((await first.closedWith()).code).toBe(4009);
  });

  it('mayClaimControllerId: the subject itself or sub/<name>, nothing else', () => {
    expect(mayClaimControllerId('cab', 'cab')).toBe(true);
    expect(mayClaimControllerId('cab', 'cab/IA1')).toBe(true);
    for (const id of ['cab/', 'cabx', 'ca', 'other', 'x/cab']) expect(mayClaimControllerId('cab', id), id).toBe(false);
  });
});

describe('one ownership map: the registry', () => {
  it('a repeated hello naming fewer intersections releases the others; a new owner removes them from the old one', async () => {
    const { ControllerRegistry } = await import('../../adapters/websocket/controller-registry.js');
    const r = new ControllerRegistry();
    r.connect('a', ['IA1', 'IA2'], 0);
    r.connect('a', ['IA1'], 1);
    expect([r.ownerOf('IA1'), r.ownerOf('IA2')]).toEqual(['a', null]);
    r.disconnect('a', 2);
    r.connect('b', ['IA1'], 3);
    expect(r.ownerOf('IA1')).toBe('b');
    expect(r.view('a')!.intersections).toEqual([]);
  });
});
