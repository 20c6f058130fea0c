import type { NetworkFile } from '../../network-models/index.js';
import type { RoadGraph } from '../../network-models/index.js';

export interface SignalGroup {
  id: string;
  intersectionIds: string[];
}

/**
 * Coordination groups: the network's own when it names them (signals it leaves out run alone), otherwise
 * subsystems of at most `maxSignalsPerGroup` signals connected by signal-to-signal hops within the coordination
 * distance.
 */
export function signalGroups(network: NetworkFile, roadGraph: RoadGraph, maxSignalsPerGroup = 20): SignalGroup[] {
  const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
  if (network.coordinationGroups) {
    const named = network.coordinationGroups.map((g) => ({ id: g.id, intersectionIds: g.intersectionIds.filter((id) => signals.includes(id)) }));
    const grouped = new Set(named.flatMap((g) => g.intersectionIds));
    const alone = signals.filter((id) => !grouped.has(id)).map((id) => ({ id: `single:${id}`, intersectionIds: [id] }));
    return [...named.filter((g) => g.intersectionIds.length > 0), ...alone];
  }
  // Breadth-first growth along signal-to-signal hops, capped in size: a large city becomes subsystems of
  // neighbouring signals (as SCATS does), each with its own common cycle.
  const neighbours = new Map<string, string[]>(signals.map((id) => [id, []]));
  for (const id of signals)
    for (const hop of roadGraph.downstreamSignals(id)) {
      neighbours.get(id)!.push(hop.toIntersectionId);
      neighbours.get(hop.toIntersectionId)?.push(id);
    }
  const assigned = new Set<string>();
  const groups: SignalGroup[] = [];
  for (const seed of [...signals].sort()) {
    if (assigned.has(seed)) continue;
    const members: string[] = [];
    const queue = [seed];
    assigned.add(seed);
    while (queue.length > 0 && members.length < maxSignalsPerGroup) {
      const id = queue.shift()!;
      members.push(id);
      for (const n of [...neighbours.get(id)!].sort())
        if (!assigned.has(n) && members.length + queue.length < maxSignalsPerGroup) {
          assigned.add(n);
          queue.push(n);
        }
    }
    for (const id of queue) assigned.delete(id);
    groups.push({ id: `group:${seed}`, intersectionIds: members });
  }
  return groups;
}
