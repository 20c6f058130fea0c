import {
  FORMAT_LIMITS,
  NETWORK_FORMAT,
  NETWORK_FORMAT_VERSION,
  laneKey,
  movementsPerLane,
  pairKey,
  type Detector,
  type Intersection,
  type Link,
  type Movement,
  type NetworkFile,
  type Phase,
  type TurnKind,
} from '../../index.js';
import type { SumoConnection, SumoJunction, SumoLane, SumoNet, SumoTlLogic } from './sumo-net-types.js';
import type { ImportIssue, ImportIssueCode } from './import-issue.js';
import { sumoSignalOf, type SumoNetworkExternal, type SumoPhaseStates, type SumoSignalExternal } from './sumo-external.js';
import { requestBit, requestIndexResolver } from './sumo-request-index.js';
import { groupProgramPhases, type ProgramGrouping } from './sumo-phase-grouping.js';

export interface SumoImportOptions {
  /** Network name written to the file. Default 'sumo-import'. */
  name?: string;
  /** Vehicle class whose lanes and connections are modelled. Default 'passenger'. */
  vehicleClass?: string;
  /** Minimum green given to phases of fixed-time programs (capped at the program's own green). Default 5 s. */
  minGreenSeconds?: number;
  /** Maximum green given to phases of fixed-time programs (raised to the program's own green). Default 90 s. */
  maxGreenSeconds?: number;
  /** Saturation flow of one through lane, veh/h of green. Default 1800. */
  saturationFlowPerLaneVehPerHour?: number;
  /** Factor on the saturation flow of turning movements (left, right). Default 0.9; U-turns 0.5. */
  turnSaturationFactor?: number;
  /** Distance of the stop-line detector upstream of the lane end, metres (at most half the lane). Default 2.5. */
  stopLineDetectorSetbackMetres?: number;
  /** Distance of advance detectors upstream of the stop line, metres. Default 50. */
  advanceDetectorDistanceMetres?: number;
  /** Lanes shorter than this get no advance detector; shorter than the advance distance + 10 m, it moves closer. Default 35 m. */
  minLaneLengthForAdvanceMetres?: number;
  /** Also import junctions without signals (as unsignalized intersections). Default true. */
  includeUnsignalized?: boolean;
}

export interface SumoImportResult {
  network: NetworkFile;
  issues: ImportIssue[];
}

const SKIPPED_JUNCTION_TYPES = new Set(['dead_end', 'internal', 'district']);

const TURN_BY_DIR: Record<string, TurnKind> = { s: 'through', l: 'left', L: 'left', r: 'right', R: 'right', t: 'uturn' };

interface MovementDraft {
  id: string;
  junctionId: string;
  from: string;
  to: string;
  tl?: string;
  connections: SumoConnection[];
  turn: TurnKind;
  /** [junction, request index] of each connection. */
  requests: Array<[string, number]>;
}

/** The import options with their defaults. */
interface ResolvedOptions {
  name: string;
  vehicleClass: string;
  minGreen: number;
  maxGreen: number;
  satPerLane: number;
  turnFactor: number;
  stopSetback: number;
  advanceDistance: number;
  minAdvanceLane: number;
  includeUnsignalized: boolean;
}

type IssueSink = (code: ImportIssueCode, severity: ImportIssue['severity'], element: string, message: string) => void;

interface SignalDraft {
  tlsId: string;
  logic: SumoTlLogic;
  junctionIds: string[];
  movements: MovementDraft[];
  grouping: ProgramGrouping;
  movementLinks: Map<string, number[]>;
}

/**
 * Converts a parsed SUMO network into the Greenwave network format. Each SUMO traffic light (TLS) becomes one
 * signalized intersection (a TLS that spans several junctions stays one intersection); other junctions become
 * unsignalized intersections; edges with vehicle lanes become links. Everything that cannot be represented is
 * listed in `issues` rather than guessed silently. The stages, in order, are the functions below.
 */
