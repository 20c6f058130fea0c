import createGraph, { type Graph } from 'ngraph.graph';
import ngraphPath from 'ngraph.path';
import type { Intersection, Link, NetworkFile } from './network-types.js';

/** A chain of links from one signal to the next, possibly through unsignalized junctions. */
export interface SignalHop {
  fromIntersectionId: string;
  toIntersectionId: string;
  linkIds: string[];
  distanceMetres: number;
  travelTimeSeconds: number;
}

export interface RoutePath {
  intersectionIds: string[];
  linkIds: string[];
  distanceMetres: number;
  travelTimeSeconds: number;
}

export interface RoadGraphOptions {
  /** Hops longer than this are not followed when looking for the next signal (coordination is pointless beyond it). */
  maxHopDistanceMetres?: number;
  /** At most this many unsignalized junctions are passed through between two signals. */
  maxUnsignalizedJunctions?: number;
}

export interface RoadGraph {
  readonly graph: Graph<Intersection, Link>;
  intersection(id: string): Intersection | undefined;
  link(id: string): Link | undefined;
  linkTravelTimeSeconds(linkId: string): number;
  /** Next signals downstream of a signal, following through movements across unsignalized junctions. */
  downstreamSignals(intersectionId: string): SignalHop[];
  /** Signals whose downstream hops end at this one. */
  upstreamSignals(intersectionId: string): SignalHop[];
  /** Fastest path by free-flow travel time between two intersections, or null if none. */
  shortestPath(fromIntersectionId: string, toIntersectionId: string): RoutePath | null;
  /** Maximal chains of signals linked by through hops (arterial corridors), longest first. */
  corridors(): RoutePath[];
  signalIds(): string[];
}

