import { unorderedPairKey, type RoadGraph, type SignalHop } from '../../network-models/index.js';
import { cycleSecondsRounded, greenStartSeconds } from '../timing/index.js';
import type { IntersectionModel } from './intersection-model.js';
import type { OptimizerConfig } from './optimizer-config.js';

/** A hop between two signals of a group, with the movements that feed it and that it feeds. */
export interface CoordinatedHop extends SignalHop {
  /** Movements at the upstream signal that turn onto the hop's first link. */
  feedingMovements: number[];
  /** Movements at the downstream signal that leave from the hop's last link. */
  arrivingMovements: number[];
  /** Lanes of the last link that those movements use. */
  arrivalLanes: number;
  /** The signal pair's key, the same both ways (`unorderedPairKey`). */
  pairKey: string;
}

/** Signal-to-signal hops inside one coordination group, found once when the engine is set up. */
export interface CoordinationTopology {
  hops: CoordinatedHop[];
}

export function buildCoordinationTopology(models: IntersectionModel[], roadGraph: RoadGraph, config: OptimizerConfig): CoordinationTopology {
  const byId = new Map(models.map((m) => [m.intersection.id, m]));
  const hops: CoordinatedHop[] = [];
  for (const up of models)
    for (const hop of roadGraph.downstreamSignals(up.intersection.id)) {
      const down = byId.get(hop.toIntersectionId);
      if (!down || hop.distanceMetres > config.maxCoordinationDistanceMetres) continue;
      const first = hop.linkIds[0];
      const last = hop.linkIds[hop.linkIds.length - 1];
      const feedingMovements = up.movements.flatMap((m, k) => (m.toLinkId === first ? [k] : []));
      const arrivingMovements = down.movements.flatMap((m, k) => (m.fromLinkId === last ? [k] : []));
      const lanes = new Set(down.intersection.movements.filter((m) => m.fromLinkId === last).flatMap((m) => m.fromLaneIndices));
      hops.push({ ...hop, feedingMovements, arrivingMovements, arrivalLanes: Math.max(1, lanes.size), pairKey: unorderedPairKey(hop.fromIntersectionId, hop.toIntersectionId) });
    }
  return { hops };
}

export interface MemberTiming {
  model: IntersectionModel;
  greens: number[];
  flows: number[];
  currentOffsetSeconds: number | null;
  /** The signal this one is coordinated from under the plan in force, if any, and the phases aligned. */
  currentlyCoordinatedFrom?: string;
  currentCoordinatedPhaseId?: string;
  currentCoordinatedFromPhaseId?: string;
  /** Whether the signal coordinated from is upstream of this one (the platoon runs towards this signal). */
  currentlyCoordinatedFromUpstream?: boolean;
}

export interface OffsetResult {
  offsetSeconds: number;
  coordinatedFrom?: { intersectionId: string; linkIds: string[]; travelTimeSeconds: number; phaseId: string; fromPhaseId: string };
}

interface DirectedHop {
  hop: CoordinatedHop;
  flowVehPerHour: number;
  upstreamPhase: number;
  downstreamPhase: number;
  leadSeconds: number;
  /** Position among the group's edges, heaviest first (set once the edges are ranked). */
  rank: number;
}

/**
 * Offsets for a group sharing one cycle: a maximum spanning tree over the hops weighted by the flow they carry
 * (each signal pair keeps its heavier direction, so the wave follows the peak and turns when the peak does),
 * rooted at the busiest signal, which keeps its offset. Along each tree edge the downstream coordinated green
 * starts when the platoon released by the upstream green arrives, less the time to discharge the queue standing
 * there. Offsets are the start of the first phase's green, in [0, cycle).
 */
