import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochPlanVersionBase } from '../../adapters/websocket/greenwave-server.js';
import { serverPerTest, T0, token } from './ws-test-kit.js';

const fx = serverPerTest();
const epochBase = { planVersionBase: undefined };

describe('plan versions across engine restarts (issue 11, defect 4)', () => {
  it('a controller still running the previous run’s plan is sent the plan in force after a restart', async () => {
    const a = await fx.start(epochBase);
    expect(a.server.planVersionBase).toBe(epochPlanVersionBase(T0));
    const c1 = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    c1.send({ type: 'hello' });
    const old = (await c1.nextOfType('plan')).plan;
    c1.send({ type: 'ack', intersectionId: 'IA1', version: old.version, status: 'accepted' });
    await a.server.close();

    const b = await fx.start(epochBase, T0 + 300_000);
    const c2 = await fx.connect('/v1/controllers', token('controller', ['IA1'], 'cabinet-ia1'));
    c2.send({ type: 'hello', runningVersions: { IA1: old.version } });
    const fresh = (await c2.nextOfType('plan')).plan;
    expect(fresh.version).toBe(b.server.planVersionBase);
    expect(fresh.version).toBeGreaterThan(old.version);
    // an acknowledgement of the old run's version is unknown to this run, and answered with the plan in force
    c2.send({ type: 'ack', intersectionId: 'IA1', version: old.version, status: 'accepted' });
    expect(await c2.nextOfType('error')).toMatchObject({ code: 'GW_PROTO_UNKNOWN_PLAN', field: 'version', value: old.version });
    expect((await c2.nextOfType('plan')).plan.version).toBe(fresh.version);
  });

  it('a run never reaches the version base of a later run (at most one plan per period >= 1 s)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 10_000 }), (startMs, periodSeconds, intervals, extraMs) => {
        const restartMs = startMs + intervals * periodSeconds * 1000 + extraMs;
        expect(epochPlanVersionBase(startMs) + intervals).toBeLessThan(epochPlanVersionBase(restartMs) + (intervals === 0 ? 1 : 0));
      }),
    );
  });
});
