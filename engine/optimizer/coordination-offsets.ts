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
  /** The signal pair's number in the topology (0, 1, ...; the same both ways). */
  pair: number;
  /**
   * Position of the hop in the order of its end ids (`localeCompare` of the upstream id, then of the downstream
   * id; equal ids share one), so that ranking edges compares numbers rather than strings.
   */
  nameRank: number;
  /** Positions of the hop's upstream and downstream signals among the topology's members (`memberIndex`). */
  fromMember: number;
  toMember: number;
}

/** Signal-to-signal hops inside one coordination group, found once when the engine is set up. */
export interface CoordinationTopology {
  hops: CoordinatedHop[];
  /** How many signal pairs the hops join (`CoordinatedHop.pair` is below it). */
  pairs: number;
  /** Each member's position in the `localeCompare` order of the ids (equal ids share one). */
  idRank: Map<string, number>;
  /** Each member's position among the members the topology was built from (the last, for a repeated id). */
  memberIndex: Map<string, number>;
}

/** The topology of a group that is not coordinated: no hops. */
export function uncoordinatedTopology(): CoordinationTopology {
  return { hops: [], pairs: 0, idRank: new Map(), memberIndex: new Map() };
}

export function buildCoordinationTopology(models: IntersectionModel[], roadGraph: RoadGraph, config: OptimizerConfig): CoordinationTopology {
  const byId = new Map(models.map((m) => [m.intersection.id, m]));
  const memberIndex = new Map(models.map((m, i) => [m.intersection.id, i]));
  const hops: CoordinatedHop[] = [];
  const pairs = new Map<string, number>();
  for (const up of models)
    for (const hop of roadGraph.downstreamSignals(up.intersection.id)) {
      const down = byId.get(hop.toIntersectionId);
      if (!down || hop.distanceMetres > config.maxCoordinationDistanceMetres) continue;
      const first = hop.linkIds[0];
      const last = hop.linkIds[hop.linkIds.length - 1];
      const feedingMovements = up.movements.flatMap((m, k) => (m.toLinkId === first ? [k] : []));
      const arrivingMovements = down.movements.flatMap((m, k) => (m.fromLinkId === last ? [k] : []));
      const lanes = new Set(down.intersection.movements.filter((m) => m.fromLinkId === last).flatMap((m) => m.fromLaneIndices));
      const pairKey = unorderedPairKey(hop.fromIntersectionId, hop.toIntersectionId);
      if (!pairs.has(pairKey)) pairs.set(pairKey, pairs.size);
      const fromMember = memberIndex.get(hop.fromIntersectionId)!;
      const toMember = memberIndex.get(hop.toIntersectionId)!;
      // Written out, not spread (`{ ...hop, ... }`): spread copies got a hidden class each (273 among 288 hops of a
      // 10x10 grid), and every read of a hop at every step was then a megamorphic look-up.
      hops.push({
        fromIntersectionId: hop.fromIntersectionId,
        toIntersectionId: hop.toIntersectionId,
        linkIds: hop.linkIds,
        distanceMetres: hop.distanceMetres,
        travelTimeSeconds: hop.travelTimeSeconds,
        feedingMovements,
        arrivingMovements,
        arrivalLanes: Math.max(1, lanes.size),
        pairKey,
        pair: pairs.get(pairKey)!,
        nameRank: 0,
        fromMember,
        toMember,
      });
    }
  denseRanks(hops, (a, b) => a.fromIntersectionId.localeCompare(b.fromIntersectionId) || a.toIntersectionId.localeCompare(b.toIntersectionId)).forEach((r, i) => (hops[i].nameRank = r));
  const ids = models.map((m) => m.intersection.id);
  const idRanks = denseRanks(ids, (a, b) => a.localeCompare(b));
  return { hops, pairs: pairs.size, idRank: new Map(ids.map((id, i) => [id, idRanks[i]])), memberIndex };
}