export function coordinationOffsets(
  topology: CoordinationTopology,
  members: Map<string, MemberTiming>,
  cycleSeconds: number,
  config: OptimizerConfig,
): Map<string, OffsetResult> {
  const result = new Map<string, OffsetResult>();
  const pairBest = new Map<string, DirectedHop>();
  for (const hop of topology.hops) {
    const up = members.get(hop.fromIntersectionId);
    const down = members.get(hop.toIntersectionId);
    if (!up || !down) continue;
    const directed = describeHop(hop, up, down, cycleSeconds, config);
    if (!directed) continue;
    // Keep the wave running the way it runs now unless the other way is clearly heavier (noise must not flip it).
    const inForce =
      (down.currentlyCoordinatedFrom === hop.fromIntersectionId && down.currentlyCoordinatedFromUpstream !== false) ||
      (up.currentlyCoordinatedFrom === hop.toIntersectionId && up.currentlyCoordinatedFromUpstream === false);
    if (inForce) directed.flowVehPerHour += incumbencyMarginVehPerHour(directed.flowVehPerHour, config);
    const key = hop.pairKey;
    const best = pairBest.get(key);
    if (!best || directed.flowVehPerHour > best.flowVehPerHour || (directed.flowVehPerHour === best.flowVehPerHour && hop.fromIntersectionId < best.hop.fromIntersectionId))
      pairBest.set(key, directed);
  }
  const edges = [...pairBest.values()].sort(
    (a, b) => b.flowVehPerHour - a.flowVehPerHour || a.hop.fromIntersectionId.localeCompare(b.hop.fromIntersectionId) || a.hop.toIntersectionId.localeCompare(b.hop.toIntersectionId),
  );
  for (let i = 0; i < edges.length; i++) edges[i].rank = i;
  const adjacency = new Map<string, DirectedHop[]>();
  for (const e of edges) {
    for (const end of [e.hop.fromIntersectionId, e.hop.toIntersectionId]) {
      const list = adjacency.get(end) ?? [];
      list.push(e);
      adjacency.set(end, list);
    }
  }
  // The root keeps its offset; the signal that is root now stays root unless another is clearly busier.
  const totalFlow = (id: string) => {
    const m = members.get(id)!;
    const flow = m.flows.reduce((s, q) => s + Math.max(0, q), 0);
    return m.currentOffsetSeconds !== null && m.currentlyCoordinatedFrom === undefined ? flow + incumbencyMarginVehPerHour(flow, config) : flow;
  };
  const rootWeight = new Map([...members.keys()].map((id) => [id, totalFlow(id)]));
  const ids = [...members.keys()].sort((a, b) => rootWeight.get(b)! - rootWeight.get(a)! || a.localeCompare(b));
  /** Per signal placed: the phase its offset was aligned on and how far that green leads the platoon. */
  const lead = new Map<string, { phase: number; seconds: number }>();
  const start = (m: MemberTiming, phase: number) => greenStartSeconds(m.greens, m.model.yellowSeconds, m.model.allRedSeconds, phase);
  for (const root of ids) {
    if (result.has(root)) continue;
    const tree = [root];
    result.set(root, { offsetSeconds: members.get(root)!.currentOffsetSeconds ?? 0 });
    lead.set(root, { phase: -1, seconds: 0 });
    // Prim's algorithm: repeatedly take the heaviest edge leaving the tree (edges are ranked once, heaviest first).
    const frontier = new EdgeQueue();
    for (const e of adjacency.get(root) ?? []) frontier.push(e);
    for (let e = frontier.pop(); e; e = frontier.pop()) {
      const { fromIntersectionId: u, toIntersectionId: v } = e.hop;
      const uIn = result.has(u);
      const vIn = result.has(v);
      if (uIn === vIn) continue;
      const U = members.get(u)!;
      const V = members.get(v)!;
      if (uIn) {
        // The platoon leaves u when its green starts, or, where u's green leads an arriving platoon, when that
        // platoon passes: lead time is not passed on, or it would pile up along the corridor.
        const uLead = lead.get(u)!;
        const departs = result.get(u)!.offsetSeconds + start(U, e.upstreamPhase) + (uLead.phase === e.upstreamPhase ? uLead.seconds : 0);
        const offset = departs + e.hop.travelTimeSeconds - e.leadSeconds - start(V, e.downstreamPhase);
        lead.set(v, { phase: e.downstreamPhase, seconds: e.leadSeconds });
        result.set(v, { offsetSeconds: cycleSecondsRounded(offset, cycleSeconds), coordinatedFrom: { intersectionId: u, linkIds: e.hop.linkIds, travelTimeSeconds: e.hop.travelTimeSeconds, phaseId: V.model.phaseIds[e.downstreamPhase], fromPhaseId: U.model.phaseIds[e.upstreamPhase] } });
      } else {
        const offset = result.get(v)!.offsetSeconds + start(V, e.downstreamPhase) + e.leadSeconds - e.hop.travelTimeSeconds - start(U, e.upstreamPhase);
        lead.set(u, { phase: e.upstreamPhase, seconds: 0 });
        result.set(u, { offsetSeconds: cycleSecondsRounded(offset, cycleSeconds), coordinatedFrom: { intersectionId: v, linkIds: e.hop.linkIds, travelTimeSeconds: -e.hop.travelTimeSeconds, phaseId: U.model.phaseIds[e.upstreamPhase], fromPhaseId: V.model.phaseIds[e.downstreamPhase] } });
      }
      tree.push(uIn ? v : u);
      for (const next of adjacency.get(uIn ? v : u) ?? []) frontier.push(next);
    }
    shiftTreeTowardsCurrent(tree, result, members, cycleSeconds, config);
  }
  return result;
}