export function convertSumoNet(net: SumoNet, options: SumoImportOptions = {}): SumoImportResult {
  const o = resolveOptions(options);
  const issues: ImportIssue[] = [];
  const issue: IssueSink = (code, severity, element, message) => issues.push({ code, severity, element, message });

  const lanes = vehicleLanesOf(net, o, issue);
  const { drafts, junctions, external, junctionOf } = movementDrafts(net, lanes, issue);
  const tlsOfJunction = signalOfEachJunction(external, junctionOf, issue);
  const signals = signalDrafts(net, tlsOfJunction, drafts, o, issue);
  const intersectionOfJunction = intersectionIds(net, signals, o, issue);
  const { links, sumoLaneIndexByLink } = buildLinks(lanes, intersectionOfJunction);
  const intersections = buildIntersections(net, junctions, drafts, signals, intersectionOfJunction, links, lanes, o, issue);
  const { detectors, detectorLaneIds, detectorPositions } = placeDetectors(links, signals, lanes, o);

  const netExternal: SumoNetworkExternal = { sumoLaneIndexByLink, detectorLaneIds, detectorPositions };
  const network: NetworkFile = {
    format: NETWORK_FORMAT,
    version: NETWORK_FORMAT_VERSION,
    name: o.name,
    intersections,
    links,
    detectors,
    external: { sumo: netExternal },
  };
  return { network, issues };
}

function resolveOptions(options: SumoImportOptions): ResolvedOptions {
  return {
    name: options.name ?? 'sumo-import',
    vehicleClass: options.vehicleClass ?? 'passenger',
    minGreen: options.minGreenSeconds ?? 5,
    maxGreen: options.maxGreenSeconds ?? 90,
    satPerLane: options.saturationFlowPerLaneVehPerHour ?? 1800,
    turnFactor: options.turnSaturationFactor ?? 0.9,
    stopSetback: options.stopLineDetectorSetbackMetres ?? 2.5,
    advanceDistance: options.advanceDetectorDistanceMetres ?? 50,
    minAdvanceLane: options.minLaneLengthForAdvanceMetres ?? 35,
    includeUnsignalized: options.includeUnsignalized ?? true,
  };
}

interface VehicleLanes {
  normalEdges: SumoNet['edges'];
  edges: Map<string, SumoNet['edges'][number]>;
  /** Lanes of each edge open to the vehicle class, in SUMO lane order. */
  vehicleLanes: Map<string, SumoLane[]>;
  /** SUMO lane id -> network lane index. */
  laneNumber: Map<string, number>;
}

/** Stage 1: the normal edges and their lanes open to the vehicle class. */
function vehicleLanesOf(net: SumoNet, o: ResolvedOptions, issue: IssueSink): VehicleLanes {
  const normalEdges = net.edges.filter((e) => e.func === undefined || e.func === 'normal');
  const edges = new Map(normalEdges.map((e) => [e.id, e]));
  const vehicleLanes = new Map<string, SumoLane[]>();
  const laneNumber = new Map<string, number>(); // sumo lane id -> network lane index
  let edgesWithoutVehicleLanes = 0;
  for (const e of normalEdges) {
    const lanes = [...e.lanes].sort((a, b) => a.index - b.index).filter((l) => laneAllows(l, o.vehicleClass));
    if (lanes.length === 0) {
      edgesWithoutVehicleLanes++;
      continue;
    }
    vehicleLanes.set(e.id, lanes);
    lanes.forEach((l, i) => laneNumber.set(l.id, i));
  }
  if (edgesWithoutVehicleLanes > 0)
    issue('SUMO_EDGES_WITHOUT_VEHICLE_LANES', 'info', '(network)',
      `${edgesWithoutVehicleLanes} edges have no lane open to '${o.vehicleClass}' (sidewalks, rail, bike paths); they are not imported`);

  return { normalEdges, edges, vehicleLanes, laneNumber };
}

/** Stage 2: vehicle movements, one per (from edge, to edge), with their connections and junction request indices. */
function movementDrafts(net: SumoNet, { edges, vehicleLanes, laneNumber }: VehicleLanes, issue: IssueSink) {
  const junctions = new Map(net.junctions.map((j) => [j.id, j]));
  const external = net.connections.filter((c) => !c.from.startsWith(':'));
  const internal = net.connections.filter((c) => c.from.startsWith(':'));
  const junctionOf = (c: SumoConnection) => edges.get(c.from)?.to;
  const requestIndexOf = requestIndexResolver(junctions, internal, junctionOf, external);
  if (external.length > 0 && external.every((c) => !c.via))
    issue('SUMO_NO_INTERNAL_LINKS', 'info', '(network)',
      'the network has no internal lanes; conflict data is read in SUMO\'s default link order (incoming lane, then connection)');

  const drafts = new Map<string, MovementDraft>();
  for (const c of external) {
    const fromLane = laneNumber.get(`${c.from}_${c.fromLane}`);
    if (fromLane === undefined || !vehicleLanes.has(c.to)) continue;
    const junctionId = junctionOf(c);
    if (junctionId === undefined) continue;
    const id = `${c.from}>${c.to}`;
    let d = drafts.get(id);
    if (!d) {
      d = { id, junctionId, from: c.from, to: c.to, tl: c.tl, connections: [], turn: TURN_BY_DIR[c.dir ?? 's'] ?? 'through', requests: [] };
      drafts.set(id, d);
    }
    d.connections.push(c);
    if (d.tl === undefined && c.tl !== undefined) d.tl = c.tl;
    const ri = requestIndexOf(c);
    if (ri !== undefined) d.requests.push([junctionId, ri]);
  }
  const unresolved = [...drafts.values()].filter((d) => d.requests.length < d.connections.length).length;
  if (unresolved > 0)
    issue('SUMO_REQUEST_INDEX_UNKNOWN', 'warning', '(network)',
      `${unresolved} movements have connections whose junction request index could not be found; their conflicts may be incomplete`);
  return { drafts, junctions, external, junctionOf };
}

