import { describe, expect, it } from 'vitest';
import { arterialCorridorNetwork, gridCityNetwork } from '../../network-models/demo/demo-networks.js';
import { buildRoadGraph } from '../../network-models/road-graph.js';
import type { NetworkFile } from '../../network-models/network-types.js';

describe('road graph', () => {
  // Arterial: IA1 - IA2 - IA3 - IA4 - IA5 - IA6, 300 m apart at 13.9 m/s.
  const arterial = buildRoadGraph(arterialCorridorNetwork());

  it('knows link travel times', () => {
    expect(arterial.linkTravelTimeSeconds('IA2-in-E')).toBeCloseTo(300 / 13.9, 9);
  });

  it('finds upstream and downstream signals', () => {
    expect(arterial.downstreamSignals('IA3').map((h) => h.toIntersectionId).sort()).toEqual(['IA2', 'IA4']);
    expect(arterial.upstreamSignals('IA1').map((h) => h.fromIntersectionId)).toEqual(['IA2']);
    const hop = arterial.downstreamSignals('IA3').find((h) => h.toIntersectionId === 'IA4')!;
    expect(hop.linkIds).toEqual(['IA4-in-E']);
    expect(hop.travelTimeSeconds).toBeCloseTo(21.58, 2);
  });

  it('finds the fastest path and the arterial corridors in both directions', () => {
    const path = arterial.shortestPath('IA1', 'IA6')!;
    expect(path.intersectionIds).toEqual(['IA1', 'IA2', 'IA3', 'IA4', 'IA5', 'IA6']);
    expect(path.distanceMetres).toBe(1500);
    expect(arterial.shortestPath('IA1', 'nowhere')).toBeNull();
    const corridors = arterial.corridors().map((c) => c.intersectionIds.join('>'));
    expect(corridors).toContain('IA1>IA2>IA3>IA4>IA5>IA6');
    expect(corridors).toContain('IA6>IA5>IA4>IA3>IA2>IA1');
  });

  it('follows through movements across unsignalized junctions', () => {
    // Make IA3 of the arterial an unsignalized junction: IA2's next signal eastbound becomes IA4, 600 m away.
    const net: NetworkFile = JSON.parse(JSON.stringify(arterialCorridorNetwork()));
    const x = net.intersections.find((i) => i.id === 'IA3')!;
    x.control = 'unsignalized';
    x.phases = [];
    const g = buildRoadGraph(net);
    const hop = g.downstreamSignals('IA2').find((h) => h.toIntersectionId === 'IA4')!;
    expect(hop.linkIds).toEqual(['IA3-in-E', 'IA4-in-E']);
    expect(hop.distanceMetres).toBe(600);
  });

  it('finds 16 corridors in the grid: 4 rows and 4 columns, each in both directions', () => {
    const grid = buildRoadGraph(gridCityNetwork());
    expect(grid.corridors().filter((c) => c.intersectionIds.length === 4)).toHaveLength(16);
    expect(grid.signalIds()).toHaveLength(16);
  });
});