export function buildRoadGraph(network: NetworkFile, options: RoadGraphOptions = {}): RoadGraph {
  const maxHopDistance = options.maxHopDistanceMetres ?? 2000;
  const maxUnsignalized = options.maxUnsignalizedJunctions ?? 6;

  const graph = createGraph<Intersection, Link>({ multigraph: true });
  const intersections = new Map<string, Intersection>();
  const links = new Map<string, Link>();
  graph.beginUpdate();
  for (const x of network.intersections) {
    intersections.set(x.id, x);
    graph.addNode(x.id, x);
  }
  for (const l of network.links) {
    links.set(l.id, l);
    if (l.fromIntersectionId !== null && l.toIntersectionId !== null) graph.addLink(l.fromIntersectionId, l.toIntersectionId, l);
  }
  graph.endUpdate();

  const travelTime = (l: Link) => l.lengthMetres / l.freeFlowSpeedMetresPerSecond;

  /** The link a vehicle continues on after arriving at x via `inLink`: its through movement, else the only way on. */
  function continuation(x: Intersection, inLink: Link): Link | undefined {
    const through = x.movements.find((m) => m.fromLinkId === inLink.id && m.turn === 'through');
    if (through) return links.get(through.toLinkId);
    const onward = x.movements.filter((m) => m.fromLinkId === inLink.id && m.turn !== 'uturn');
    if (onward.length === 1) return links.get(onward[0].toLinkId);
    return undefined;
  }

  const downstreamCache = new Map<string, SignalHop[]>();
  function downstreamSignals(id: string): SignalHop[] {
    const cached = downstreamCache.get(id);
    if (cached) return cached;
    const hops: SignalHop[] = [];
    for (const start of network.links) {
      if (start.fromIntersectionId !== id) continue;
      const hop = followToSignal(id, start);
      if (hop) hops.push(hop);
    }
    downstreamCache.set(id, hops);
    return hops;
  }

  function followToSignal(fromId: string, start: Link): SignalHop | null {
    const linkIds: string[] = [];
    let distance = 0;
    let time = 0;
    let link: Link | undefined = start;
    for (let passed = 0; link && passed <= maxUnsignalized; passed++) {
      linkIds.push(link.id);
      distance += link.lengthMetres;
      time += travelTime(link);
      if (distance > maxHopDistance || link.toIntersectionId === null) return null;
      const next = intersections.get(link.toIntersectionId);
      if (!next) return null;
      if (next.control === 'signalized') {
        if (next.id === fromId) return null;
        return { fromIntersectionId: fromId, toIntersectionId: next.id, linkIds, distanceMetres: distance, travelTimeSeconds: time };
      }
      link = continuation(next, link);
    }
    return null;
  }

  let upstreamIndex: Map<string, SignalHop[]> | null = null;
  function upstreamSignals(id: string): SignalHop[] {
    if (!upstreamIndex) {
      upstreamIndex = new Map();
      for (const x of network.intersections) {
        if (x.control !== 'signalized') continue;
        for (const hop of downstreamSignals(x.id)) {
          const list = upstreamIndex.get(hop.toIntersectionId) ?? [];
          list.push(hop);
          upstreamIndex.set(hop.toIntersectionId, list);
        }
      }
    }
    return upstreamIndex.get(id) ?? [];
  }

  const pathFinder = ngraphPath.aStar(graph, {
    oriented: true,
    distance: (_from, _to, l) => travelTime(l.data),
  });

  function shortestPath(fromId: string, toId: string): RoutePath | null {
    if (!intersections.has(fromId) || !intersections.has(toId)) return null;
    if (fromId === toId) return { intersectionIds: [fromId], linkIds: [], distanceMetres: 0, travelTimeSeconds: 0 };
    // ngraph.path returns nodes from the destination back to the origin.
    const nodes = pathFinder.find(fromId, toId).map((n) => String(n.id)).reverse();
    if (nodes.length < 2) return null;
    const linkIds: string[] = [];
    let distance = 0;
    let time = 0;
    for (let i = 0; i + 1 < nodes.length; i++) {
      let best: Link | undefined;
      graph.forEachLinkedNode(
        nodes[i],
        (_n, l) => {
          if (String(l.toId) === nodes[i + 1] && (!best || travelTime(l.data) < travelTime(best))) best = l.data;
        },
        true,
      );
      if (!best) return null;
      linkIds.push(best.id);
      distance += best.lengthMetres;
      time += travelTime(best);
    }
    return { intersectionIds: nodes, linkIds, distanceMetres: distance, travelTimeSeconds: time };
  }

  function corridors(): RoutePath[] {
    const signals = network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id);
    const out: RoutePath[] = [];
    // A corridor starts at a hop that no through hop feeds, and follows through hops while they continue straight on.
    const throughHop = (hop: SignalHop, x: Intersection) =>
      x.movements.some((m) => m.fromLinkId === hop.linkIds[hop.linkIds.length - 1] && m.turn === 'through');
    const nextAlong = (hop: SignalHop): SignalHop | undefined => {
      const x = intersections.get(hop.toIntersectionId)!;
      const lastLink = links.get(hop.linkIds[hop.linkIds.length - 1])!;
      const onward = continuation(x, lastLink);
      if (!onward) return undefined;
      return downstreamSignals(x.id).find((h) => h.linkIds[0] === onward.id);
    };
    const fed = new Set<SignalHop>();
    for (const id of signals) for (const hop of downstreamSignals(id)) {
      const n = nextAlong(hop);
      if (n) fed.add(n);
    }
    for (const id of signals) {
      for (const first of downstreamSignals(id)) {
        if (fed.has(first) || !throughHop(first, intersections.get(first.toIntersectionId)!)) continue;
        const path: RoutePath = { intersectionIds: [id], linkIds: [], distanceMetres: 0, travelTimeSeconds: 0 };
        const seen = new Set<string>([id]);
        for (let hop: SignalHop | undefined = first; hop && !seen.has(hop.toIntersectionId); hop = nextAlong(hop)) {
          seen.add(hop.toIntersectionId);
          path.intersectionIds.push(hop.toIntersectionId);
          path.linkIds.push(...hop.linkIds);
          path.distanceMetres += hop.distanceMetres;
          path.travelTimeSeconds += hop.travelTimeSeconds;
        }
        if (path.intersectionIds.length >= 2) out.push(path);
      }
    }
    return out.sort((a, b) => b.intersectionIds.length - a.intersectionIds.length || a.intersectionIds[0].localeCompare(b.intersectionIds[0]));
  }

  // this is our public API:
  return {
    graph,
    intersection: (id) => intersections.get(id),
    link: (id) => links.get(id),
    linkTravelTimeSeconds: (id) => {
      const l = links.get(id);
      return l ? travelTime(l) : NaN;
    },
    downstreamSignals,
    upstreamSignals,
    shortestPath,
    corridors,
    signalIds: () => network.intersections.filter((x) => x.control === 'signalized').map((x) => x.id),
  };
}
