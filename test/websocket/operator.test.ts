import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countsFor, serverPerTest, T0, TestClient, token, twoSignalStreet } from './ws-test-kit.js';

const fx = serverPerTest();
const peak = (id: string) => (id.includes('-in-E') ? 16 : 3);
type Started = Awaited<ReturnType<typeof fx.start>>;

function post(s: Started, tok: string | undefined, body: unknown) {
  return fetch(`${s.httpUrl}/v1/operator`, { method: 'POST', headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
}

async function auditOf(s: Started, tok: string) {
  const r = await fetch(`${s.httpUrl}/v1/audit`, { headers: { authorization: `Bearer ${tok}` } });
  return { status: r.status, body: (await r.json()) as any };
}

/** Minutes of peak counts and optimisation ticks, from `from` to `to` (exclusive). */
async function runMinutes(s: Started, detector: TestClient, from: number, to: number): Promise<void> {
  for (let minute = from; minute < to; minute++) {
    detector.send({ type: 'batch', id: `m${minute}`, counts: countsFor(s.network, T0 + minute * 60_000, (id) => peak(id) + (minute % 3) * 4) });
    await detector.next((m) => m.ref === `m${minute}`);
    s.scheduler.advanceTo(T0 + minute * 60_000);
  }
}

const operator = token('operator', ['*'], 'duty-engineer');

describe('operator override (issue 11, item 7)', () => {
  it('hold keeps the plan in force while the optimizer changes the other signal; return gives it back; all audited and on the feed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-audit-'));
    const s = await fx.start({ auditFile: join(dir, 'audit.ndjson') });
    const feed = await fx.connect('/v1/feed', token('viewer'));
    await feed.nextOfType('snapshot');
    const detector = await fx.connect('/v1/detectors', token('detector'));
    const r = await post(s, operator, { action: 'hold', intersectionId: 'IA1', reason: 'road works on the east approach', expiresInSeconds: 3600 });
    expect(r).toMatchObject({ status: 200, body: { result: 'applied', override: { intersectionId: 'IA1', action: 'hold', by: 'duty-engineer', planVersion: 0 } } });
    expect(await feed.nextOfType('override')).toMatchObject({ intersectionId: 'IA1', active: true, action: 'hold', reason: 'road works on the east approach' });
    await runMinutes(s, detector, 1, 8);
    const plans = s.server.core!.plans(s.scheduler.now());
    expect(plans.get('IA1')!.version).toBe(0);
    expect(plans.get('IA2')!.version).toBeGreaterThan(0);
    const later = await fx.connect('/v1/feed', token('viewer', ['IA1'], 'ia1-viewer'));
    expect((await later.nextOfType('snapshot')).overrides).toEqual([expect.objectContaining({ intersectionId: 'IA1', action: 'hold' })]);

    expect(await post(s, operator, { action: 'return', intersectionId: 'IA1', reason: 'road works finished' })).toMatchObject({ status: 200, body: { override: null } });
    expect(await feed.next((m) => m.type === 'override' && !m.active)).toMatchObject({ intersectionId: 'IA1' });
    await runMinutes(s, detector, 8, 12);
    expect(s.server.core!.plans(s.scheduler.now()).get('IA1')!.version).toBeGreaterThan(0);

    const audit = await auditOf(s, operator);
    expect(audit.body.entries.map((e: any) => [e.action, e.result, e.by, e.reason])).toEqual([
      ['hold', 'applied', 'duty-engineer', 'road works on the east approach'],
      ['return', 'applied', 'duty-engineer', 'road works finished'],
    ]);
    const onDisk = readFileSync(join(dir, 'audit.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(onDisk).toEqual(audit.body.entries);
  });

  it('force fallback sends the chosen time-of-day plan to the controller as a new version; it expires back to the engine', async () => {
    const s = await fx.start();
    const controller = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    controller.send({ type: 'hello' });
    const first = (await controller.nextOfType('plan')).plan;
    const r = await post(s, operator, { action: 'fallback', intersectionId: 'IA1', fallbackPlan: '15:30', reason: 'stadium event', expiresInSeconds: 600 });
    expect(r).toMatchObject({ status: 200, body: { override: { action: 'fallback', fallbackPlan: '15:30', planVersion: first.version + 1 } } });
    const forced = (await controller.nextOfType('plan')).plan;
    expect(forced).toMatchObject({ intersectionId: 'IA1', version: first.version + 1, source: 'fallback', cycleSeconds: 90 });
    s.scheduler.advanceTo(T0 + 601_000);
    expect(s.server.core!.isHeld('IA1')).toBe(false);
    expect((await auditOf(s, operator)).body.entries.map((e: any) => [e.action, e.by])).toEqual([
      ['fallback', 'duty-engineer'],
      ['expire', 'system'],
    ]);
  });

  it('the safety gate still applies to a forced plan: refused, audited, nothing changes', async () => {
    const network = twoSignalStreet();
    const ia1 = network.intersections.find((x) => x.id === 'IA1')!;
    const plan = ia1.fallbackPlans.find((p) => p.startsAt === '09:30')!;
    const phase = ia1.phases[0];
    plan.greenSecondsByPhase[phase.id] = Math.max(1, phase.minGreenSeconds - 3); // below its minimum green
    const s = await fx.start({ network });
    const r = await post(s, operator, { action: 'fallback', intersectionId: 'IA1', fallbackPlan: '09:30', reason: 'try the off-peak plan', expiresInSeconds: 600 });
    expect(r).toMatchObject({ status: 409, body: { result: 'refused', error: { code: 'GW_OPERATOR_UNSAFE_PLAN', reason: expect.stringContaining('safety gate') } } });
    expect(s.server.core!.isHeld('IA1')).toBe(false);
    expect(s.server.core!.plans(s.scheduler.now()).get('IA1')!.version).toBe(0);
    expect((await auditOf(s, operator)).body.entries).toEqual([expect.objectContaining({ action: 'fallback', result: 'refused', detail: expect.stringContaining('safety gate') })]);
  });

  it('viewers cannot override nor read the audit; operators only within scope; requests are validated by field', async () => {
    const s = await fx.start();
    const body = { action: 'hold', intersectionId: 'IA1', reason: 'testing', expiresInSeconds: 60 };
    expect(await post(s, token('viewer'), body)).toMatchObject({ status: 403, body: { error: { code: 'GW_AUTH_WRONG_ROLE' } } });
    expect(await post(s, undefined, body)).toMatchObject({ status: 401, body: { error: { code: 'GW_AUTH_MISSING_TOKEN' } } });
    expect((await auditOf(s, token('viewer'))).status).toBe(403);
    expect(await post(s, token('operator', ['IA2'], 'ia2-operator'), body)).toMatchObject({ status: 403, body: { error: { code: 'GW_PROTO_INTERSECTION_NOT_IN_SCOPE' } } });
    expect(await post(s, operator, { ...body, intersectionId: 'IA9' })).toMatchObject({ status: 404 });
    expect(await post(s, operator, { action: 'hold', intersectionId: 'IA1', expiresInSeconds: 60 })).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
    expect(await post(s, operator, { action: 'hold', intersectionId: 'IA1', reason: 'no expiry' })).toMatchObject({ status: 400, body: { error: { field: 'expiresInSeconds' } } });
    expect(await post(s, operator, { ...body, sudo: true })).toMatchObject({ status: 400 });
    expect(await post(s, operator, '{"action":')).toMatchObject({ status: 400, body: { error: { code: 'GW_PROTO_MALFORMED_JSON' } } });
    expect(await post(s, operator, { action: 'return', intersectionId: 'IA1', reason: 'nothing held' })).toMatchObject({ status: 409, body: { error: { code: 'GW_OPERATOR_NOTHING_TO_RETURN' } } });
    expect(s.server.core!.isHeld('IA1')).toBe(false);
    // an operator may watch the feed like a viewer
    const watching = await fx.connect('/v1/feed', operator);
    expect((await watching.nextOfType('snapshot')).type).toBe('snapshot');
  });
});
