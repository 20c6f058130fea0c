import type { NetworkFile } from '../../network-models/index.js';
import { buildRoadGraph, groupByLane } from '../../network-models/index.js';
import { buildSignalGroupModel, optimizeGroup, type DemandByPosition, type SignalGroupModel } from '../optimizer/optimize-group.js';
import { evaluatePlan } from '../optimizer/plan-evaluation.js';
import type { MovementDemand, PhasePlan } from '../plan-types.js';
import { fallbackPhasePlan, localMinuteOfDay } from '../safety/fallback-plan.js';
import { checkPlan, checkPlanSafety } from '../safety/plan-safety-gate.js';
import { readCount } from './count-validation.js';
import { DemandEstimator } from './demand-estimator.js';
import { DetectorState, slotOfMinute } from './detector-state.js';
import type { EngineConfig } from './engine-config.js';
import type { DetectorCount, EngineEvent, InputError, IntersectionKpi } from './engine-events.js';
import { signalGroups } from './signal-groups.js';

export interface EngineCounters {
  countsAccepted: number;
  countsRejected: number;
  rejectedByCode: Record<string, number>;
  plansEmitted: number;
  plansRejected: number;
  optimisations: number;
  /** Exceptions caught at a record or group boundary (see the 'engine-fault' event). */
  faults: number;
}

/**
 * The engine's state machine, synchronous and clock-free: `ingest` takes one raw count at an engine time,
 * `tick` runs detector health, demand estimation, optimisation and the safety gate at an engine time.
 * The RxJS pipeline drives it from a scheduler; nothing here reads a clock.
 */
export class EngineCore {
  readonly counters: EngineCounters = { countsAccepted: 0, countsRejected: 0, rejectedByCode: {}, plansEmitted: 0, plansRejected: 0, optimisations: 0, faults: 0 };
  private readonly detectors = new Map<string, DetectorState>();
  private readonly detectorsByIntersection = new Map<string, DetectorState[]>();
  private readonly groups: SignalGroupModel[];
  private readonly estimator: DemandEstimator;
  private readonly plansInForce = new Map<string, PhasePlan>();
  private readonly intersections;
  private startedAtMs: number | undefined;
  /** The last step's demand by movement id, made when asked for (the step reads the estimator's arrays). */
  private lastDemand: Map<string, MovementDemand> | undefined = new Map();
  /** Per group, per member, per movement: where the estimator keeps its demand. */
  private readonly demandPositions: Int32Array[][];
  /** Intersections an operator holds: their plan in force is not replaced by the optimizer. */
  private readonly held = new Set<string>();
  /**
   * The detector `checkCount` looked up for the record being ingested (it looks up the record's id once): one
   * closure for every record and one map look-up a record, not two (this runs for every count).
   */
  private lookedUp: DetectorState | undefined;
  private readonly lookUp = (id: string): DetectorState | undefined => (this.lookedUp = this.detectors.get(id));
  /** The count being ingested, read into one object for every record (`DetectorState.add` keeps nothing of it). */
  private readonly counted: DetectorCount = { detectorId: '', timestampMs: 0, count: 0, intervalSeconds: 0, occupancy: undefined };

  constructor(
    readonly network: NetworkFile,
    readonly config: EngineConfig,
  ) {
    this.intersections = new Map(network.intersections.map((x) => [x.id, x]));
    const states = network.detectors.map((d) => new DetectorState(d));
    for (const state of states) {
      const d = state.detector;
      this.detectors.set(d.id, state);
      this.detectorsByIntersection.set(d.intersectionId, [...(this.detectorsByIntersection.get(d.intersectionId) ?? []), state]);
    }
    const roadGraph = buildRoadGraph(network, { maxHopDistanceMetres: config.optimizer.maxCoordinationDistanceMetres });
    this.groups = signalGroups(network, roadGraph, config.optimizer.maxSignalsPerGroup).map((g) =>
      buildSignalGroupModel(g.id, g.intersectionIds.map((id) => this.intersections.get(id)!), roadGraph, config.optimizer),
    );
    this.estimator = new DemandEstimator(network, groupByLane(states, (s) => s.detector));
    this.demandPositions = this.groups.map((g) => g.members.map((m) => Int32Array.from(m.movements, (mv) => this.estimator.positionOf(mv.id))));
  }

