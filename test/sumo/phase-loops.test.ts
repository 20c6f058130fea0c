import { describe, expect, it } from 'vitest';
import { NetworkLoops } from '../../engine/actuation/phase-detectors.js';
import { protectedOnlyPhases } from '../../adapters/sumo/control/phase-skip.js';
import { buildGridNetwork } from '../../network-models/demo/build-grid-network.js';
import type { NetworkFile } from '../../network-models/network-types.js';

const OPTIONS = { gapDetectorsPerMovement: 'own' as const, gapLoops: 'upstream' as const, gapSeconds: 3 };
/** Two signals on a main street; every approach lane has a stop-line loop and a loop 60 m upstream. */
const network = (): NetworkFile =>
  buildGridNetwork({ name: 'g', columns: 2, rows: 1, spacingMetres: 250, mainStreetRows: [0], speedMetresPerSecond: 13.9, sideSpeedMetresPerSecond: 11.1, boundaryLinkMetres: 200, advanceDetectorMetres: 60, timeZone: 'UTC' });

describe('which loops a local controller reads for each phase', () => {
  it('watches gaps on the set-back loops, takes calls from every loop of the lanes served, and times calls by distance', () => {
    const net = network();
    const x = net.intersections[0];
    const { phases, callWindowSeconds } = new NetworkLoops(net).phaseLoops(x, OPTIONS);
    expect([...phases.keys()]).toEqual(x.phases.map((p) => p.id));
    const kind = new Map(net.detectors.map((d) => [d.id, d.kind]));
    for (const [, l] of phases) {
      expect(l.gapLoops.length).toBeGreaterThan(0);
      expect(l.gapLoops.every((id) => kind.get(id) === 'advance')).toBe(true);
      expect(l.advanceGapLoops).toEqual(l.gapLoops);
      expect(l.callLoops.some((id) => kind.get(id) === 'stop-line')).toBe(true);
      for (const id of l.ownLoops) expect(l.callLoops).toContain(id);
      expect(l.fullyDetected).toBe(true);
      expect(l.protectedOnlyStopLines).toBeUndefined();
    }
    // a vehicle over an advance loop calls until it can have reached the stop line: 60 m at 13.9 m/s, plus 2 s
    expect(callWindowSeconds.get('IA1:E0:adv')).toBeCloseTo(60 / 13.9 + 2, 6);
    expect(callWindowSeconds.get('IA1:E0:stop')).toBe(3);
  });

  it('watches a lane without a set-back loop at its stop line, and knows a phase with an undetected lane', () => {
    const net = network();
    net.detectors = net.detectors.filter((d) => d.id !== 'IA1:N0:adv' && !d.id.startsWith('IA1:S1:'));
    const { phases } = new NetworkLoops(net).phaseLoops(net.intersections[0], OPTIONS);
    const ns = phases.get('IA1:NS')!;
    expect(ns.gapLoops).toContain('IA1:N0:stop');
    expect(ns.gapLoops).not.toContain('IA1:N1:stop');
    expect(ns.advanceGapLoops).not.toContain('IA1:N0:stop');
    // lane S1 has no loop at all: a phase serving it cannot be told to have no demand, so it may not be skipped
    expect(ns.fullyDetected).toBe(false);
    expect(phases.get('IA1:EW')!.fullyDetected).toBe(true);
  });

  it('calls a protected-only phase from the stop-line loops of its lanes', () => {
    const net = network();
    const x = net.intersections[0];
    // make the lefts permissive in the through phase: the left phase then only protects them
    const through = x.phases.find((p) => p.id === 'IA1:EW')!;
    through.movementIds.push('IA1:EL', 'IA1:WL');
    const { phases } = new NetworkLoops(net).phaseLoops(x, OPTIONS);
    const left = phases.get('IA1:EW-left')!;
    expect(left.protectedOnlyStopLines).toBeDefined();
    expect(left.protectedOnlyStopLines!.length).toBeGreaterThan(0);
    expect(left.protectedOnlyStopLines!.every((id) => id.endsWith(':stop') && left.callLoops.includes(id))).toBe(true);
    expect(phases.get('IA1:EW')!.protectedOnlyStopLines).toBeUndefined();
  });

  it('knows which loops show a vehicle this green leaves waiting: lanes with a movement it does not serve', () => {
    const net = network();
    const x = net.intersections[0];
    const through = x.phases.find((p) => p.id === 'IA1:EW')!;
    through.movementIds.push('IA1:EL', 'IA1:WL');
    const { phases } = new NetworkLoops(net).phaseLoops(x, OPTIONS);
    const lanesOf = (ids: string[]) => new Set(ids.map((id) => id.split(':').slice(0, 2).join(':')));
    const waiting = lanesOf(phases.get('IA1:EW')!.conflictingLoops);
    // the cross street waits during the main street's green; the main street's own lanes (lefts permissive) do not
    expect([...waiting].every((lane) => lane.startsWith('IA1:N') || lane.startsWith('IA1:S'))).toBe(true);
    expect(waiting.size).toBeGreaterThan(0);
    // during the protected-left green, the through lanes wait too
    const duringLeft = lanesOf(phases.get('IA1:EW-left')!.conflictingLoops);
    expect([...duringLeft].some((lane) => lane.startsWith('IA1:E') || lane.startsWith('IA1:W'))).toBe(true);
    for (const lane of waiting) expect(duringLeft.has(lane)).toBe(true);
  });

  it('never serves every phase of a movement conditionally (a left in two phases that each look protected-only)', () => {
    const net = network();
    const x = net.intersections[0];
    // two phases for the lefts, each also carrying movements other phases serve: on a joined junction of a real
    // network both looked protected-only and the lefts were left waiting for minutes
    x.phases = [
      { ...x.phases.find((p) => p.id === 'IA1:EW')!, id: 'A' },
      { ...x.phases.find((p) => p.id === 'IA1:EW')!, id: 'B', movementIds: ['IA1:ER', 'IA1:EL', 'IA1:WL'] },
      { ...x.phases.find((p) => p.id === 'IA1:EW')!, id: 'C', movementIds: ['IA1:EL', 'IA1:WL'] },
      { ...x.phases.find((p) => p.id === 'IA1:NS')!, id: 'D' },
    ];
    const conditional = protectedOnlyPhases(x).map((p) => p.id);
    expect(conditional).toEqual(['C']);
    for (const mid of ['IA1:EL', 'IA1:WL']) expect(x.phases.some((p) => !conditional.includes(p.id) && p.movementIds.includes(mid))).toBe(true);
  });
});