/** Each item's rank in the order `compare` sorts them in, items it finds equal sharing one (0, 1, ...). */
function denseRanks<T>(items: readonly T[], compare: (a: T, b: T) => number): number[] {
  const order = items.map((_, i) => i).sort((i, j) => compare(items[i], items[j]));
  const ranks = new Array<number>(items.length);
  let rank = 0;
  order.forEach((i, k) => {
    if (k > 0 && compare(items[order[k - 1]], items[i]) !== 0) rank++;
    ranks[i] = rank;
  });
  return ranks;
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
  /** Positions of the hop's upstream and downstream signals among the members. */
  u: number;
  v: number;
}

/**
 * Offsets for a group sharing one cycle: a maximum spanning tree over the hops weighted by the flow they carry
 * (each signal pair keeps its heavier direction, so the wave follows the peak and turns when the peak does),
 * rooted at the busiest signal, which keeps its offset. Along each tree edge the downstream coordinated green
 * starts when the platoon released by the upstream green arrives, less the time to discharge the queue standing
 * there. Offsets are the start of the first phase's green, in [0, cycle).
 * (Signals are worked on by their position among `members`, in arrays: this runs for every group at every step.)
 */
export function coordinationOffsets(
  topology: CoordinationTopology,
  members: Map<string, MemberTiming>,
  cycleSeconds: number,
  config: OptimizerConfig,
): Map<string, OffsetResult> {
  const w = workspaceOf(topology);
  const n = members.size;
  w.size(n);
  const { ids, timings } = w;
  let filled = 0;
  for (const [id, timing] of members) {
    ids[filled] = id;
    timings[filled++] = timing;
  }
  // Each topology member's position among `members` (-1: not among them), looked up once per member, not per hop.
  const position = w.position.fill(-1);
  const memberIndex = topology.memberIndex;
  for (let i = 0; i < n; i++) {
    const k = memberIndex.get(ids[i]);
    if (k !== undefined) position[k] = i;
  }
  const pairBest = w.pairBest.fill(undefined);
  /** Pairs in the order their first edge was found (the order ties between equal edges keep). */
  const pairOrder = w.pairOrder;
  let pairCount = 0;
  for (let h = 0; h < topology.hops.length; h++) {
    const hop = topology.hops[h];
    const u = position[hop.fromMember];
    const v = position[hop.toMember];
    if (u < 0 || v < 0) continue;
    const up = timings[u];
    const down = timings[v];
    const directed = describeHop(w.directed[h], hop, up, down, cycleSeconds, config, u, v);
    if (!directed) continue;
    // Keep the wave running the way it runs now unless the other way is clearly heavier (noise must not flip it).
    const inForce =
      (down.currentlyCoordinatedFrom === hop.fromIntersectionId && down.currentlyCoordinatedFromUpstream !== false) ||
      (up.currentlyCoordinatedFrom === hop.toIntersectionId && up.currentlyCoordinatedFromUpstream === false);
    if (inForce) directed.flowVehPerHour += incumbencyMarginVehPerHour(directed.flowVehPerHour, config);
    const key = hop.pair;
    const best = pairBest[key];
    if (!best) pairOrder[pairCount++] = key;
    if (!best || directed.flowVehPerHour > best.flowVehPerHour || (directed.flowVehPerHour === best.flowVehPerHour && hop.fromIntersectionId < best.hop.fromIntersectionId))
      pairBest[key] = directed;
  }
  const edges = w.edges;
  edges.length = pairCount;
  for (let i = 0; i < pairCount; i++) edges[i] = pairBest[pairOrder[i]]!;
  edges.sort(heaviestFirst);
  for (let i = 0; i < edges.length; i++) edges[i].rank = i;
  const adjacency = w.adjacency;
  for (let i = 0; i < n; i++) adjacency[i].length = 0;
  for (const e of edges) {
    adjacency[e.u].push(e);
    adjacency[e.v].push(e);
  }
  // The root keeps its offset; the signal that is root now stays root unless another is clearly busier.
  const { rootWeight, rank, roots } = w;
  for (let i = 0; i < n; i++) {
    const m = timings[i];
    let flow = 0;
    for (const q of m.flows) flow += Math.max(0, q);
    rootWeight[i] = m.currentOffsetSeconds !== null && m.currentlyCoordinatedFrom === undefined ? flow + incumbencyMarginVehPerHour(flow, config) : flow;
  }
  const idRank = topology.idRank;
  for (let i = 0; i < n; i++) rank[i] = idRank.get(ids[i])!;
  for (let i = 0; i < n; i++) roots[i] = i;
  roots.sort((a, b) => rootWeight[b] - rootWeight[a] || rank[a] - rank[b]);
  const offsets = w.offsets.fill(NaN);
  const results = w.results.fill(undefined);
  /** Signals in the order they were placed (the order of the map returned). */
  const placed = w.placed;
  let placedCount = 0;
  /** Per signal placed: the phase its offset was aligned on and how far that green leads the platoon. */
  const leadPhase = w.leadPhase.fill(-1);
  const leadSeconds = w.leadSeconds.fill(0);
  const frontier = w.frontier;
  const tree = w.tree;
  for (const root of roots) {
    if (results[root] !== undefined) continue;
    tree.length = 0;
    tree.push(root);
    const rootOffset = timings[root].currentOffsetSeconds ?? 0;
    results[root] = { offsetSeconds: rootOffset };
    offsets[root] = rootOffset;
    placed[placedCount++] = root;
    // Prim's algorithm: repeatedly take the heaviest edge leaving the tree (edges are ranked once, heaviest first).
    for (const e of adjacency[root]) frontier.push(e);
    for (let e = frontier.pop(); e; e = frontier.pop()) {
      const { u, v } = e;
      const uIn = results[u] !== undefined;
      const vIn = results[v] !== undefined;
      if (uIn === vIn) continue;
      const U = timings[u];
      const V = timings[v];
      if (uIn) {
        // The platoon leaves u when its green starts, or, where u's green leads an arriving platoon, when that
        // platoon passes: lead time is not passed on, or it would pile up along the corridor.
        const departs = offsets[u] + greenStart(U, e.upstreamPhase) + (leadPhase[u] === e.upstreamPhase ? leadSeconds[u] : 0);
        const offset = cycleSecondsRounded(departs + e.hop.travelTimeSeconds - e.leadSeconds - greenStart(V, e.downstreamPhase), cycleSeconds);
        leadPhase[v] = e.downstreamPhase;
        leadSeconds[v] = e.leadSeconds;
        offsets[v] = offset;
        results[v] = { offsetSeconds: offset, coordinatedFrom: { intersectionId: ids[u], linkIds: e.hop.linkIds, travelTimeSeconds: e.hop.travelTimeSeconds, phaseId: V.model.phaseIds[e.downstreamPhase], fromPhaseId: U.model.phaseIds[e.upstreamPhase] } };
      } else {
        const offset = cycleSecondsRounded(offsets[v] + greenStart(V, e.downstreamPhase) + e.leadSeconds - e.hop.travelTimeSeconds - greenStart(U, e.upstreamPhase), cycleSeconds);
        leadPhase[u] = e.upstreamPhase;
        leadSeconds[u] = 0;
        offsets[u] = offset;
        results[u] = { offsetSeconds: offset, coordinatedFrom: { intersectionId: ids[v], linkIds: e.hop.linkIds, travelTimeSeconds: -e.hop.travelTimeSeconds, phaseId: U.model.phaseIds[e.upstreamPhase], fromPhaseId: V.model.phaseIds[e.downstreamPhase] } };
      }
      const added = uIn ? v : u;
      tree.push(added);
      placed[placedCount++] = added;
      for (const next of adjacency[added]) frontier.push(next);
    }
    shiftTreeTowardsCurrent(w, tree, results, offsets, timings, cycleSeconds, config);
  }
  const result = new Map<string, OffsetResult>();
  for (let k = 0; k < placedCount; k++) result.set(ids[placed[k]], results[placed[k]]!);
  // Nothing of this call is kept past it: the members' timings are the caller's.
  timings.fill(undefined as unknown as MemberTiming);
  return result;
}

