import { laneKey, type Detector, type Intersection, type Link, type NetworkFile, type Phase } from '../../network-models/index.js';

/** The loops of one lane, as a queue estimator needs them. */
export interface LaneLoopLayout {
  /** Loop at the stop line, if any. */
  stopLineLoop?: string;
  /** Set-back loop upstream of the stop line, if any. */
  advanceLoop?: string;
  /** Travel time from the advance loop to the stop line at free-flow speed, seconds (0 without an advance loop). */
  advanceTravelSeconds: number;
  /** Most vehicles the lane holds (its length over a jam spacing). */
  capacityVehicles: number;
}

/** Which detectors a local controller reads for one phase. */
export interface PhaseLoops {
  /** Loops whose gaps end the phase's green (set-back loops where a lane has one, else its stop-line loop). */
  gapLoops: string[];
  /** The advance loops among them: vehicles passing them on red queue where no gap can be seen. */
  advanceGapLoops: string[];
  /** Every loop on the lanes of the movements that count as this phase's own. */
  ownLoops: string[];
  /** The stop-line loops among them: where the phase's queue is seen to clear or not (split failures). */
  ownStopLineLoops: string[];
  /** Every loop on every lane the phase serves: what calls it. */
  callLoops: string[];
  /** Loops on the intersection's lanes with a movement this phase does not serve: vehicles there wait during its green. */
  conflictingLoops: string[];
  /** Loops cover every lane the phase serves, so a phase without a call truly has no demand and may be skipped. */
  fullyDetected: boolean;
  /** For a phase that only protects movements another phase also serves: its stop-line loops, which call it. */
  protectedOnlyStopLines?: string[];
  /**
   * Gap loops on lanes with a left turn green together with another approach's through movement (a permissive
   * left): a vehicle standing at their stop line may be waiting for a gap in that flow, not behind a blocked exit.
   */
  opposedGapLoops: string[];
}

/** The loops of an intersection's phases, and what the actuation needs to know of each loop. */
export interface PhaseLoopMaps {
  phases: Map<string, PhaseLoops>;
  /** How long after a detection each loop still counts as a call, seconds. */
  callWindowSeconds: Map<string, number>;
  /** Saturation flow of each loop's lane, veh/h. */
  laneSaturationFlowVehPerHour: Map<string, number>;
  /** Free-flow travel time from each loop to its stop line, seconds (0 for stop-line loops). */
  travelSecondsToStopLine: Map<string, number>;
  /** The stop-line loop of each set-back loop's lane, where the lane has both. */
  stopLineLoopOf: Map<string, string>;
  /** Each loop's approach (the link it lies on) and lane: lanes of one approach serve one queue side by side. */
  approachLaneOf: Map<string, ApproachLane>;
}

export interface ApproachLane {
  approach: string;
  lane: string;
}

export interface PhaseLoopOptions {
  /** Which phases a movement's loops hold green: only its own ('own': the phase serving it with the fewest other
   * movements) or every phase that serves it ('all'). */
  gapDetectorsPerMovement: 'own' | 'all';
  /** Gap loops: only the advance loop where a lane has one ('upstream') or every loop ('all'). */
  gapLoops: 'upstream' | 'all';
  /** Shortest time a detection counts as a call, seconds (the gap). */
  gapSeconds: number;
}

/** A network's loops by lane, indexed once, to map onto each intersection's phases. */
export class NetworkLoops {
  private readonly byLane = new Map<string, Detector[]>();
  private readonly links: Map<string, Link>;

  constructor(network: NetworkFile) {
    for (const d of network.detectors) {
      const key = laneKey(d.linkId, d.laneIndex);
      const list = this.byLane.get(key) ?? [];
      list.push(d);
      this.byLane.set(key, list);
    }
    this.links = new Map(network.links.map((l) => [l.id, l]));
  }

