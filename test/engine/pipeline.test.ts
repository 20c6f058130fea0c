import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork, gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { SyntheticDemand } from '../../network-models/synthetic-demand.js';
import { checkPlanSafety } from '../../engine/safety/plan-safety-gate.js';
import type { EngineEvent } from '../../engine/pipeline/engine-events.js';
import type { PhasePlan } from '../../engine/plan-types.js';
import { Subject } from 'rxjs';
import { createEnginePipeline } from '../../engine/pipeline/create-engine-pipeline.js';
import { VirtualClockScheduler } from '../../engine/pipeline/virtual-clock-scheduler.js';
import type { EngineCore } from '../../engine/pipeline/engine-core.js';
import { at, runPipeline } from '../fixtures/run-pipeline.js';

const plansOf = (events: EngineEvent[]) => events.flatMap((e) => (e.type === 'plan' ? [e.plan] : []));

describe('engine pipeline in virtual time', () => {
  const arterial = arterialCorridorNetwork();

  it('turns a morning of counts into safe plans, deterministically', () => {
    const run = () => runPipeline(arterial, new SyntheticDemand(arterial, { seed: 7 }).day(at('06:00'), at('09:00'), 60), at('06:00'), at('09:00'));
    const first = run();
    const plans = plansOf(first.events);
    expect(plans.length).toBeGreaterThan(6);
    for (const p of plans) expect(checkPlanSafety(p, arterial.intersections.find((x) => x.id === p.intersectionId)!)).toEqual([]);
    expect(first.core.counters.countsAccepted).toBe(180 * arterial.detectors.length);
    expect(first.core.counters.optimisations).toBe(180);
    expect(JSON.stringify(run().events)).toBe(JSON.stringify(first.events));
  });

  it('rejects each kind of bad input with a code, field and reason, and carries on', () => {
    const d = arterial.detectors[0].id;
    const t = at('07:00');
    const bad: unknown[] = [
      'not an object',
      { detectorId: '', timestamp: t, count: 1, intervalSeconds: 60 },
      { detectorId: 'ghost', timestamp: t, count: 1, intervalSeconds: 60 },
      { detectorId: d, timestamp: 'yesterday-ish', count: 1, intervalSeconds: 60 },
      { detectorId: d, timestamp: t, count: -3, intervalSeconds: 60 },
      { detectorId: d, timestamp: t, count: 1.5, intervalSeconds: 60 },
      { detectorId: d, timestamp: t, count: 1, intervalSeconds: 0 },
      { detectorId: d, timestamp: t, count: 1, intervalSeconds: 60, occupancy: 7 },
      { detectorId: d, timestamp: t, count: 500, intervalSeconds: 60 },
      { detectorId: d, timestamp: t + 3_600_000, count: 1, intervalSeconds: 60 },
      { detectorId: d, timestamp: t, count: 10, intervalSeconds: 60 },
      { detectorId: d, timestamp: t - 60_000, count: 10, intervalSeconds: 60 },
    ];
    const scheduler = new VirtualClockScheduler(at('06:59'));
    const input = new Subject<unknown>();
    const events: EngineEvent[] = [];
    let core: EngineCore | undefined;
    createEnginePipeline(arterial, input, { scheduler, onCore: (c) => (core = c) }).subscribe((e) => events.push(e));
    scheduler.advanceTo(t);
    for (const r of bad) input.next(r);
    const good = [...new SyntheticDemand(arterial, { seed: 1 }).day(at('07:00'), at('07:30'), 60)].filter((r) => r.detectorId !== d);
    for (const r of good) {
      scheduler.advanceTo(r.timestamp);
      input.next(r);
    }
    scheduler.advanceTo(at('07:30'));
    input.complete();
    const errors = events.flatMap((e) => (e.type === 'input-error' ? [e.error] : []));
    expect(errors.map((e) => `${e.code} ${e.field}`)).toEqual([
      'GW_ERR_COUNT_SHAPE (record)',
      'GW_ERR_COUNT_FIELD detectorId',
      'GW_ERR_UNKNOWN_DETECTOR detectorId',
      'GW_ERR_COUNT_FIELD timestamp',
      'GW_ERR_COUNT_FIELD count',
      'GW_ERR_COUNT_FIELD count',
      'GW_ERR_COUNT_FIELD intervalSeconds',
      'GW_ERR_COUNT_FIELD occupancy',
      'GW_ERR_COUNT_IMPOSSIBLE count',
      'GW_ERR_TIMESTAMP_FUTURE timestamp',
      // the count at t is accepted; the next one, 60 s earlier, goes backwards
      'GW_ERR_TIMESTAMP_BACKWARDS timestamp',
    ]);
    expect(errors[8].reason).toBe('500 veh in 60 s is 30000 veh/h, above the limit of 3600 veh/h for one lane');
    expect(errors[9].reason).toBe('is 3600 s ahead of the engine clock (limit 60 s)');
    expect(core!.counters.countsRejected).toBe(11);
    expect(core!.counters.rejectedByCode.GW_ERR_COUNT_FIELD).toBe(6);
    expect(core!.counters.countsAccepted).toBe(good.length + 1);
    expect(plansOf(events).length).toBeGreaterThan(0);
  });

  it('marks a silent detector faulty and falls back on history, never on zero demand', () => {
    const silentId = arterial.detectors.find((d) => d.intersectionId === 'IA3' && d.kind === 'stop-line' && d.laneIndex === 2)!.id;
    const silentAdv = arterial.detectors.find((d) => d.intersectionId === 'IA3' && d.kind === 'advance' && d.laneIndex === 2 && d.linkId === arterial.detectors.find((x) => x.id === silentId)!.linkId)!.id;
    const records = [...new SyntheticDemand(arterial, { seed: 3 }).day(at('06:00'), at('08:00'), 60)].filter(
      (r) => !((r.detectorId === silentId || r.detectorId === silentAdv) && r.timestamp > at('07:00')),
    );
    const { events, core } = runPipeline(arterial, records, at('06:00'), at('08:00'));
    const faults = events.filter((e) => e.type === 'detector-fault');
    expect(faults.map((e) => e.type === 'detector-fault' && [e.health.detectorId, e.health.fault])).toEqual(
      expect.arrayContaining([[silentId, 'silent'], [silentAdv, 'silent']]),
    );
    const lane2 = arterial.intersections.find((x) => x.id === 'IA3')!.movements.find((m) => m.fromLaneIndices.includes(2) && m.turn === 'left')!;
    const demand = core.demand().get(lane2.id)!;
    expect(demand.source).toBe('history');
    expect(demand.flowVehPerHour).toBeGreaterThan(50);
    expect(demand.confidence).toBe(0);
  });

  it('with no detector data at all, demand is implied by the fallback plan', () => {
    const { core } = runPipeline(arterial, [], at('07:00'), at('07:10'));
    const d = [...core.demand().values()];
    expect(d.every((m) => m.source === 'fallback-plan' && m.flowVehPerHour > 0)).toBe(true);
  });

  it('turns the green wave round when the peak direction flips', () => {
    const middle = (plans: PhasePlan[], from: number, to: number) =>
      plans.filter((p) => p.intersectionId === 'IA3' && p.computedAtMs >= from && p.computedAtMs < to && p.diagnostics.coordinatedFrom).map((p) => p.diagnostics.coordinatedFrom!.intersectionId);
    const { events } = runPipeline(arterial, new SyntheticDemand(arterial, { seed: 5 }).day(at('07:00'), at('18:00'), 60), at('07:00'), at('18:00'), { optimisationPeriodSeconds: 300 });
    const plans = plansOf(events);
    // Morning peak eastbound: IA3 follows IA2 (west of it); evening peak westbound: IA3 follows IA4.
    const am = middle(plans, at('07:00'), at('09:00'));
    const pm = middle(plans, at('16:30'), at('18:00'));
    expect(am.filter((id) => id === 'IA2').length).toBeGreaterThan(am.length / 2);
    expect(pm.filter((id) => id === 'IA4').length).toBeGreaterThan(pm.length / 2);
  });

  it('keeps the last safe plan when the safety gate stops a plan', () => {
    const grid = gridCityNetwork();
    const { events, core } = runPipeline(grid, new SyntheticDemand(grid, { seed: 2, scale: 1.6 }).day(at('07:00'), at('08:30'), 60), at('07:00'), at('08:30'), {
      safetyGate: { absoluteMaxCycleSeconds: 95 },
    });
    const rejected = events.filter((e) => e.type === 'plan-rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0].type === 'plan-rejected' && rejected[0].codes[0]).toBe('GW_SAFETY_CYCLE_OUT_OF_BOUNDS');
    expect(rejected[0].type === 'plan-rejected' && rejected[0].problems[0]).toMatch(/^cycleSeconds = \d+: must be within 10\.\.95$/);
    for (const p of plansOf(events)) expect(p.cycleSeconds).toBeLessThanOrEqual(95);
    for (const p of core.plans(0).values()) expect(p.cycleSeconds).toBeLessThanOrEqual(95);
    expect(core.counters.plansRejected).toBe(rejected.length);
  });
});
