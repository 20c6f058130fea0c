import { laneKey, movementsPerLane, sharesLaneFlow, type Intersection, type NetworkFile } from '../../network-models/index.js';
import type { MovementDemand, PhasePlan } from '../plan-types.js';
import type { DetectorState } from './detector-state.js';
import { capacityVehPerHour } from '../timing/index.js';

interface LaneSource {
  detectors: DetectorState[];
  /** Movements sharing this lane's flow (`movementsPerLane`). */
  sharedBy: number;
  /** Whether this movement takes a share of it (a U-turn beside other movements takes none: `sharesLaneFlow`). */
  takesShare: boolean;
}

interface MovementSources {
  movementId: string;
  intersection: Intersection;
  lanes: LaneSource[];
  saturationFlowVehPerHour: number;
  /** Positions of the phases that serve the movement. */
  phaseIndices: number[];
}

/**
 * Turns detector flows into demand per movement. A lane's flow comes from its healthy detectors (their mean, or the
 * largest where they disagree beyond counting noise: `laneFlowVehPerHour`); a lane
 * shared by several movements splits its flow evenly. A lane with no healthy detector falls back on the
 * detector's time-of-day history, then on its last healthy flow if recent, then on the demand implied by the plan
 * in force; never on zero.
 */
export class DemandEstimator {
  private readonly sources: MovementSources[] = [];
  /**
   * The last estimate, by source position (`positionOf`). A step writes the spare arrays and swaps them in once
   * complete: a step that fails leaves the last estimate as it was.
   */
  flowVehPerHour: Float64Array;
  confidence: Float64Array;
  source: MovementDemand['source'][];
  private spare: { flowVehPerHour: Float64Array; confidence: Float64Array; source: MovementDemand['source'][] };
  /** Where each movement's estimate is (the last source of an id, as a Map keyed by id would keep). */
  private readonly positions = new Map<string, number>();

  constructor(network: NetworkFile, detectorsByLane: Map<string, DetectorState[]>) {
    for (const x of network.intersections) {
      if (x.control !== 'signalized') continue;
      const laneUse = movementsPerLane(x);
      for (const m of x.movements) {
        const lanes = m.fromLaneIndices.map((lane) => {
          const key = laneKey(m.fromLinkId, lane);
          const detectors = detectorsByLane.get(key) ?? [];
          return { detectors, sharedBy: laneUse.get(key) ?? 1, takesShare: sharesLaneFlow(x, m, lane) };
        });
        const phaseIndices = x.phases.flatMap((ph, i) => (ph.movementIds.includes(m.id) ? [i] : []));
        this.sources.push({ movementId: m.id, intersection: x, lanes, saturationFlowVehPerHour: m.saturationFlowVehPerHour, phaseIndices });
      }
    }
    this.sources.forEach((s, i) => this.positions.set(s.movementId, i));
    this.flowVehPerHour = new Float64Array(this.sources.length);
    this.confidence = new Float64Array(this.sources.length);
    this.source = this.sources.map(() => 'measured');
    this.spare = { flowVehPerHour: new Float64Array(this.sources.length), confidence: new Float64Array(this.sources.length), source: this.sources.map(() => 'measured') };
  }

  /** Position of a movement's estimate in `flowVehPerHour`, `confidence` and `source`; -1 for none. */
  positionOf(movementId: string): number {
    return this.positions.get(movementId) ?? -1;
  }

  /** Demand per movement id (see `estimateInPlace`). */
  estimate(
    slot: number,
    nowMs: number,
    plansInForce: ReadonlyMap<string, PhasePlan>,
    limits: { smoothingSeconds: number; recentHistorySeconds: number; fallbackImpliedDegreeOfSaturation: number; saturatedMovementThreshold: number; saturatedDemandBoost: number },
  ): Map<string, MovementDemand> {
    this.estimateInPlace(slot, nowMs, plansInForce, limits);
    return this.lastEstimate();
  }

  /** The last estimate as a map by movement id (a new map and new objects: an estimate in place does not change them). */
  lastEstimate(): Map<string, MovementDemand> {
    const out = new Map<string, MovementDemand>();
    this.sources.forEach((s, i) => out.set(s.movementId, { movementId: s.movementId, flowVehPerHour: this.flowVehPerHour[i], confidence: this.confidence[i], source: this.source[i] }));
    return out;
  }