/**
 * Only offsets relative to each other within one tree matter, so the whole tree may be shifted by a constant.
 * The shift chosen keeps as many signals as possible within the offset hysteresis of the offsets in force
 * (then the least total move): a new root or a re-hung branch must not re-time every signal of the group.
 */
function shiftTreeTowardsCurrent(tree: string[], result: Map<string, OffsetResult>, members: Map<string, MemberTiming>, cycleSeconds: number, config: OptimizerConfig): void {
  // Offsets in force and proposed of the signals that have one, as plain arrays: every candidate shift is tried
  // against every signal (quadratic in the tree's size, at every optimisation step).
  const current: number[] = [];
  const proposed: number[] = [];
  for (const id of tree) {
    const c = members.get(id)!.currentOffsetSeconds;
    if (c === null) continue;
    current.push(c);
    proposed.push(result.get(id)!.offsetSeconds);
  }
  const n = current.length;
  if (n < 2) return;
  const keepWithin = Math.max(config.offsetHysteresisSeconds, config.offsetHysteresisFraction * cycleSeconds);
  let bestShift = 0;
  let bestKept = -1;
  let bestMoved = Infinity;
  for (let c = 0; c < n; c++) {
    const shift = cycleSecondsRounded(current[c] - proposed[c], cycleSeconds);
    let kept = 0;
    let moved = 0;
    for (let p = 0; p < n; p++) {
      const d = circularDifference(proposed[p] + shift, current[p], cycleSeconds);
      if (d < keepWithin) kept++;
      moved += d;
    }
    if (kept > bestKept || (kept === bestKept && moved < bestMoved - 1e-9)) {
      bestShift = shift;
      bestKept = kept;
      bestMoved = moved;
    }
  }
  if (bestShift === 0) return;
  for (const id of tree) {
    const r = result.get(id)!;
    result.set(id, { ...r, offsetSeconds: cycleSecondsRounded(r.offsetSeconds + bestShift, cycleSeconds) });
  }
}