  /**
   * Validates and absorbs one raw count record; returns the rejection, if any. Never throws: an exception while
   * handling the record (a defect, not bad input) rejects that record alone as GW_ERR_INTERNAL.
   */
  ingest(raw: unknown, nowMs: number): InputError | undefined {
    let error: InputError | undefined;
    try {
      this.lookedUp = undefined;
      error = readCount(raw, this.lookUp, nowMs, this.config, this.counted);
      if (!error) this.lookedUp!.add(this.counted, this.config.smoothingSeconds, this.config.stuckOnOccupancy);
    } catch (err) {
      this.counters.faults++;
      error = { code: 'GW_ERR_INTERNAL', field: '(record)', value: null, reason: `could not be processed (${causeOf(err)}); the record was dropped` };
    }
    if (error) {
      this.counters.countsRejected++;
      this.counters.rejectedByCode[error.code] = (this.counters.rejectedByCode[error.code] ?? 0) + 1;
      return error;
    }
    this.counters.countsAccepted++;
    return undefined;
  }

  /** Plans in force (fallback plans until the optimizer has produced its own). */
  plans(nowMs: number): ReadonlyMap<string, PhasePlan> {
    this.ensureStarted(nowMs);
    return this.plansInForce;
  }

  demand(): ReadonlyMap<string, MovementDemand> {
    return (this.lastDemand ??= this.estimator.lastEstimate());
  }

  detectorHealth(): ReturnType<DetectorState['health']>[] {
    return [...this.detectors.values()].map((d) => d.health(d.detector.intersectionId));
  }

  /**
   * One optimisation interval. Never throws: an exception in detector health or demand estimation skips this
   * interval (plans in force stay), one in a group's optimisation skips that group; each is reported as an
   * 'engine-fault' event and counted.
   */
  tick(nowMs: number): EngineEvent[] {
    const events: EngineEvent[] = [];
    try {
      this.ensureStarted(nowMs);
      const slot = slotOfMinute(localMinuteOfDay(nowMs, this.network.timeZone));
      this.updateHealth(nowMs, events);
      for (const d of this.detectors.values()) d.learnHistory(slot, nowMs);
      this.estimator.estimateInPlace(slot, nowMs, this.plansInForce, this.config);
      this.lastDemand = undefined;
    } catch (err) {
      this.counters.faults++;
      events.push({ type: 'engine-fault', atMs: nowMs, stage: 'health', intersectionIds: [], cause: causeOf(err) });
      return events;
    }
    const estimator = this.estimator;
    for (let g = 0; g < this.groups.length; g++) {
      const group = this.groups[g];
      try {
        const demand = { flowVehPerHour: estimator.flowVehPerHour, confidence: estimator.confidence, positions: this.demandPositions[g] };
        this.optimiseGroup(group, demand, nowMs, events);
      } catch (err) {
        this.counters.faults++;
        events.push({ type: 'engine-fault', atMs: nowMs, stage: 'optimise', intersectionIds: group.members.map((m) => m.intersection.id), cause: causeOf(err) });
      }
    }
    this.counters.optimisations++;
    if (this.config.emitKpis) {
      try {
        const demand = this.demand();
        events.push({ type: 'kpi', atMs: nowMs, kpis: this.kpis(demand), demand: [...demand.values()] });
      } catch (err) {
        this.counters.faults++;
        events.push({ type: 'engine-fault', atMs: nowMs, stage: 'optimise', intersectionIds: [], cause: causeOf(err) });
      }
    }
    return events;
  }

  /** Optimises one signal group and puts the plans that pass the safety gate in force. */
  protected optimiseGroup(group: SignalGroupModel, demand: DemandByPosition, nowMs: number, events: EngineEvent[]): void {
    const proposed = optimizeGroup({ group, demand, plansInForce: this.plansInForce, config: this.config.optimizer, nowMs });
    for (const [id, plan] of proposed) {
      const inForce = this.plansInForce.get(id);
      if (plan === inForce || this.held.has(id)) continue;
      const found = checkPlan(plan, this.intersections.get(id)!, this.config.safetyGate);
      if (found.length > 0) {
        this.counters.plansRejected++;
        events.push({ type: 'plan-rejected', atMs: nowMs, intersectionId: id, problems: found.map((p) => p.message), codes: found.map((p) => p.code), keptVersion: inForce?.version ?? null });
        continue;
      }
      this.plansInForce.set(id, plan);
      this.counters.plansEmitted++;
      events.push({ type: 'plan', atMs: nowMs, plan, previousVersion: inForce?.version ?? null });
    }
  }