/** Stage 3: the traffic light each junction belongs to (the one controlling most of its connections). */
function signalOfEachJunction(external: SumoConnection[], junctionOf: (c: SumoConnection) => string | undefined, issue: IssueSink): Map<string, string> {
  const tlsCountsByJunction = new Map<string, Map<string, number>>();
  for (const c of external) {
    if (c.tl === undefined) continue;
    const jid = junctionOf(c);
    if (jid === undefined) continue;
    const counts = tlsCountsByJunction.get(jid) ?? new Map<string, number>();
    counts.set(c.tl, (counts.get(c.tl) ?? 0) + 1);
    tlsCountsByJunction.set(jid, counts);
  }
  const tlsOfJunction = new Map<string, string>();
  for (const [jid, counts] of tlsCountsByJunction) {
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    tlsOfJunction.set(jid, sorted[0][0]);
    if (sorted.length > 1)
      issue('SUMO_JUNCTION_SEVERAL_SIGNALS', 'warning', jid,
        `junction has connections of several traffic lights (${sorted.map((s) => s[0]).join(', ')}); imported as part of ${sorted[0][0]} and the other signals' movements here are not modelled`);
  }
  return tlsOfJunction;
}

/**
 * Stage 4: per traffic light, its program, the movements it controls and gives green, and the program's
 * phases grouped into engine phases. Signals that cannot be modelled are left out (imported as unsignalized).
 */