function describeHop(hop: CoordinatedHop, up: MemberTiming, down: MemberTiming, cycleSeconds: number, config: OptimizerConfig): DirectedHop | null {
  const upPhaseFlow = new Array<number>(up.model.phaseIds.length).fill(0);
  let feedFlow = 0;
  for (const k of hop.feedingMovements) {
    const q = Math.max(0, up.flows[k]);
    const phases = up.model.movements[k].phaseIndices;
    feedFlow += q;
    for (const p of phases) upPhaseFlow[p] += q / phases.length;
  }
  const downPhaseFlow = new Array<number>(down.model.phaseIds.length).fill(0);
  let arrivingFlow = 0;
  for (const k of hop.arrivingMovements) {
    const q = Math.max(0, down.flows[k]);
    arrivingFlow += q;
    for (const p of down.model.movements[k].phaseIndices) downPhaseFlow[p] += q;
  }
  // The phases aligned along this hop now stay aligned unless another phase is clearly heavier.
  let upFavoured: string | undefined;
  let downFavoured: string | undefined;
  if (down.currentlyCoordinatedFrom === hop.fromIntersectionId) {
    downFavoured = down.currentCoordinatedPhaseId;
    upFavoured = down.currentCoordinatedFromPhaseId;
  } else if (up.currentlyCoordinatedFrom === hop.toIntersectionId) {
    upFavoured = up.currentCoordinatedPhaseId;
    downFavoured = up.currentCoordinatedFromPhaseId;
  }
  const upstreamPhase = argmax(upPhaseFlow, upFavoured === undefined ? -1 : up.model.phaseIds.indexOf(upFavoured), config);
  const downstreamPhase = argmax(downPhaseFlow, downFavoured === undefined ? -1 : down.model.phaseIds.indexOf(downFavoured), config);
  if (upstreamPhase < 0 || downstreamPhase < 0) return null;
  // Vehicles that turned onto the link outside the coordinated phase queue at the downstream stop line.
  const sideFlow = Math.max(0, feedFlow - upPhaseFlow[upstreamPhase]);
  const queuedPerLane = (sideFlow * cycleSeconds) / 3600 / hop.arrivalLanes;
  const leadSeconds = Math.min(15, Math.round(config.queueDischargeSecondsPerVeh * queuedPerLane));
  return { hop, flowVehPerHour: Math.max(arrivingFlow, feedFlow), upstreamPhase, downstreamPhase, leadSeconds, rank: -1 };
}

/**
 * How much more flow a challenger must carry to displace a coordination choice in force: the hysteresis fraction,
 * plus two standard deviations of the Poisson noise of the two flow estimates (which is what makes low flows
 * flip at random: 50 veh/h counted over 6 minutes is 50 ± 22 veh/h).
 */
export function incumbencyMarginVehPerHour(flowVehPerHour: number, config: OptimizerConfig): number {
  const q = Math.max(0, flowVehPerHour);
  const noiseSd = Math.sqrt((2 * q * 3600) / config.flowEvidenceSeconds);
  return config.coordinationDirectionHysteresisFraction * q + 2 * noiseSd;
}

/** Index of the largest value, the favoured index's value counted with its incumbency margin; -1 if none > 0. */
function argmax(values: number[], favoured: number, config: OptimizerConfig): number {
  let best = -1;
  let bestValue = 0;
  for (let i = 0; i < values.length; i++) {
    const v = i === favoured ? values[i] + incumbencyMarginVehPerHour(values[i], config) : values[i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Shortest distance between two offsets on a cycle, seconds. */
export function circularDifference(a: number, b: number, cycleSeconds: number): number {
  const d = cycleSecondsRounded(a - b, cycleSeconds);
  return Math.min(d, cycleSeconds - d);
}

/** Binary min-heap of edges by their rank (0 = heaviest). */
class EdgeQueue {
  private readonly items: DirectedHop[] = [];

  push(e: DirectedHop): void {
    const a = this.items;
    a.push(e);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent].rank <= a[i].rank) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): DirectedHop | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].rank < a[m].rank) m = l;
        if (r < a.length && a[r].rank < a[m].rank) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
