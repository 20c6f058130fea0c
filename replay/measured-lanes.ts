import { groupByLane, movementsFromLane, type NetworkFile } from '../network-models/index.js';
import { buildIntersectionModel, DEFAULT_OPTIMIZER_CONFIG, type IntersectionModel } from '../engine/index.js';

/** A lane whose arrivals are measured: one detector per lane (the advance one when there is one, as ATSPM does). */
export interface MeasuredLane {
  intersection: number;
  linkId: string;
  laneIndex: number;
  detectorId: string;
  /** Free-flow seconds from the detector to the stop line. */
  shiftSeconds: number;
  /** Phases that give the lane's movement green (arrivals on green are judged against any of them). */
  servingPhases: number[];
  /** The phase whose cycle the lane's PCD and split failures follow (the longest-green serving phase). */
  phase: number;
  /** Saturation flow of one lane of its movement, veh/h: what the lane discharges at on green. */
  saturationFlowVehPerHourPerLane: number;
  /** Upstream signal feeding this link, for the platoon arrival model. */
  upstream?: { intersection: number; phases: number[]; travelSeconds: number };
}

/** Lanes with detectors, for the measured flows: a lane's flow is the largest of its detectors', shared by its movements. */
export interface FlowLane {
  detectors: number[];
  movements: number[];
}

export interface MeasuredIntersection {
  id: string;
  model: IntersectionModel;
  flowLanes: FlowLane[];
  lanes: number[];
}

export interface MeasuredNetwork {
  intersections: MeasuredIntersection[];
  intersectionIndex: Map<string, number>;
  lanes: MeasuredLane[];
  detectorIndex: Map<string, number>;
  /** Measured lane of each detector, or -1 when the detector's counts are not used as arrivals. */
  laneOfDetector: Int32Array;
  /** Phase that serves each detector's lane (its through movement first), or -1. */
  phaseOfDetector: Int32Array;
  intersectionOfDetector: Int32Array;
}

/** Indexes a network for replay measures: intersections, lanes, detectors, and upstream signals. */
export function measuredNetwork(network: NetworkFile): MeasuredNetwork {
  const signals = network.intersections.filter((x) => x.control === 'signalized');
  const intersectionIndex = new Map(signals.map((x, i) => [x.id, i]));
  const detectorIndex = new Map(network.detectors.map((d, i) => [d.id, i]));
  const links = new Map(network.links.map((l) => [l.id, l]));
  const models = signals.map((x) => buildIntersectionModel(x, DEFAULT_OPTIMIZER_CONFIG));
  const laneOfDetector = new Int32Array(network.detectors.length).fill(-1);
  const phaseOfDetector = new Int32Array(network.detectors.length).fill(-1);
  const intersectionOfDetector = new Int32Array(network.detectors.length).fill(-1);
  const lanes: MeasuredLane[] = [];
  const intersections: MeasuredIntersection[] = signals.map((x, xi) => {
    const model = models[xi];
    const ofIntersection = network.detectors.flatMap((d, di) => (d.intersectionId === x.id ? [di] : []));
    const byLane = groupByLane(ofIntersection, (di) => network.detectors[di]);
    const flowLanes: FlowLane[] = [];
    const laneIds: number[] = [];
    for (const dets of byLane.values()) {
      const { linkId, laneIndex } = network.detectors[dets[0]];
      const movements = movementsFromLane(x, { linkId, laneIndex });
      flowLanes.push({ detectors: dets, movements });
      if (movements.length === 0) continue;
      const primary = movements.find((k) => x.movements[k].turn === 'through') ?? movements[0];
      const mm = model.movements[primary];
      if (mm.phaseIndices.length === 0) continue;
      const chosen = dets.find((di) => network.detectors[di].kind === 'advance') ?? dets[0];
      const det = network.detectors[chosen];
      const link = links.get(linkId);
      const speed = link?.freeFlowSpeedMetresPerSecond ?? 13.9;
      const phase = mm.phaseIndices.reduce((best, p) => (x.phases[p].maxGreenSeconds > x.phases[best].maxGreenSeconds ? p : best), mm.phaseIndices[0]);
      for (const di of dets) {
        phaseOfDetector[di] = phase;
        intersectionOfDetector[di] = xi;
      }
      const lane: MeasuredLane = {
        intersection: xi,
        linkId,
        laneIndex,
        detectorId: det.id,
        shiftSeconds: det.distanceFromStopLineMetres / speed,
        servingPhases: mm.phaseIndices,
        phase,
        saturationFlowVehPerHourPerLane: mm.saturationFlowVehPerHour / Math.max(1, x.movements[primary].fromLaneIndices.length),
      };
      const up = link?.fromIntersectionId ? intersectionIndex.get(link.fromIntersectionId) : undefined;
      if (up !== undefined && link) {
        const ux = signals[up];
        const feeding = ux.movements.filter((m) => m.toLinkId === linkId);
        const feed = feeding.find((m) => m.turn === 'through') ?? feeding[0];
        const phases = feed ? models[up].movements[models[up].movementIndexById.get(feed.id)!].phaseIndices : [];
        if (phases.length > 0) lane.upstream = { intersection: up, phases, travelSeconds: link.lengthMetres / speed };
      }
      laneOfDetector[chosen] = lanes.length;
      laneIds.push(lanes.length);
      lanes.push(lane);
    }
    return { id: x.id, model, flowLanes, lanes: laneIds };
  });
  return { intersections, intersectionIndex, lanes, detectorIndex, laneOfDetector, phaseOfDetector, intersectionOfDetector };
}