/** Heaviest edge first; between equal flows, the hops' order of end ids. */
function heaviestFirst(a: DirectedHop, b: DirectedHop): number {
  return b.flowVehPerHour - a.flowVehPerHour || a.hop.nameRank - b.hop.nameRank;
}

/**
 * The arrays `coordinationOffsets` works in, kept with its topology and reused at each call (the engine runs it
 * for every group at every step, and allocated some 100 KB a call building them afresh on a 10x10 grid). Sized
 * to the topology: one edge per hop, and `size(n)` for the members of the call.
 */
class OffsetWorkspace {
  ids: string[] = [];
  timings: MemberTiming[] = [];
  readonly position: Int32Array;
  readonly pairBest: Array<DirectedHop | undefined>;
  readonly pairOrder: number[];
  /** One edge per hop of the topology, rewritten by `describeHop` at each call. */
  readonly directed: DirectedHop[];
  readonly edges: DirectedHop[] = [];
  adjacency: DirectedHop[][] = [];
  rootWeight: number[] = [];
  rank: number[] = [];
  roots: number[] = [];
  offsets: number[] = [];
  results: Array<OffsetResult | undefined> = [];
  placed: number[] = [];
  leadPhase: number[] = [];
  leadSeconds: number[] = [];
  readonly tree: number[] = [];
  readonly frontier = new EdgeQueue();
  readonly current: number[] = [];
  readonly proposed: number[] = [];

