import { afterEach, describe, expect, it } from 'vitest';
import { asyncScheduler } from 'rxjs';
import { countsFor, startServer, T0, TestClient, token } from './ws-test-kit.js';

type Started = Awaited<ReturnType<typeof startServer>>;
let s: Started | undefined;
const clients: TestClient[] = [];
const connect = async (path: string, tok: string) => {
  const c = await TestClient.connect(`${s!.wsUrl}${path}`, tok);
  clients.push(c);
  return c;
};
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await s?.server.close();
  s = undefined;
});

/** Heavy eastbound main-street traffic, light elsewhere: enough to move the plan off its fallback. */
const peak = (id: string) => (id.includes('-in-E') || id.includes(':E') ? 15 : 4);

describe('live operation over WebSocket', () => {
  it('counts in → plan out → acknowledgement → visible in the feed', async () => {
    s = await startServer();
    const controller = await connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    controller.send({ type: 'hello', intersectionIds: ['IA1'] });
    const welcome = await controller.nextOfType('welcome');
    expect(welcome).toMatchObject({ controllerId: 'cabinet-ia1', intersectionIds: ['IA1'], protocolVersion: 1 });
    const fallback = await controller.nextOfType('plan');
    expect(fallback.plan).toMatchObject({ intersectionId: 'IA1', version: 0, source: 'fallback' });
    controller.send({ type: 'ack', intersectionId: 'IA1', version: 0, status: 'accepted' });

    const feed = await connect('/v1/feed', token('viewer'));
    const snapshot = await feed.nextOfType('snapshot');
    expect(snapshot.network.intersections.map((x: { id: string }) => x.id)).toEqual(['IA1', 'IA2']);
    expect(snapshot.plans.map((p: { version: number }) => p.version)).toEqual([0, 0]);
    expect(snapshot.detectors).toMatchObject({ total: 40, healthy: 40, faulty: [] });

    const detector = await connect('/v1/detectors', token('detector'));
    let plan: any;
    for (let minute = 1; !plan && minute <= 10; minute++) {
      detector.send({ type: 'batch', id: `m${minute}`, counts: countsFor(s.network, T0 + minute * 60_000, peak) });
      expect(await detector.nextOfType('result')).toEqual({ type: 'result', ref: `m${minute}`, accepted: 40, rejected: 0, errors: [] });
      s.scheduler.advanceTo(T0 + minute * 60_000);
      // the registry knows synchronously whether the tick sent a plan; the socket delivers it a little later
      const sent = s.server.controllers.view('cabinet-ia1')!.intersections[0].unacknowledged;
      if (sent) plan = await controller.next((m) => m.type === 'plan' && m.plan.version === sent.version);
    }
    // the first planning instant waits for the counts that end on it: the second minute's counts fire it (and the
    // second instant, whose plan may follow at once), both planned from the first minute's counts
    expect(plan.plan).toMatchObject({ intersectionId: 'IA1', source: 'optimizer' });
    const version: number = plan.plan.version;
    expect(version).toBeGreaterThanOrEqual(1);
    // the controller only receives plans for its own intersection
    expect(controller.messages.filter((m) => m.type === 'plan').every((m) => m.plan.intersectionId === 'IA1')).toBe(true);

    controller.send({ type: 'ack', intersectionId: 'IA1', version, status: 'accepted' });
    expect(await feed.next((m) => m.type === 'plan' && m.plan.intersectionId === 'IA1')).toMatchObject({ previousVersion: 0, plan: { version: 1, computedAtMs: T0 + 60_000 } });
    expect(await feed.next((m) => m.type === 'ack' && m.version === version)).toMatchObject({ controllerId: 'cabinet-ia1', intersectionId: 'IA1', status: 'accepted' });
    expect(feed.messages.find((m) => m.type === 'kpi')).toMatchObject({ intersectionId: expect.any(String), flowVehPerHour: expect.any(Number), maxDegreeOfSaturation: expect.any(Number) });

    const view = s.server.controllers.view('cabinet-ia1')!;
    expect(view).toMatchObject({ online: true, intersections: [{ intersectionId: 'IA1', versionInForce: version, unacknowledged: null }] });

    // a viewer connecting now sees the plan in force and the controller's state in its snapshot
    const late = await connect('/v1/feed', token('viewer', ['IA1'], 'operator-ia1'));
    const later = await late.nextOfType('snapshot');
    expect(later.plans).toEqual([expect.objectContaining({ intersectionId: 'IA1', version })]);
    expect(later.controllers[0].intersections[0]).toMatchObject({ intersectionId: 'IA1', versionInForce: version });
    expect(later.kpis.length).toBeGreaterThan(0);
  });

  it('runs on live time: a 1 s optimisation period issues a plan within seconds', async () => {
    s = await startServer({ scheduler: asyncScheduler, engine: { optimisationPeriodSeconds: 1 } });
    const controller = await connect('/v1/controllers', token('controller'));
    controller.send({ type: 'hello' });
    expect((await controller.nextOfType('welcome')).intersectionIds).toEqual(['IA1', 'IA2']);
    const detector = await connect('/v1/detectors', token('detector'));
    const start = Date.now();
    // the engine clock follows the counts' timestamps (after the server started): each batch passes planning instants
    for (let i = 0; i < 3; i++) {
      detector.send({ type: 'batch', id: `b${i}`, counts: countsFor(s.network, start + i * 1000, peak, 60) });
      await detector.nextOfType('result');
    }
    const plan = await controller.next((m) => m.type === 'plan' && m.plan.version > 0, 10_000);
    controller.send({ type: 'ack', intersectionId: plan.plan.intersectionId, version: plan.plan.version, status: 'accepted' });
    await expect.poll(() => s!.server.metrics.get('greenwave_plans_acked_total', { status: 'accepted' })).toBe(1);
  });

  it('serves /health and Prometheus /metrics', async () => {
    s = await startServer();
    const detector = await connect('/v1/detectors', token('detector'));
    detector.send({ type: 'batch', id: 'one', counts: countsFor(s.network, T0, () => 3).slice(0, 5) });
    await detector.nextOfType('result');
    const health = await (await fetch(`${s.httpUrl}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', network: 'test: two signals', clients: { detector: 1, controller: 0, viewer: 0 }, engine: { countsAccepted: 5 } });
    const res = await fetch(`${s.httpUrl}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('# TYPE greenwave_counts_received_total counter');
    expect(text).toMatch(/^greenwave_counts_received_total 5$/m);
    expect(text).toMatch(/^greenwave_connected_clients\{role="detector"\} 1$/m);
    expect(text).toMatch(/^greenwave_pipeline_lag_seconds\{quantile="0.99"\} [0-9.e-]+$/m);
    expect((await fetch(`${s.httpUrl}/nope`)).status).toBe(404);
  });
});
