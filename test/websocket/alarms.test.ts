import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ControllerRegistry } from '../../adapters/websocket/controller-registry.js';
import { serverPerTest, T0, token } from './ws-test-kit.js';

const fx = serverPerTest();

function memoryLogger() {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('alarms that help (issue 11, item 5)', () => {
  it('50 rejections of one plan are one critical alarm with a count, logged once; other alarms stay in the snapshot', async () => {
    const { logger, lines } = memoryLogger();
    const s = await fx.start({ logger });
    s.server.raiseAlarm({ severity: 'warning', code: 'other-cause', intersectionId: 'IA2', message: 'something else' });
    const controller = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    controller.send({ type: 'hello' });
    const plan = (await controller.nextOfType('plan')).plan;
    for (let i = 0; i < 50; i++) controller.send({ type: 'ack', intersectionId: 'IA1', version: plan.version, status: 'rejected', reason: 'local minimum green' });
    await expect.poll(() => s.server.metrics.get('greenwave_alarms_total', { code: 'plan-refused', severity: 'critical' })).toBe(50);
    const feed = await fx.connect('/v1/feed', token('viewer'));
    const snapshot = await feed.nextOfType('snapshot');
    expect(snapshot.alarms.map((a: any) => [a.code, a.count])).toEqual([
      ['other-cause', 1],
      ['plan-refused', 50],
    ]);
    expect(s.server.metrics.get('greenwave_alarms_coalesced_total')).toBe(49);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.filter((l) => l.alarm === 'plan-refused')).toHaveLength(1);
  });

  it('plan-unacknowledged fires after its timeout even when newer plans keep coming (virtual time)', async () => {
    const s = await fx.start({ limits: { planAckTimeoutMs: 15_000 } });
    const controller = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    controller.send({ type: 'hello' });
    await controller.nextOfType('plan');
    const alarmed = () => s.server.metrics.get('greenwave_alarms_total', { code: 'plan-unacknowledged', severity: 'warning' });
    s.scheduler.advanceTo(T0 + 14_000);
    expect(alarmed()).toBe(0);
    s.scheduler.advanceTo(T0 + 15_000);
    expect(alarmed()).toBe(1);
  });

  it('the ack wait is from the first unacknowledged plan, not the newest', () => {
    const r = new ControllerRegistry();
    r.connect('c', ['IA1'], 0);
    for (let t = 0; t <= 20_000; t += 10_000) r.sent('IA1', t / 10_000, t);
    expect(r.overdue(25_000, 15_000)).toEqual([expect.objectContaining({ intersectionId: 'IA1', version: 2, waitingSinceMs: 0 })]);
    expect(r.overdue(26_000, 15_000)).toEqual([]); // reported once
    r.acked('IA1', 2, 'accepted', undefined, 27_000);
    r.sent('IA1', 3, 30_000);
    expect(r.overdue(44_000, 15_000)).toEqual([]);
    expect(r.overdue(45_000, 15_000)).toHaveLength(1);
  });

  it('a viewer scoped to IA1 sees only alarms about IA1; server-wide alarms only reach unrestricted viewers', async () => {
    const s = await fx.start();
    const ia1 = await fx.connect('/v1/feed', token('viewer', ['IA1'], 'ia1-viewer'));
    const all = await fx.connect('/v1/feed', token('viewer', ['*'], 'city-viewer'));
    await ia1.nextOfType('snapshot');
    await all.nextOfType('snapshot');
    const cabinet = await fx.connect('/v1/controllers', token('controller', ['IA2'], 'cabinet-ia2'));
    cabinet.send({ type: 'hello' });
    await cabinet.nextOfType('welcome');
    cabinet.close();
    expect(await all.next((m) => m.type === 'alarm')).toMatchObject({ code: 'controller-offline', intersectionIds: ['IA2'] });
    s.server.raiseAlarm({ severity: 'info', code: 'server-wide', message: 'no intersection' });
    s.server.raiseAlarm({ severity: 'info', code: 'about-ia1', intersectionId: 'IA1', message: 'IA1' });
    expect(await all.next((m) => m.type === 'alarm' && m.code === 'about-ia1')).toBeTruthy();
    await ia1.next((m) => m.type === 'alarm' && m.code === 'about-ia1');
    expect(all.messages.filter((m) => m.type === 'alarm').map((m) => m.code)).toEqual(['controller-offline', 'server-wide', 'about-ia1']);
    expect(ia1.messages.filter((m) => m.type === 'alarm').map((m) => m.code)).toEqual(['about-ia1']);
    const later = await fx.connect('/v1/feed', token('viewer', ['IA1'], 'ia1-viewer-2'));
    expect((await later.nextOfType('snapshot')).alarms.map((a: any) => a.code)).toEqual(['about-ia1']);
  });
});