  constructor(topology: CoordinationTopology) {
    this.position = new Int32Array(topology.memberIndex.size);
    this.pairBest = new Array<DirectedHop | undefined>(topology.pairs).fill(undefined);
    this.pairOrder = new Array<number>(topology.pairs).fill(0);
    this.directed = topology.hops.map((hop) => ({ hop, flowVehPerHour: 0, upstreamPhase: 0, downstreamPhase: 0, leadSeconds: 0, rank: -1, u: 0, v: 0 }));
  }

  /** Arrays of `n` entries for a call with `n` members. */
  size(n: number): void {
    if (this.rootWeight.length === n) return;
    this.ids = new Array<string>(n).fill('');
    this.timings = new Array<MemberTiming>(n).fill(undefined as unknown as MemberTiming);
    this.adjacency = Array.from({ length: n }, () => []);
    this.rootWeight = new Array<number>(n).fill(0);
    this.rank = new Array<number>(n).fill(0);
    this.roots = new Array<number>(n).fill(0);
    this.offsets = new Array<number>(n).fill(NaN);
    this.results = new Array<OffsetResult | undefined>(n).fill(undefined);
    this.placed = new Array<number>(n).fill(0);
    this.leadPhase = new Array<number>(n).fill(-1);
    this.leadSeconds = new Array<number>(n).fill(0);
  }
}

const workspaces = new WeakMap<CoordinationTopology, OffsetWorkspace>();

function workspaceOf(topology: CoordinationTopology): OffsetWorkspace {
  let w = workspaces.get(topology);
  if (w === undefined) workspaces.set(topology, (w = new OffsetWorkspace(topology)));
  return w;
}

function greenStart(m: MemberTiming, phase: number): number {
  return greenStartSeconds(m.greens, m.model.yellowSeconds, m.model.allRedSeconds, phase);
}

/**
 * Only offsets relative to each other within one tree matter, so the whole tree may be shifted by a constant.
 * The shift chosen keeps as many signals as possible within the offset hysteresis of the offsets in force
 * (then the least total move): a new root or a re-hung branch must not re-time every signal of the group.
 */