  /** The loops of every detected lane, keyed by `laneKey(linkId, laneIndex)`, for queue estimation. */
  laneLayouts(): Map<string, LaneLoopLayout> {
    const out = new Map<string, LaneLoopLayout>();
    for (const [key, loops] of this.byLane) {
      const link = this.links.get(loops[0].linkId);
      const advance = loops.find((d) => d.kind === 'advance');
      const speed = link?.freeFlowSpeedMetresPerSecond ?? 13.9;
      out.set(key, {
        stopLineLoop: loops.find((d) => d.kind === 'stop-line')?.id,
        advanceLoop: advance?.id,
        advanceTravelSeconds: advance ? advance.distanceFromStopLineMetres / speed : 0,
        capacityVehicles: Math.max(1, Math.floor((link?.lengthMetres ?? 100) / JAM_SPACING_METRES)),
      });
    }
    return out;
  }

  /**
   * The loops of every phase of an intersection, and how long a detection on each loop still counts as a call:
   * the gap, or for an advance loop the time a vehicle takes from it to the stop line at free-flow speed, plus 2 s.
   */
  phaseLoops(x: Intersection, o: PhaseLoopOptions): PhaseLoopMaps {
    return mapPhaseLoops(this.byLane, this.links, x, o);
  }
}

function mapPhaseLoops(
  byLane: Map<string, Detector[]>,
  links: Map<string, Link>,
  x: Intersection,
  o: PhaseLoopOptions,
): PhaseLoopMaps {
  // each detector's lane discharges at the saturation flow its movements have on it (a shared lane's saturation
  // flow is split among its movements in the network file, see docs/network-format.md)
  const laneSaturationFlowVehPerHour = new Map<string, number>();
  for (const m of x.movements)
    for (const lane of m.fromLaneIndices)
      for (const d of byLane.get(laneKey(m.fromLinkId, lane)) ?? []) laneSaturationFlowVehPerHour.set(d.id, (laneSaturationFlowVehPerHour.get(d.id) ?? 0) + m.saturationFlowVehPerHour / m.fromLaneIndices.length);
  const movements = new Map(x.movements.map((m) => [m.id, m]));
  // A movement served by several phases (a left turn, permissive in the through phase and protected in its own)
  // holds only its own phase green: a turner waiting for a gap must not hold the through green.
  const ownPhaseOf = new Map<string, Phase | undefined>();
  for (const m of x.movements) {
    const serving = x.phases.filter((ph) => ph.movementIds.includes(m.id));
    if (serving.length > 0) ownPhaseOf.set(m.id, o.gapDetectorsPerMovement === 'all' ? undefined : serving.reduce((a, b) => (b.movementIds.length < a.movementIds.length ? b : a)));
  }
  const protectedOnly = protectedOnlyPhases(x);
  const callWindowSeconds = new Map<string, number>();
  const travelSecondsToStopLine = new Map<string, number>();
  const callWindow = (d: Detector) => {
    const link = links.get(d.linkId);
    const travel = link && d.kind === 'advance' ? d.distanceFromStopLineMetres / link.freeFlowSpeedMetresPerSecond : 0;
    travelSecondsToStopLine.set(d.id, travel);
    callWindowSeconds.set(d.id, Math.max(o.gapSeconds, travel > 0 ? travel + 2 : 0));
  };
  const phases = new Map<string, PhaseLoops>();
  for (const ph of x.phases) {
    const lanes: Array<[string, number]> = [];
    const own: Detector[] = [];
    for (const mid of ph.movementIds) {
      const m = movements.get(mid);
      if (!m) continue;
      const isOwn = ownPhaseOf.has(mid) && (ownPhaseOf.get(mid) === undefined || ownPhaseOf.get(mid) === ph);
      for (const lane of m.fromLaneIndices) {
        lanes.push([m.fromLinkId, lane]);
        if (isOwn) for (const d of byLane.get(laneKey(m.fromLinkId, lane)) ?? []) if (!own.includes(d)) own.push(d);
      }
    }
    // 'upstream': a lane with an advance loop is watched there only, like an actuated controller's single loop set
    // back from the stop line; lanes without one are watched at the stop line
    const gap = o.gapLoops === 'all' ? own : own.filter((d) => d.kind === 'advance' || !own.some((a) => a.kind === 'advance' && a.linkId === d.linkId && a.laneIndex === d.laneIndex));
    const calls: Detector[] = [];
    for (const [link, lane] of lanes) for (const d of byLane.get(laneKey(link, lane)) ?? []) if (!calls.includes(d)) calls.push(d);
    for (const d of [...calls, ...own]) callWindow(d);
    const served = new Set(ph.movementIds);
    const conflicting = new Set<string>();
    for (const m of x.movements) {
      if (served.has(m.id)) continue;
      for (const lane of m.fromLaneIndices) for (const d of byLane.get(laneKey(m.fromLinkId, lane)) ?? []) conflicting.add(d.id);
    }
    const opposedLanes = new Set<string>();
    for (const mid of ph.movementIds) {
      const m = movements.get(mid);
      // a left (or U-) turn green together with another approach's through movement gives way to it (a permissive
      // left; the network's conflicts list only what is never green together). Right-hand traffic: the network
      // format does not say which side traffic drives on, and in left-hand traffic it is the right turn that waits
      const throughElsewhere = ph.movementIds.some((other) => movements.get(other)?.turn === 'through' && movements.get(other)?.fromLinkId !== m?.fromLinkId);
      if (m && (m.turn === 'left' || m.turn === 'uturn') && throughElsewhere) for (const lane of m.fromLaneIndices) opposedLanes.add(laneKey(m.fromLinkId, lane));
    }
    phases.set(ph.id, {
      opposedGapLoops: gap.filter((d) => opposedLanes.has(laneKey(d.linkId, d.laneIndex))).map((d) => d.id),
      conflictingLoops: [...conflicting],
      gapLoops: gap.map((d) => d.id),
      advanceGapLoops: gap.filter((d) => d.kind === 'advance').map((d) => d.id),
      ownLoops: own.map((d) => d.id),
      ownStopLineLoops: own.filter((d) => d.kind === 'stop-line').map((d) => d.id),
      callLoops: calls.map((d) => d.id),
      fullyDetected: lanes.every(([link, lane]) => (byLane.get(laneKey(link, lane))?.length ?? 0) > 0),
      protectedOnlyStopLines: protectedOnly.includes(ph) ? calls.filter((d) => d.kind === 'stop-line').map((d) => d.id) : undefined,
    });
  }
  const stopLineLoopOf = new Map<string, string>();
  const approachLaneOf = new Map<string, ApproachLane>();
  for (const [lane, loops] of byLane) {
    for (const d of loops) approachLaneOf.set(d.id, { approach: d.linkId, lane });
    const stop = loops.find((d) => d.kind === 'stop-line');
    if (stop) for (const d of loops) if (d.kind === 'advance') stopLineLoopOf.set(d.id, stop.id);
  }
  return { phases, callWindowSeconds, laneSaturationFlowVehPerHour, travelSecondsToStopLine, stopLineLoopOf, approachLaneOf };
}

/** Road space a queued vehicle takes (length plus gap), metres. */
const JAM_SPACING_METRES = 7.5;


/**
 * Phases that only protect movements another phase also serves (a protected left after the permissive one): a
 * controller serves them conditionally, only for vehicles the permissive green left waiting. Every movement keeps
 * at least one phase that is served unconditionally: where all the phases serving a movement would qualify, the
 * first of them does not.
 */
export function protectedOnlyPhases(x: Intersection): Phase[] {
  const conditional = new Set(x.phases.filter((ph) => ph.movementIds.length > 0 && ph.movementIds.every((mid) => x.phases.some((other) => other !== ph && other.movementIds.includes(mid)))));
  for (let changed = true; changed; ) {
    changed = false;
    for (const ph of x.phases) {
      if (!conditional.has(ph)) continue;
      const unsure = ph.movementIds.some((mid) => !x.phases.some((other) => other !== ph && !conditional.has(other) && other.movementIds.includes(mid)));
      if (unsure) {
        conditional.delete(ph);
        changed = true;
        break;
      }
    }
  }
  return x.phases.filter((ph) => conditional.has(ph));
}