  /** Holds an intersection on its plan in force (the optimizer's plans for it are not adopted), or releases it. */
  hold(intersectionId: string, held: boolean): void {
    if (held) this.held.add(intersectionId);
    else this.held.delete(intersectionId);
  }

  isHeld(intersectionId: string): boolean {
    return this.held.has(intersectionId);
  }

  /**
   * Puts a plan chosen outside the optimizer (an operator's) in force, as the next version, if it passes the safety
   * gate; returns the 'plan' event, or the gate's problems (the plan in force stays).
   */
  adopt(plan: PhasePlan, nowMs: number): { ok: true; event: EngineEvent } | { ok: false; problems: string[] } {
    this.ensureStarted(nowMs);
    const x = this.intersections.get(plan.intersectionId);
    if (!x || x.control !== 'signalized') return { ok: false, problems: [`no signalized intersection ${plan.intersectionId}`] };
    const problems = checkPlanSafety(plan, x, this.config.safetyGate);
    if (problems.length > 0) {
      this.counters.plansRejected++;
      return { ok: false, problems };
    }
    const inForce = this.plansInForce.get(plan.intersectionId);
    const adopted: PhasePlan = { ...plan, version: (inForce?.version ?? this.config.planVersionBase) + 1, computedAtMs: nowMs };
    this.plansInForce.set(plan.intersectionId, adopted);
    this.counters.plansEmitted++;
    return { ok: true, event: { type: 'plan', atMs: nowMs, plan: adopted, previousVersion: inForce?.version ?? null } };
  }

  private ensureStarted(nowMs: number): void {
    if (this.startedAtMs !== undefined) return;
    this.startedAtMs = nowMs;
    for (const x of this.network.intersections)
      if (x.control === 'signalized') this.plansInForce.set(x.id, { ...fallbackPhasePlan(x, nowMs, this.network.timeZone), version: this.config.planVersionBase });
  }

  private updateHealth(nowMs: number, events: EngineEvent[]): void {
    const c = this.config;
    const busyIntersections = new Set<string>();
    for (const d of this.detectors.values()) if (!d.fault && d.flowVehPerHour > 100) busyIntersections.add(d.detector.intersectionId);
    for (const d of this.detectors.values()) {
      const since = Number.isFinite(d.lastTimestampMs) ? d.lastTimestampMs : this.startedAtMs!;
      let fault: typeof d.fault;
      if (nowMs - since > c.silentAfterSeconds * 1000) fault = 'silent';
      else if (!Number.isNaN(d.highOccupancySinceMs) && d.lastTimestampMs - d.highOccupancySinceMs >= c.stuckOnSeconds * 1000) fault = 'stuck-on';
      else if (!Number.isNaN(d.zeroSinceMs) && d.lastTimestampMs - d.zeroSinceMs >= c.stuckZeroSeconds * 1000 && busyIntersections.has(d.detector.intersectionId))
        fault = 'stuck-zero';
      if (fault === d.fault) continue;
      const was = d.fault;
      d.fault = fault;
      const health = d.health(d.detector.intersectionId);
      events.push(fault ? { type: 'detector-fault', atMs: nowMs, health } : { type: 'detector-recovered', atMs: nowMs, health });
      if (was && !fault && was !== 'silent') d.flowVehPerHour = NaN;
    }
  }

  private kpis(demand: ReadonlyMap<string, MovementDemand>): IntersectionKpi[] {
    const out: IntersectionKpi[] = [];
    for (const group of this.groups)
      for (const model of group.members) {
        const plan = this.plansInForce.get(model.intersection.id);
        if (!plan) continue;
        const flows = model.movements.map((m) => demand.get(m.id)?.flowVehPerHour ?? 0);
        const ev = evaluatePlan(model, plan.phases.map((p) => p.greenSeconds), plan.cycleSeconds, flows);
        out.push({
          intersectionId: model.intersection.id,
          flowVehPerHour: Math.round(flows.reduce((s, q) => s + q, 0)),
          maxDegreeOfSaturation: Math.round(ev.maxDegreeOfSaturation * 1000) / 1000,
          delayVehHoursPerHour: Math.round(ev.totalDelayVehHoursPerHour * 1000) / 1000,
          faultyDetectors: (this.detectorsByIntersection.get(model.intersection.id) ?? []).filter((d) => d.fault).length,
        });
      }
    return out;
  }
}

/** An exception as one short line, its class and message: the key under which faults are counted and logged. */
export function causeOf(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 200);
  return `thrown ${typeof err}: ${String(err)}`.slice(0, 200);
}