function shiftTreeTowardsCurrent(
  w: OffsetWorkspace,
  tree: number[],
  results: Array<OffsetResult | undefined>,
  offsets: number[],
  timings: MemberTiming[],
  cycleSeconds: number,
  config: OptimizerConfig,
): void {
  // Offsets in force and proposed of the signals that have one, as plain arrays: every candidate shift is tried
  // against every signal (quadratic in the tree's size, at every optimisation step).
  const { current, proposed } = w;
  let n = 0;
  for (const i of tree) {
    const c = timings[i].currentOffsetSeconds;
    if (c === null) continue;
    current[n] = c;
    proposed[n++] = offsets[i];
  }
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
  for (const i of tree) {
    const r = results[i]!;
    offsets[i] = cycleSecondsRounded(r.offsetSeconds + bestShift, cycleSeconds);
    // written out, not spread, for one hidden class (see the hops in `buildCoordinationTopology`)
    results[i] = r.coordinatedFrom === undefined ? { offsetSeconds: offsets[i] } : { offsetSeconds: offsets[i], coordinatedFrom: r.coordinatedFrom };
  }
}

/** The hop's edge at this step, written into `into` (its own, reused from step to step), or null when it carries none. */
function describeHop(into: DirectedHop, hop: CoordinatedHop, up: MemberTiming, down: MemberTiming, cycleSeconds: number, config: OptimizerConfig, u: number, v: number): DirectedHop | null {
  const upPhaseFlow = zeroed(upScratch, up.model.phaseIds.length);
  let feedFlow = 0;
  for (const k of hop.feedingMovements) {
    const q = Math.max(0, up.flows[k]);
    const phases = up.model.movements[k].phaseIndices;
    feedFlow += q;
    for (const p of phases) upPhaseFlow[p] += q / phases.length;
  }
  const downPhaseFlow = zeroed(downScratch, down.model.phaseIds.length);
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
  const upstreamPhase = argmax(upPhaseFlow, up.model.phaseIds.length, upFavoured === undefined ? -1 : up.model.phaseIds.indexOf(upFavoured), config);
  const downstreamPhase = argmax(downPhaseFlow, down.model.phaseIds.length, downFavoured === undefined ? -1 : down.model.phaseIds.indexOf(downFavoured), config);
  if (upstreamPhase < 0 || downstreamPhase < 0) return null;
  // Vehicles that turned onto the link outside the coordinated phase queue at the downstream stop line.
  const sideFlow = Math.max(0, feedFlow - upPhaseFlow[upstreamPhase]);
  const queuedPerLane = (sideFlow * cycleSeconds) / 3600 / hop.arrivalLanes;
  const leadSeconds = Math.min(15, Math.round(config.queueDischargeSecondsPerVeh * queuedPerLane));
  into.flowVehPerHour = Math.max(arrivingFlow, feedFlow);
  into.upstreamPhase = upstreamPhase;
  into.downstreamPhase = downstreamPhase;
  into.leadSeconds = leadSeconds;
  into.rank = -1;
  into.u = u;
  into.v = v;
  return into;
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

// Flow per phase at each end of a hop, reused from hop to hop (describeHop runs for every hop at every step).
const upScratch: number[] = [];
const downScratch: number[] = [];

/** `values` with its first `n` entries zeroed (only those are read). */
function zeroed(values: number[], n: number): number[] {
  for (let i = 0; i < n; i++) values[i] = 0;
  return values;
}

/**
 * Index of the largest of values[0..n), the favoured index's value counted with its incumbency margin; -1 if
 * none > 0.
 */
function argmax(values: number[], n: number, favoured: number, config: OptimizerConfig): number {
  let best = -1;
  let bestValue = 0;
  for (let i = 0; i < n; i++) {
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
      const t = a[parent];
      a[parent] = a[i];
      a[i] = t;
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
        const t = a[m];
        a[m] = a[i];
        a[i] = t;
        i = m;
      }
    }
    return top;
  }
}
