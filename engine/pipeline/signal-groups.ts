import type { NetworkFile } from '../../network-models/network-types.js';
import type { RoadGraph } from '../../network-models/road-graph.js';

export interface SignalGroup {
  id: string;
  intersectionIds: string[];
}

/**
 * Coordination groups: the network's own when it names them (signals it leaves out run alone), otherwise one
 * group per set of signals connected by signal-to-signal hops within the coordination distance.
 */
export function signalGroups(network: NetworkFile, roadGraph: RoadGraph): SignalGroup[] {
  const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
  if (network.coordinationGroups) {
    const named = network.coordinationGroups.map((g) => ({ id: g.id, intersectionIds: g.intersectionIds.filter((id) => signals.includes(id)) }));
    const grouped = new Set(named.flatMap((g) => g.intersectionIds));
    const alone = signals.filter((id) => !grouped.has(id)).map((id) => ({ id: `single:${id}`, intersectionIds: [id] }));
    return [...named.filter((g) => g.intersectionIds.length > 0), ...alone];
  }
  const parent = new Map(signals.map((id) => [id, id]));
  const find = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  for (const id of signals)
    for (const hop of roadGraph.downstreamSignals(id)) {
      const a = find(id);
      const b = find(hop.toIntersectionId);
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  const groups = new Map<string, string[]>();
  for (const id of signals) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return [...groups.entries()].map(([root, ids]) => ({ id: `group:${root}`, intersectionIds: ids }));
}