function signalDrafts(net: SumoNet, tlsOfJunction: Map<string, string>, drafts: Map<string, MovementDraft>, o: ResolvedOptions, issue: IssueSink): Map<string, SignalDraft> {
  const logicsByTls = new Map<string, SumoTlLogic[]>();
  for (const l of net.tlLogics) logicsByTls.set(l.id, [...(logicsByTls.get(l.id) ?? []), l]);
  const signals = new Map<string, SignalDraft>();
  const tlsIds = [...new Set(tlsOfJunction.values())].sort();
  for (const tlsId of tlsIds) {
    const junctionIds = [...tlsOfJunction.entries()].filter(([, t]) => t === tlsId).map(([j]) => j).sort();
    const logics = logicsByTls.get(tlsId) ?? [];
    if (logics.length === 0) {
      issue('SUMO_SIGNAL_WITHOUT_PROGRAM', 'warning', tlsId, 'traffic light has no <tlLogic> in the network (rail signal or program in another file); imported as unsignalized');
      continue;
    }
    const logic = logics.find((l) => l.programID === '0') ?? logics[0];
    if (logics.length > 1)
      issue('SUMO_EXTRA_PROGRAMS', 'info', tlsId, `has ${logics.length} programs; program '${logic.programID}' is imported, the others are ignored`);
    if (logic.type.toLowerCase() === 'nema')
      issue('SUMO_PROGRAM_NEMA', 'warning', tlsId, 'NEMA program: its ring/barrier structure is not imported, only its phase states in order; SUMO cannot receive NEMA programs over TraCI');
    if (logic.phases.some((p) => p.next !== undefined && p.next !== ''))
      issue('SUMO_PROGRAM_NEXT_IGNORED', 'warning', tlsId, "program uses 'next' phase jumps; phases are imported in their listed order");

    const ms = [...drafts.values()].filter((d) => junctionIds.includes(d.junctionId));
    const controlled: MovementDraft[] = [];
    for (const m of ms) {
      const own = m.connections.filter((c) => c.tl === tlsId && c.linkIndex !== undefined);
      if (own.length === 0) {
        issue('SUMO_UNCONTROLLED_AT_SIGNAL', 'info', m.id, `movement at signal ${tlsId} is not controlled by it (free turn or yield); SUMO drives it by priority and it is not modelled`);
        continue;
      }
      if (own.length < m.connections.length) {
        issue('SUMO_UNCONTROLLED_AT_SIGNAL', 'warning', m.id, `${m.connections.length - own.length} of its ${m.connections.length} lane connections are not controlled by signal ${tlsId}; only the controlled lanes are modelled`);
        m.connections = own;
      }
      controlled.push(m);
    }
    const linksOf = (m: MovementDraft) => [...new Set(m.connections.map((c) => c.linkIndex!))].sort((a, b) => a - b);
    let movementLinks = new Map(controlled.map((m) => [m.id, linksOf(m)]));
    // movements that never get green are left to SUMO's own states
    const everGreen = (links: number[]) => logic.phases.some((p) => links.some((l) => p.state[l] === 'G' || p.state[l] === 'g'));
    for (const [mid, links] of [...movementLinks]) {
      if (!everGreen(links)) {
        issue('SUMO_MOVEMENT_NEVER_GREEN', 'warning', mid, `never has green in program '${logic.programID}' of ${tlsId}; it is not modelled`);
        movementLinks.delete(mid);
      }
    }
    if (movementLinks.size === 0) {
      issue('SUMO_SIGNAL_NO_VEHICLE_GREEN', 'warning', tlsId, `program '${logic.programID}' gives green to no ${o.vehicleClass} movement; imported as unsignalized`);
      continue;
    }
    movementLinks = new Map([...movementLinks].sort((a, b) => a[1][0] - b[1][0]));
    const grouping = groupProgramPhases(logic.phases, movementLinks);
    const longest = Math.max(...grouping.groups.map((g) => g.green.reduce((acc, x) => acc + x.durationSeconds, 0)));
    if (grouping.cycleSeconds > FORMAT_LIMITS.cycleMaxSeconds || longest > FORMAT_LIMITS.cycleMaxSeconds) {
      issue('SUMO_PROGRAM_OUT_OF_RANGE', 'warning', tlsId,
        `program '${logic.programID}' has a ${grouping.cycleSeconds} s cycle (longest green ${longest} s), beyond the ${FORMAT_LIMITS.cycleMaxSeconds} s the network format allows (a signal held by an operator or a script); imported as unsignalized, SUMO keeps its program`);
      continue;
    }
    for (const mid of grouping.partialGreenMovements)
      issue('SUMO_MOVEMENT_PARTIAL_GREEN', 'warning', mid, 'its lanes get different signals within one phase; it is treated as green whenever any of its lanes is');
    if (grouping.noVehicleGreenPhaseIndices.length > 0)
      issue('SUMO_PEDESTRIAN_ONLY_PHASE', 'info', tlsId,
        `SUMO phases ${grouping.noVehicleGreenPhaseIndices.join(', ')} give green to no vehicle movement (e.g. pedestrian-only); they are kept as fixed all-red clearance`);
    const linkCount = Math.max(...logic.phases.map((p) => p.state.length));
    const vehicleLinkCount = new Set([...movementLinks.values()].flat()).size;
    if (vehicleLinkCount < linkCount)
      issue('SUMO_NON_VEHICLE_SIGNAL_LINKS', 'info', tlsId,
        `${linkCount - vehicleLinkCount} of ${linkCount} signal links are not ${o.vehicleClass} movements (pedestrian crossings, bike or bus lanes, unmodelled movements); they keep the states of the original program`);
    signals.set(tlsId, {
      tlsId,
      logic,
      junctionIds,
      movements: controlled.filter((m) => movementLinks.has(m.id)).sort((a, b) => movementLinks.get(a.id)![0] - movementLinks.get(b.id)![0]),
      grouping,
      movementLinks,
    });
  }
  return signals;
}

/** Stage 5: the intersection id of every imported junction (signals by TLS id, the others by junction id). */
function intersectionIds(net: SumoNet, signals: Map<string, SignalDraft>, o: ResolvedOptions, issue: IssueSink): Map<string, string> {
  const intersectionOfJunction = new Map<string, string>();
  const usedIds = new Set<string>(signals.keys());
  for (const s of signals.values()) for (const j of s.junctionIds) intersectionOfJunction.set(j, s.tlsId);
  if (o.includeUnsignalized) {
    for (const j of net.junctions) {
      if (intersectionOfJunction.has(j.id) || SKIPPED_JUNCTION_TYPES.has(j.type) || j.id.startsWith(':')) continue;
      let id = j.id;
      if (usedIds.has(id)) {
        id = `junction:${j.id}`;
        issue('SUMO_ID_RENAMED', 'info', j.id, `junction id is also a traffic light id; the unsignalized intersection is named '${id}'`);
      }
      usedIds.add(id);
      intersectionOfJunction.set(j.id, id);
    }
  }
  return intersectionOfJunction;
}