  /**
   * Estimates every movement's demand into `flowVehPerHour`, `confidence` and `source` (the engine's step: no map
   * and no object per movement).
   */
  estimateInPlace(
    slot: number,
    nowMs: number,
    plansInForce: ReadonlyMap<string, PhasePlan>,
    limits: { smoothingSeconds: number; recentHistorySeconds: number; fallbackImpliedDegreeOfSaturation: number; saturatedMovementThreshold: number; saturatedDemandBoost: number },
  ): void {
    const recentSince = nowMs - limits.recentHistorySeconds * 1000;
    const { flowVehPerHour: flows, confidence, source: sources } = this.spare;
    // Sources come intersection by intersection: the plan in force is looked up once for each.
    let planOf: Intersection | undefined;
    let plan: PhasePlan | undefined;
    for (let si = 0; si < this.sources.length; si++) {
      const s = this.sources[si];
      if (s.intersection !== planOf) {
        planOf = s.intersection;
        plan = plansInForce.get(s.intersection.id);
      }
      let flow = 0;
      let healthyLanes = 0;
      let source: MovementDemand['source'] = 'measured';
      let implied: number | undefined;
      for (const lane of s.lanes) {
        const laneFlow = laneFlowVehPerHour(lane.detectors, limits.smoothingSeconds);
        if (!Number.isNaN(laneFlow)) {
          if (lane.takesShare) flow += laneFlow / lane.sharedBy;
          healthyLanes++;
          continue;
        }
        let remembered = lane.detectors.map((d) => d.history[slot]).find((h) => !Number.isNaN(h));
        remembered ??= lane.detectors.find((d) => d.lastHealthyAtMs >= recentSince)?.lastHealthyFlowVehPerHour;
        if (remembered !== undefined) {
          if (lane.takesShare) flow += remembered / lane.sharedBy;
          if (source === 'measured') source = 'history';
          continue;
        }
        implied ??= impliedMovementFlow(s, plan, limits.fallbackImpliedDegreeOfSaturation);
        flow += implied / s.lanes.length;
        source = 'fallback-plan';
      }
      // A stop-line loop counts what the green let through: at capacity it says nothing of the queue left
      // behind, so a movement served at its capacity is taken to want more than it got.
      if (plan && healthyLanes > 0) {
        let green = 0;
        for (const i of s.phaseIndices) green += plan.phases[i]?.greenSeconds ?? 0;
        const capacity = capacityVehPerHour(s.saturationFlowVehPerHour, green, plan.cycleSeconds);
        if (capacity > 0 && flow >= limits.saturatedMovementThreshold * capacity) flow *= 1 + limits.saturatedDemandBoost;
      }
      flows[si] = flow;
      confidence[si] = s.lanes.length === 0 ? 0 : healthyLanes / s.lanes.length;
      sources[si] = source;
    }
    this.spare = { flowVehPerHour: this.flowVehPerHour, confidence: this.confidence, source: this.source };
    this.flowVehPerHour = flows;
    this.confidence = confidence;
    this.source = sources;
  }
}

/**
 * Flow of a lane from its healthy detectors that have counted, veh/h (NaN: none). Loops on one lane count the same vehicles, so
 * where they agree within counting noise the lane's flow is their mean: the larger of two noisy readings of one
 * flow is biased upwards, by about half a standard deviation for two. Where they disagree beyond it, one of them
 * misses traffic (a stop-line loop counts only what is served, an advance loop under a standing queue counts
 * less than arrives), and the larger is taken. Noise: a smoothed flow q stands on about twice the smoothing time
 * constant T of counting, so its variance is 3600·q / 2T (veh/h)²; two standard deviations of a difference.
 */
function laneFlowVehPerHour(detectors: readonly DetectorState[], smoothingSeconds: number): number {
  let high = NaN;
  let low = NaN;
  let total = 0;
  let healthy = 0;
  for (const d of detectors) {
    // a detector that has not counted yet says nothing of the lane
    if (d.fault || Number.isNaN(d.flowVehPerHour)) continue;
    healthy++;
    total += d.flowVehPerHour;
    if (!(d.flowVehPerHour <= high)) high = d.flowVehPerHour;
    if (!(d.flowVehPerHour >= low)) low = d.flowVehPerHour;
  }
  if (healthy < 2) return high;
  const differenceNoise = 2 * Math.sqrt((2 * 3600 * high) / (2 * smoothingSeconds));
  return high - low <= differenceNoise ? total / healthy : high;
}

/** Demand the plan in force would serve at a given degree of saturation: q = x · s · g / C. */
function impliedMovementFlow(s: MovementSources, plan: PhasePlan | undefined, x: number): number {
  const m = s.intersection.movements.find((mm) => mm.id === s.movementId)!;
  if (!plan) return 0;
  let green = 0;
  s.intersection.phases.forEach((ph, i) => {
    if (ph.movementIds.includes(m.id)) green += plan.phases[i]?.greenSeconds ?? 0;
  });
  return (x * m.saturationFlowVehPerHour * green) / plan.cycleSeconds;
}
