import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { countsFor, startServer, T0, TestClient, token, serverPerTest } from './ws-test-kit.js';

const fx = serverPerTest((c) => c.ws.terminate());
let s: Awaited<ReturnType<typeof startServer>> | undefined;
const connect = fx.connect;
const peak = (id: string) => (id.includes('-in-E') ? 16 : 3);
const ctlToken = token('controller', ['IA1'], 'cabinet-ia1');

/** Feeds minutes of counts and ticks until IA1's plan in force reaches `version`. */
async function runUntilVersion(detector: TestClient, fromMinute: number, version: number): Promise<number> {
  let minute = fromMinute;
  for (; s!.server.core!.plans(s!.scheduler.now()).get('IA1')!.version < version; minute++) {
    if (minute > fromMinute + 30) throw new Error(`IA1 did not reach plan v${version}`);
    detector.send({ type: 'batch', id: `m${minute}`, counts: countsFor(s!.network, T0 + minute * 60_000, (id) => peak(id) + (minute % 3) * 4) });
    await detector.nextOfType('result');
    s!.scheduler.advanceTo(T0 + minute * 60_000);
  }
  return minute;
}

describe('controllers that go away and come back', () => {
  it('a controller that reconnects is sent only the newest plan', async () => {
    s = await fx.start();
    const feed = await connect('/v1/feed', token('viewer'));
    const detector = await connect('/v1/detectors', token('detector'));
    const first = await connect('/v1/controllers', ctlToken);
    first.send({ type: 'hello' });
    const v0 = await first.nextOfType('plan');
    first.send({ type: 'ack', intersectionId: 'IA1', version: v0.plan.version, status: 'accepted' });
    await feed.next((m) => m.type === 'ack');
    first.close();
    expect(await feed.next((m) => m.type === 'controller' && !m.online)).toMatchObject({ controllerId: 'cabinet-ia1', intersections: [{ versionInForce: 0 }] });
    expect(await feed.next((m) => m.type === 'alarm')).toMatchObject({ code: 'controller-offline', controllerId: 'cabinet-ia1' });

    await runUntilVersion(detector, 1, 2);
    const newest = s.server.core!.plans(s.scheduler.now()).get('IA1')!.version;
    expect(newest).toBeGreaterThanOrEqual(2);

    const again = await connect('/v1/controllers', ctlToken);
    again.send({ type: 'hello', runningVersions: { IA1: 0 } });
    const resent = await again.nextOfType('plan');
    expect(resent.plan.version).toBe(newest);
    again.send({ type: 'ack', intersectionId: 'IA1', version: newest, status: 'accepted' });
    expect(await feed.next((m) => m.type === 'ack' && m.version === newest)).toMatchObject({ status: 'accepted' });
    expect(again.messages.filter((m) => m.type === 'plan')).toHaveLength(1);
    expect(s.server.controllers.view('cabinet-ia1')).toMatchObject({ online: true, intersections: [{ versionInForce: newest, unacknowledged: null }] });
  });

  it('a plan sent but not acknowledged is resent on reconnect; the older connection is superseded', async () => {
    s = await fx.start();
    const detector = await connect('/v1/detectors', token('detector'));
    const first = await connect('/v1/controllers', ctlToken);
    first.send({ type: 'hello' });
    await first.nextOfType('plan'); // v0, never acknowledged
    expect(s.server.controllers.view('cabinet-ia1')!.intersections[0].unacknowledged).toMatchObject({ version: 0 });
    await runUntilVersion(detector, 1, 1);
    const pending = s.server.controllers.view('cabinet-ia1')!.intersections[0].unacknowledged!;
    expect(pending.version).toBeGreaterThanOrEqual(1);
    // the same controller connects again while the old socket still looks open (half-open after a network cut)
    const second = await connect('/v1/controllers', ctlToken);
    second.send({ type: 'hello' });
    expect((await second.nextOfType('plan')).plan.version).toBe(pending.version);
    expect(await first.closedWith()).toMatchObject({ code: 4009, reason: expect.stringMatching(/^GW_PROTO_SUPERSEDED/) });
    second.send({ type: 'ack', intersectionId: 'IA1', version: pending.version, status: 'rejected', reason: 'cycle longer than local maximum' });
    await expect.poll(() => s!.server.controllers.view('cabinet-ia1')!.intersections[0].lastRejection?.reason).toBe('cycle longer than local maximum');
  });
});

describe('heartbeats and slow clients', () => {
  it('terminates a socket that stops answering pings', async () => {
    s = await fx.start({ limits: { heartbeatIntervalMs: 50 } });
    const silent = new WebSocket(`${s.wsUrl}/v1/feed`, { headers: { authorization: `Bearer ${token('viewer')}` }, autoPong: false });
    const healthy = await connect('/v1/feed', token('viewer'));
    if (silent.readyState !== WebSocket.OPEN) await once(silent, 'open');
    // heartbeats run on the server's (virtual) clock: one ping, time for the pongs, then the check
    s.scheduler.advanceTo(T0 + 50);
    await new Promise((r) => setTimeout(r, 100));
    s.scheduler.advanceTo(T0 + 100);
    const [code] = await once(silent, 'close');
    expect(code).toBe(1006);
    expect(s.server.metrics.get('greenwave_clients_dropped_total', { code: 'GW_PROTO_HEARTBEAT_TIMEOUT' })).toBe(1);
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a paused feed client while the others keep receiving', async () => {
    s = await fx.start({ limits: { feedHighWaterBytes: 16 * 1024, feedMaxBufferedBytes: 256 * 1024, feedStallTimeoutMs: 500, feedFlushIntervalMs: 20 } });
    const paused = await connect('/v1/feed', token('viewer', ['*'], 'paused'));
    const reader = await connect('/v1/feed', token('viewer', ['*'], 'reader'));
    await paused.nextOfType('snapshot');
    await reader.nextOfType('snapshot');
    paused.ws.pause();
    const dropped = () => s!.server.metrics.get('greenwave_clients_dropped_total', { code: 'GW_PROTO_SLOW_CONSUMER' });
    const padding = 'x'.repeat(2000);
    let last = 0;
    let n = 0;
    const started = Date.now();
    while (dropped() === 0) {
      if (Date.now() - started > 20_000) throw new Error('paused client never dropped');
      // distinct codes: alarms of one cause would be coalesced into one
      for (let i = 0; i < 50; i++) last = s.server.raiseAlarm({ severity: 'info', code: `test-flood-${n++}`, message: padding }).alarmId;
      await new Promise((r) => setTimeout(r, 5));
      s.scheduler.advanceTo(s.scheduler.now() + 20); // feed flushes and stall timeouts run on the server's clock
    }
    // the reader got every alarm, to the last one (alarms are never conflated)
    const tail = await reader.next((m) => m.type === 'alarm' && m.alarmId === last, 10_000);
    expect(tail.alarmId).toBe(last);
    expect(reader.messages.filter((m) => m.type === 'alarm')).toHaveLength(last);
    expect(reader.ws.readyState).toBe(WebSocket.OPEN);
    paused.ws.resume();
    expect((await paused.closedWith()).code).toBeOneOf([4008, 1006]);
  });
});