/** Stage 6: links, one per edge with vehicle lanes that touches an imported intersection. */
function buildLinks({ normalEdges, vehicleLanes }: VehicleLanes, intersectionOfJunction: Map<string, string>) {
  const links: Link[] = [];
  const sumoLaneIndexByLink: Record<string, number[]> = {};
  for (const e of normalEdges) {
    const lanes = vehicleLanes.get(e.id);
    if (!lanes) continue;
    const from = e.from !== undefined ? intersectionOfJunction.get(e.from) ?? null : null;
    const to = e.to !== undefined ? intersectionOfJunction.get(e.to) ?? null : null;
    if (from === null && to === null) continue;
    const link: Link = {
      id: e.id,
      fromIntersectionId: from,
      toIntersectionId: to,
      lengthMetres: Math.max(0.1, round2(Math.max(...lanes.map((l) => l.length)))),
      freeFlowSpeedMetresPerSecond: Math.min(FORMAT_LIMITS.freeFlowSpeedMaxMetresPerSecond, Math.max(0.1, Math.max(...lanes.map((l) => l.speed)))),
      lanes: Math.min(FORMAT_LIMITS.lanesPerLinkMax, lanes.length),
    };
    if (e.name) link.name = e.name;
    links.push(link);
    sumoLaneIndexByLink[e.id] = lanes.map((l) => l.index);
  }
  return { links, sumoLaneIndexByLink };
}

/** Stage 7: intersections with their movements (shared lanes split their saturation flow), phases and conflicts. */
function buildIntersections(
  net: SumoNet,
  junctions: Map<string, SumoJunction>,
  drafts: Map<string, MovementDraft>,
  signals: Map<string, SignalDraft>,
  intersectionOfJunction: Map<string, string>,
  links: Link[],
  { laneNumber }: VehicleLanes,
  o: ResolvedOptions,
  issue: IssueSink,
): Intersection[] {
  const linkById = new Map(links.map((l) => [l.id, l]));

  // ---- movements (shared lanes split their saturation flow)
  const isModelled = (d: MovementDraft, intersectionId: string | undefined): boolean => {
    if (intersectionId === undefined) return false;
    const from = linkById.get(d.from);
    const to = linkById.get(d.to);
    if (!from || !to || from.toIntersectionId !== intersectionId || to.fromIntersectionId !== intersectionId) return false;
    const sig = signals.get(intersectionId);
    return sig ? sig.movements.includes(d) : true;
  };
  const modelled = [...drafts.values()].filter((d) => isModelled(d, intersectionOfJunction.get(d.junctionId)));
  // a lane's saturation flow is shared among the movements that share its flow (lane-index.ts sharesLaneFlow)
  const laneUse = movementsPerLane({ movements: modelled.map((d) => ({ turn: d.turn, fromLinkId: d.from, fromLaneIndices: uniqueLanes(d) })) });
  const toMovement = (d: MovementDraft): Movement => {
    const lanes = uniqueLanes(d);
    const factor = d.turn === 'through' ? 1 : d.turn === 'uturn' ? 0.5 : o.turnFactor;
    const sat = lanes.reduce((s, l) => s + (o.satPerLane * factor) / (laneUse.get(laneKey(d.from, l)) ?? 1), 0);
    return {
      id: d.id,
      fromLinkId: d.from,
      toLinkId: d.to,
      turn: d.turn,
      fromLaneIndices: lanes.map((l) => laneNumber.get(`${d.from}_${l}`)!).sort((a, b) => a - b),
      saturationFlowVehPerHour: Math.min(FORMAT_LIMITS.saturationFlowMaxVehPerHour, Math.round(sat)),
    };
  };
  const movementsByIntersection = new Map<string, MovementDraft[]>();
  for (const d of modelled) {
    const xid = intersectionOfJunction.get(d.junctionId)!;
    movementsByIntersection.set(xid, [...(movementsByIntersection.get(xid) ?? []), d]);
  }

  const intersections: Intersection[] = [];
  const requestsByJunction = new Map(net.junctions.map((j) => [j.id, j]));
  // every movement of each junction, modelled or not (traffic a signal does not control may yield to it)
  const draftsByJunction = new Map<string, MovementDraft[]>();
  for (const d of drafts.values()) {
    const list = draftsByJunction.get(d.junctionId);
    if (list) list.push(d);
    else draftsByJunction.set(d.junctionId, [d]);
  }
  // the signal link of each pedestrian crossing (the connection from a walking area onto it)
  const crossingLinkIndex = new Map<string, number>();
  for (const c of net.connections) if (c.linkIndex !== undefined && /^:.*_c\d+$/.test(c.to)) crossingLinkIndex.set(c.to, c.linkIndex);
  for (const [xid, jids] of groupJunctions(intersectionOfJunction)) {
    const js = jids.map((j) => junctions.get(j)!).filter(Boolean);
    const position = { xMetres: round2(avg(js.map((j) => j.x))), yMetres: round2(avg(js.map((j) => j.y))) };
    const ds = movementsByIntersection.get(xid) ?? [];
    const sig = signals.get(xid);
    const movements = (sig ? sig.movements.filter((m) => ds.includes(m)) : ds).map(toMovement);
    const foes = foePairs(ds, requestsByJunction);
    if (!sig) {
      intersections.push({
        id: xid,
        name: js.length === 1 ? js[0].id : xid,
        position,
        control: 'unsignalized',
        movements,
        phases: [],
        conflicts: foes,
        fallbackPlans: [],
        external: { sumo: { junctionIds: jids } },
      });
      continue;
    }
    const signal = buildSignal(sig, movements, foes, position, o, issue);
    const modelledIds = new Set(movements.map((m) => m.id));
    const yieldingToPedestrians = movementsYieldingToPedestrians(ds.filter((d) => modelledIds.has(d.id)), requestsByJunction, sig, crossingLinkIndex);
    if (yieldingToPedestrians.length > 0) sumoSignalOf(signal.external)!.movementsYieldingToPedestrians = yieldingToPedestrians;
    const atJunctions = jids.flatMap((j) => draftsByJunction.get(j) ?? []);
    const yielders = unmodelledYielders(atJunctions, modelledIds, requestsByJunction);
    if (Object.keys(yielders).length > 0) {
      const sumo = sumoSignalOf(signal.external)!;
      sumo.unmodelledYieldersByMovement = yielders;
      const lanesOf: Record<string, { linkId: string; laneIndices: number[] }> = {};
      for (const mid of new Set(Object.values(yielders).flat())) {
        const d = drafts.get(mid);
        if (d) lanesOf[mid] = { linkId: d.from, laneIndices: uniqueLanes(d).map((l) => laneNumber.get(`${d.from}_${l}`)).filter((n): n is number => n !== undefined).sort((a, b) => a - b) };
      }
      sumo.unmodelledYielderLanes = lanesOf;
    }
    intersections.push(signal);
  }
  return intersections;
}

