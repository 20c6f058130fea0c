import { describe, expect, it } from 'vitest';
import { movementsPerLane, sharesLaneFlow, laneKey, groupByLane, type Intersection, type NetworkFile } from '../../network-models/index.js';
import { phaseFlowRatios } from '../../engine/optimizer/flow-ratios.js';
import { buildIntersectionModel } from '../../engine/optimizer/intersection-model.js';
import { resolveOptimizerConfig } from '../../engine/optimizer/optimizer-config.js';
import { DemandEstimator } from '../../engine/pipeline/demand-estimator.js';
import { DetectorState } from '../../engine/pipeline/detector-state.js';
import { DEFAULT_ENGINE_CONFIG } from '../../engine/pipeline/engine-config.js';

// One signal, two approaches. West (link 'w', one lane): through and right share lane 0, both in phase p1; with
// 1,800 veh/h for a through lane and 0.9 of it for a turn, each takes half: 900 and 810 veh/h (the network
// format's shares). South (link 's', two lanes): lane 0 through only (1,800); lane 1 left (0.9 x 1,800 / 1) and a
// U-turn netconvert added beside it, both in phase p2. The U-turn takes no share of lane 1.
const x: Intersection = {
  id: 'X',
  name: 'shared lanes',
  position: { xMetres: 0, yMetres: 0 },
  control: 'signalized',
  movements: [
    { id: 'WT', fromLinkId: 'w', toLinkId: 'e-out', turn: 'through', fromLaneIndices: [0], saturationFlowVehPerHour: 900 },
    { id: 'WR', fromLinkId: 'w', toLinkId: 's-out', turn: 'right', fromLaneIndices: [0], saturationFlowVehPerHour: 810 },
    { id: 'ST', fromLinkId: 's', toLinkId: 'n-out', turn: 'through', fromLaneIndices: [0], saturationFlowVehPerHour: 1800 },
    { id: 'SL', fromLinkId: 's', toLinkId: 'w-out', turn: 'left', fromLaneIndices: [1], saturationFlowVehPerHour: 1620 },
    { id: 'SU', fromLinkId: 's', toLinkId: 's-out', turn: 'uturn', fromLaneIndices: [1], saturationFlowVehPerHour: 900 },
  ],
  phases: [
    { id: 'p1', movementIds: ['WT', 'WR'], minGreenSeconds: 5, maxGreenSeconds: 60, yellowSeconds: 3, allRedSeconds: 2 },
    { id: 'p2', movementIds: ['ST', 'SL', 'SU'], minGreenSeconds: 5, maxGreenSeconds: 60, yellowSeconds: 3, allRedSeconds: 2 },
  ],
  conflicts: [
    ['WT', 'ST'],
    ['WT', 'SL'],
    ['WR', 'SL'],
  ],
  fallbackPlans: [{ startsAt: '00:00', cycleSeconds: 60, offsetSeconds: 0, greenSecondsByPhase: { p1: 25, p2: 25 } }],
};
const link = (id: string, from: string | null, to: string | null, lanes: number) => ({ id, fromIntersectionId: from, toIntersectionId: to, lengthMetres: 200, freeFlowSpeedMetresPerSecond: 13.9, lanes });
const network: NetworkFile = {
  format: 'greenwave-network',
  version: 1,
  name: 'shared lanes',
  intersections: [x],
  links: [link('w', null, 'X', 1), link('s', null, 'X', 2), ...['e-out', 's-out', 'n-out', 'w-out'].map((id) => link(id, 'X', null, 1))],
  detectors: [
    { id: 'w0', intersectionId: 'X', linkId: 'w', laneIndex: 0, kind: 'stop-line', distanceFromStopLineMetres: 2.5 },
    { id: 's0', intersectionId: 'X', linkId: 's', laneIndex: 0, kind: 'stop-line', distanceFromStopLineMetres: 2.5 },
    { id: 's1', intersectionId: 'X', linkId: 's', laneIndex: 1, kind: 'stop-line', distanceFromStopLineMetres: 2.5 },
  ],
};

function demand(flows: Record<string, number>): Map<string, number> {
  const states = network.detectors.map((d) => {
    const s = new DetectorState(d);
    s.flowVehPerHour = flows[d.id];
    return s;
  });
  const est = new DemandEstimator(network, groupByLane(states, (s) => s.detector)).estimate(0, 0, new Map(), DEFAULT_ENGINE_CONFIG);
  return new Map([...est].map(([id, d]) => [id, d.flowVehPerHour]));
}

describe('lanes shared by several movements', () => {
  it('a U-turn beside another movement takes no share of its lane; alone on a lane it does', () => {
    const [, , , sl, su] = x.movements;
    expect(sharesLaneFlow(x, sl, 1)).toBe(true);
    expect(sharesLaneFlow(x, su, 1)).toBe(false);
    const alone: Intersection = { ...x, movements: [su] };
    expect(sharesLaneFlow(alone, su, 1)).toBe(true);
    const perLane = movementsPerLane(x);
    expect(perLane.get(laneKey('w', 0))).toBe(2);
    expect(perLane.get(laneKey('s', 1))).toBe(1);
  });

  it("splits a lane's count among the movements that share it; the U-turn's lane goes whole to the left turn", () => {
    const d = demand({ w0: 600, s0: 500, s1: 300 });
    expect(d.get('WT')).toBe(300);
    expect(d.get('WR')).toBe(300);
    expect(d.get('ST')).toBe(500);
    expect(d.get('SL')).toBe(300);
    expect(d.get('SU')).toBe(0);
    // no vehicle counted is lost
    expect([...d.values()].reduce((s, q) => s + q, 0)).toBe(1400);
  });

  it("leaves the left turn's phase to its own ratio: the U-turn beside it, with no demand, does not set it", () => {
    const d = demand({ w0: 600, s0: 200, s1: 300 });
    const model = buildIntersectionModel(x, resolveOptimizerConfig());
    const ratios = phaseFlowRatios(model, model.movements.map((m) => d.get(m.id)!));
    // p2: the left lane's 300 veh/h at 1,620 (0.185) against the through's 200 at 1,800 (0.111). Split with the
    // U-turn, as before, the U-turn's 150 veh/h at its 900 (0.167) set the phase, a stream nobody drove.
    expect(ratios.byPhase[1]).toBeCloseTo(300 / 1620, 10);
    expect(model.movements[ratios.criticalMovement[1]].id).toBe('SL');
  });
});
