import { describe, expect, it } from 'vitest';
import { CongestionWatch } from '../../adapters/websocket/congestion-watch.js';
import { countsFor, serverPerTest, T0, token } from './ws-test-kit.js';

const fx = serverPerTest();
const kpi = (intersectionId: string, x: number) => ({ intersectionId, maxDegreeOfSaturation: x, flowVehPerHour: 0, delayVehHoursPerHour: 0 }) as never;

describe('congestion and detector-fault alarms', () => {
  it('raises one congestion alarm after N minutes above 1, and another only after it has cleared', () => {
    const watch = new CongestionWatch(5 * 60_000);
    const at = (m: number) => T0 + m * 60_000;
    expect(watch.check(at(0), [kpi('IA1', 1.5), kpi('IA2', 0.7)])).toEqual([]);
    expect(watch.check(at(4), [kpi('IA1', 1.8)])).toEqual([]);
    const [alarm] = watch.check(at(5), [kpi('IA1', 1.6)]);
    expect(alarm).toMatchObject({ code: 'congestion', severity: 'warning', intersectionId: 'IA1' });
    expect(alarm.message).toBe('IA1 over capacity for 5 min: degree of saturation 1.60 (above 1 since 08:00 UTC)');
    expect(watch.check(at(9), [kpi('IA1', 2)])).toEqual([]);
    expect(watch.check(at(10), [kpi('IA1', 1)])).toEqual([]);
    expect(watch.check(at(11), [kpi('IA1', 1.2)])).toEqual([]);
    expect(watch.check(at(16), [kpi('IA1', 1.2)])).toHaveLength(1);
  });

  it('the live server puts a detector fault and a long congestion in the alarm list of the feed (virtual time)', async () => {
    const s = await fx.start({ limits: { congestionAlarmMs: 3 * 60_000 }, engine: { optimisationPeriodSeconds: 60, silentAfterSeconds: 120 } });
    const detectors = await fx.connect('/v1/detectors', token('detector'));
    const silent = s.network.detectors[0].id;
    // far more traffic than the street can carry, from every detector but one, which falls silent
    for (let m = 1; m <= 8; m++) {
      const end = T0 + m * 60_000;
      detectors.send({ type: 'batch', id: `m${m}`, counts: countsFor(s.network, end, () => 60).filter((c) => m === 1 || c.detectorId !== silent) });
      await detectors.next((x) => x.type === 'result' && x.ref === `m${m}`);
      s.scheduler.advanceTo(end);
    }
    const feed = await fx.connect('/v1/feed', token('viewer'));
    const snapshot = await feed.nextOfType('snapshot');
    const codes = snapshot.alarms.map((a: { code: string }) => a.code);
    expect(codes).toContain('detector-fault');
    expect(codes).toContain('congestion');
    const fault = snapshot.alarms.find((a: { code: string }) => a.code === 'detector-fault');
    expect(fault.message).toContain(`detector ${silent} silent`);
  });
});