/**
 * Movements that must give way to a pedestrian crossing green at the same time (a turn across a crosswalk): their
 * junction `response` bits name a crossing's internal lane (`:<junction>_c<k>_0`) whose signal link the program
 * shows green in a phase where the movement has green. A vehicle of theirs standing at the stop line in green may
 * be waiting for pedestrians, not blocked.
 */
function movementsYieldingToPedestrians(ds: MovementDraft[], junctions: Map<string, SumoJunction>, sig: SignalDraft, crossingLinkIndex: Map<string, number>): string[] {
  const out: string[] = [];
  const green = (state: string, l: number) => state[l] === 'G' || state[l] === 'g';
  for (const d of ds) {
    const j = junctions.get(d.junctionId);
    const links = sig.movementLinks.get(d.id);
    if (!j || !links) continue;
    const byIndex = new Map(j.requests.map((r) => [r.index, r]));
    const yields = d.requests.some(([, i]) => {
      const response = byIndex.get(i)?.response ?? '';
      for (let k = 0; k < j.intLanes.length; k++) {
        const m = /^(:.*_c\d+)_\d+$/.exec(j.intLanes[k]);
        const crossingLink = m ? crossingLinkIndex.get(m[1]) : undefined;
        if (crossingLink === undefined || !requestBit(response, k)) continue;
        if (sig.logic.phases.some((p) => green(p.state, crossingLink) && links.some((l) => green(p.state, l)))) return true;
      }
      return false;
    });
    if (yields) out.push(d.id);
  }
  return out.sort();
}

/**
 * Traffic at a signal that the signal does not control (a motorway lane past a ramp meter, a slip lane) but that
 * must give way to one of its movements: per controlled movement, the unmodelled movements that yield to it
 * (SUMO's junction `response` bits). While that movement is green they wait, and no loop of the model sees them.
 */