describe('stalled-queue loops and pedestrians', () => {
  it('a lane turning across a crosswalk green at the same time keeps holding its green by presence', async () => {
    const { importSumoNetwork, sumoSignalOf } = await import('../../network-models/importers/sumo/index.js');
    const { withoutPedestrianWaits } = await import('../../adapters/sumo/control/engine-control.js');
    const { netgenerate, workDir } = await import('./sumo-kit.js');
    // one lane per approach, shared by the right turn, the through movement and the left turn
    const { xml } = netgenerate(workDir('ped-loops'), 'ped', ['--grid', '--grid.number', '2', '--grid.length', '150', '--grid.attach-length', '100', '--default-junction-type', 'traffic_light', '--sidewalks.guess', 'true', '--crossings.guess', 'true']);
    const net = importSumoNetwork(xml).network;
    const x = net.intersections.find((i) => i.control === 'signalized')!;
    const all = new NetworkLoops(net).phaseLoops(x, { gapDetectorsPerMovement: 'own', gapLoops: 'upstream', gapSeconds: 3 }).stopLineLoopOf;
    const kept = withoutPedestrianWaits(all, x, sumoSignalOf(x.external)!, new NetworkLoops(net).laneLayouts());
    const turning = new Set(x.movements.filter((m) => sumoSignalOf(x.external)!.movementsYieldingToPedestrians!.includes(m.id)).flatMap((m) => m.fromLaneIndices.map((l) => `${m.fromLinkId}#${l}`)));
    const laneOf = new Map(net.detectors.map((d) => [d.id, `${d.linkId}#${d.laneIndex}`]));
    expect([...all.keys()].some((d) => turning.has(laneOf.get(d)!))).toBe(true);
    expect([...kept.keys()].filter((d) => turning.has(laneOf.get(d)!))).toEqual([]);
  });
});
