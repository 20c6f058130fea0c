import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSignalGroupModel, optimizeGroup, type DemandByPosition } from '../../engine/optimizer/optimize-group.js';
import { resolveOptimizerConfig } from '../../engine/optimizer/optimizer-config.js';
import { EngineCore } from '../../engine/pipeline/engine-core.js';
import { resolveEngineConfig } from '../../engine/pipeline/engine-config.js';
import type { MovementDemand, PhasePlan } from '../../engine/plan-types.js';
import { buildGridNetwork } from '../../network-models/demo/build-grid-network.js';
import { buildRoadGraph } from '../../network-models/road-graph.js';

// The engine's step hands the optimizer its demand as arrays read by position (no map and no object per
// movement): the plans must be the same, bit for bit, as from the same demand by movement id.

const net = buildGridNetwork({ name: 'g', columns: 3, rows: 2, spacingMetres: 250, mainStreetRows: [0], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });
const config = resolveOptimizerConfig({});
const group = buildSignalGroupModel('g', net.intersections, buildRoadGraph(net), config);
const movementIds = group.members.flatMap((m) => m.movements.map((mv) => mv.id));

/** A movement's demand: often missing (zero demand, zero confidence), sometimes zero, tiny or oversaturating. */
const demandArb = fc.option(
  fc.record({
    flow: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 2500, noNaN: true }), fc.constantFrom(1e-9, 1800, 5000)),
    confidence: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  }),
  { freq: 6 },
);

describe('optimizeGroup: demand by position', () => {
  it('gives the plans the same demand by id gives, step after step', () => {
    fc.assert(
      fc.property(fc.array(fc.array(demandArb, { minLength: movementIds.length, maxLength: movementIds.length }), { minLength: 1, maxLength: 6 }), (steps) => {
        // The arrays hold the movements in reverse order, and one slot no movement reads: positions, not order, matter.
        const slots = movementIds.length + 1;
        const positionOf = new Map(movementIds.map((id, i) => [id, slots - 1 - i]));
        const positions = group.members.map((m) => Int32Array.from(m.movements, (mv) => positionOf.get(mv.id)!));
        let byIdPlans = new Map<string, PhasePlan>();
        let byPositionPlans = new Map<string, PhasePlan>();
        steps.forEach((demands, step) => {
          const demand = new Map<string, MovementDemand>();
          const byPosition: DemandByPosition = { flowVehPerHour: new Float64Array(slots).fill(123), confidence: new Float64Array(slots).fill(0.5), positions };
          demands.forEach((d, i) => {
            const at = positionOf.get(movementIds[i])!;
            if (d === null) {
              // missing by id is zero flow and confidence by position
              byPosition.flowVehPerHour[at] = 0;
              byPosition.confidence[at] = 0;
              return;
            }
            demand.set(movementIds[i], { movementId: movementIds[i], flowVehPerHour: d.flow, confidence: d.confidence, source: 'measured' });
            byPosition.flowVehPerHour[at] = d.flow;
            byPosition.confidence[at] = d.confidence;
          });
          const nowMs = (step + 1) * 60_000;
          byIdPlans = optimizeGroup({ group, demand, plansInForce: byIdPlans, config, nowMs });
          byPositionPlans = optimizeGroup({ group, demand: byPosition, plansInForce: byPositionPlans, config, nowMs });
          expect(byPositionPlans).toStrictEqual(byIdPlans);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('EngineCore: the demand by id it reports', () => {
  it('is the step’s estimate, one map a step, the same the KPI events carry', () => {
    const core = new EngineCore(net, resolveEngineConfig({ emitKpis: true }));
    const t0 = Date.UTC(2026, 10, 23, 7);
    let previous: ReadonlyMap<string, MovementDemand> | undefined;
    for (let minute = 1; minute <= 4; minute++) {
      net.detectors.forEach((d, i) => expect(core.ingest({ detectorId: d.id, timestamp: t0 + minute * 60_000, count: (i * 7 + minute * 3) % 23, intervalSeconds: 60 }, t0 + minute * 60_000)).toBeUndefined());
      const events = core.tick(t0 + minute * 60_000);
      const kpi = events.find((e) => e.type === 'kpi');
      const demand = core.demand();
      expect(core.demand()).toBe(demand);
      expect(demand).not.toBe(previous);
      expect(kpi?.type === 'kpi' && kpi.demand).toStrictEqual([...demand.values()]);
      expect([...demand.keys()]).toEqual(net.intersections.flatMap((x) => x.movements.map((m) => m.id)));
      expect([...demand.values()].some((d) => d.flowVehPerHour > 0)).toBe(true);
      previous = demand;
    }
  });
});