function unmodelledYielders(ds: MovementDraft[], modelled: Set<string>, junctions: Map<string, SumoJunction>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of ds) {
    if (modelled.has(m.id)) continue;
    const byIndex = new Map((junctions.get(m.junctionId)?.requests ?? []).map((r) => [r.index, r]));
    for (const c of ds) {
      if (!modelled.has(c.id) || c.junctionId !== m.junctionId) continue;
      const yields = m.requests.some(([, im]) => c.requests.some(([, ic]) => requestBit(byIndex.get(im)?.response ?? '', ic)));
      if (yields) (out[c.id] ??= []).push(m.id);
    }
  }
  return out;
}

/**
 * Stage 8: detectors on every vehicle lane entering a signal: a stop-line loop `stopLineDetectorSetbackMetres`
 * (default 2.5 m) back from the lane's end, at most half the lane, and an advance loop where the lane is long enough.
 */
function placeDetectors(links: Link[], signals: Map<string, SignalDraft>, { vehicleLanes }: VehicleLanes, o: ResolvedOptions) {
  const detectors: Detector[] = [];
  const detectorLaneIds: Record<string, string> = {};
  const detectorPositions: Record<string, number> = {};
  for (const link of links) {
    if (link.toIntersectionId === null || !signals.has(link.toIntersectionId)) continue;
    const lanes = vehicleLanes.get(link.id)!;
    lanes.forEach((lane, laneIndex) => {
      const stopId = `${lane.id}_stop`;
      const setback = Math.min(o.stopSetback, lane.length / 2);
      detectors.push({ id: stopId, intersectionId: link.toIntersectionId!, linkId: link.id, laneIndex, kind: 'stop-line', distanceFromStopLineMetres: round2(setback) });
      detectorLaneIds[stopId] = lane.id;
      detectorPositions[stopId] = round2(lane.length - setback);
      // on a short lane (a turn bay, an approach split off a longer road) the advance loop moves closer, keeping
      // 10 m to the lane's start
      const advance = Math.min(o.advanceDistance, lane.length - 10);
      if (lane.length >= o.minAdvanceLane && advance >= 20) {
        const advId = `${lane.id}_adv`;
        detectors.push({ id: advId, intersectionId: link.toIntersectionId!, linkId: link.id, laneIndex, kind: 'advance', distanceFromStopLineMetres: round2(advance) });
        detectorLaneIds[advId] = lane.id;
        detectorPositions[advId] = round2(lane.length - advance);
      }
    });
  }
  return { detectors, detectorLaneIds, detectorPositions };
}

function buildSignal(
  sig: { tlsId: string; logic: SumoTlLogic; junctionIds: string[]; grouping: ProgramGrouping; movementLinks: Map<string, number[]> },
  movements: Movement[],
  foes: Array<[string, string]>,
  position: Intersection['position'],
  o: { minGreen: number; maxGreen: number },
  issue: (code: ImportIssueCode, severity: ImportIssue['severity'], element: string, message: string) => void,
): Intersection {
  const { logic, grouping } = sig;
  const movementIds = new Set(movements.map((m) => m.id));
  const phases: Phase[] = [];
  const phaseStates: Record<string, SumoPhaseStates> = {};
  const greenSecondsByPhase: Record<string, number> = {};
  const actuatedProgram = ['actuated', 'delay_based'].includes(logic.type);
  grouping.groups.forEach((g, k) => {
    const id = `p${k + 1}`;
    const green = g.green.reduce((s, x) => s + x.durationSeconds, 0);
    const fixed = green - g.green[g.variableGreenIndex].durationSeconds;
    const v = g.green[g.variableGreenIndex];
    let minG = Math.min(green, fixed + o.minGreen);
    let maxG = Math.max(green, Math.min(FORMAT_LIMITS.greenMaxSeconds, fixed + o.maxGreen));
    if (actuatedProgram && v.minDur !== undefined && v.maxDur !== undefined && v.maxDur >= v.minDur) {
      minG = Math.min(green, fixed + v.minDur);
      maxG = Math.max(green, Math.min(FORMAT_LIMITS.greenMaxSeconds, fixed + v.maxDur));
    }
    let yellow = sum(g.clearance.filter((c) => c.kind === 'yellow').map((c) => c.durationSeconds));
    let allRed = sum(g.clearance.filter((c) => c.kind === 'all-red').map((c) => c.durationSeconds));
    if (yellow > FORMAT_LIMITS.yellowMaxSeconds || allRed > FORMAT_LIMITS.allRedMaxSeconds) {
      issue('SUMO_CLEARANCE_CLAMPED', 'warning', sig.tlsId,
        `phase ${id} clearance (yellow ${yellow} s, all-red ${allRed} s) exceeds the format's limits (${FORMAT_LIMITS.yellowMaxSeconds} s, ${FORMAT_LIMITS.allRedMaxSeconds} s); the excess is not represented in the network file, SUMO keeps the original durations`);
      yellow = Math.min(FORMAT_LIMITS.yellowMaxSeconds, yellow);
      allRed = Math.min(FORMAT_LIMITS.allRedMaxSeconds, allRed);
    }
    phases.push({
      id,
      movementIds: g.movementIds.filter((m) => movementIds.has(m)),
      minGreenSeconds: round2(minG),
      maxGreenSeconds: round2(maxG),
      yellowSeconds: round2(yellow),
      allRedSeconds: round2(allRed),
    });
    phaseStates[id] = {
      green: g.green.map((s) => ({ state: s.state, durationSeconds: s.durationSeconds, kind: 'green' })),
      variableGreenIndex: g.variableGreenIndex,
      clearance: g.clearance,
    };
    greenSecondsByPhase[id] = round2(green);
  });
  const cycle = round2(phases.reduce((s, p) => s + greenSecondsByPhase[p.id] + p.yellowSeconds + p.allRedSeconds, 0));

  // Foes the program lets run at the same time yield to each other (permissive): not conflicts.
  const coGreen = new Set<string>();
  for (const ph of phases)
    for (const a of ph.movementIds) for (const b of ph.movementIds) if (a !== b) coGreen.add(pairKey(a, b));
  const conflicts: Array<[string, string]> = [];
  const permissivePairs: Array<[string, string]> = [];
  for (const [a, b] of foes) {
    if (!movementIds.has(a) || !movementIds.has(b)) continue;
    (coGreen.has(pairKey(a, b)) ? permissivePairs : conflicts).push([a, b]);
  }

  const movementLinkIndices: Record<string, number[]> = {};
  for (const m of movements) movementLinkIndices[m.id] = sig.movementLinks.get(m.id) ?? [];
  const sumoExternal: SumoSignalExternal = {
    tlsId: sig.tlsId,
    programId: logic.programID,
    programType: logic.type,
    junctionIds: sig.junctionIds,
    linkCount: Math.max(...logic.phases.map((p) => p.state.length)),
    // SUMO's offset delays the program: its phase 0 starts at t = offset (mod cycle).
    offsetSeconds: logic.offset,
    movementLinkIndices,
    phaseStates,
    permissivePairs,
  };
  const offset = cycle > 0 ? mod(logic.offset + grouping.shiftSeconds, cycle) : 0;
  return {
    id: sig.tlsId,
    name: sig.tlsId,
    position,
    control: 'signalized',
    movements,
    phases,
    conflicts,
    fallbackPlans: [{ startsAt: '00:00', cycleSeconds: cycle, offsetSeconds: round2(offset), greenSecondsByPhase }],
    external: { sumo: sumoExternal },
  };
}

function foePairs(ds: MovementDraft[], junctions: Map<string, SumoJunction>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let a = 0; a < ds.length; a++)
    for (let b = a + 1; b < ds.length; b++) {
      const A = ds[a];
      const B = ds[b];
      if (A.junctionId !== B.junctionId) continue;
      const j = junctions.get(A.junctionId);
      if (!j) continue;
      const byIndex = new Map(j.requests.map((r) => [r.index, r]));
      const isFoe = A.requests.some(([, ia]) =>
        B.requests.some(([, ib]) => requestBit(byIndex.get(ia)?.foes ?? '', ib) || requestBit(byIndex.get(ib)?.foes ?? '', ia)),
      );
      if (isFoe) pairs.push([A.id, B.id]);
    }
  return pairs;
}

function groupJunctions(intersectionOfJunction: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [j, x] of intersectionOfJunction) out.set(x, [...(out.get(x) ?? []), j]);
  return out;
}

function uniqueLanes(d: MovementDraft): number[] {
  return [...new Set(d.connections.map((c) => c.fromLane))];
}

function laneAllows(l: SumoLane, vClass: string): boolean {
  if (l.allow !== undefined) {
    const w = l.allow.split(/\s+/);
    return w.includes(vClass) || w.includes('all');
  }
  if (l.disallow !== undefined) {
    const w = l.disallow.split(/\s+/);
    return !(w.includes(vClass) || w.includes('all'));
  }
  return true;
}

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}
function avg(xs: number[]): number {
  return xs.length === 0 ? 0 : sum(xs) / xs.length;
}
function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
