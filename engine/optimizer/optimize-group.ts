import type { RoadGraph } from '../../network-models/index.js';
import type { Intersection } from '../../network-models/index.js';
import type { MovementDemand, PhasePlan, PhaseTiming } from '../plan-types.js';
import { requiredCycle, type CycleChoice } from './cycle-length.js';
import { buildCoordinationTopology, circularDifference, coordinationOffsets, uncoordinatedTopology, type CoordinationTopology, type MemberTiming, type OffsetResult } from './coordination-offsets.js';
import { phaseFlowRatios, type PhaseFlowRatios } from './flow-ratios.js';
import { distributeGreens, roundGreens } from './green-splits.js';
import { buildIntersectionModel, clamp, type IntersectionModel } from './intersection-model.js';
import type { OptimizerConfig } from './optimizer-config.js';
import { evaluatePlan, totalDelayVehHoursPerHour, type PlanEvaluation } from './plan-evaluation.js';
import { degreeOfSaturationOfFlowRatio } from '../timing/index.js';

/** Signals that share a common cycle, with everything about them that does not depend on demand. */
export interface SignalGroupModel {
  id: string;
  members: IntersectionModel[];
  topology: CoordinationTopology;
}

export function buildSignalGroupModel(id: string, intersections: Intersection[], roadGraph: RoadGraph, config: OptimizerConfig): SignalGroupModel {
  const members = intersections.filter((x) => x.control === 'signalized').map((x) => buildIntersectionModel(x, config));
  const topology = config.coordinate ? buildCoordinationTopology(members, roadGraph, config) : uncoordinatedTopology();
  return { id, members, topology };
}

export interface GroupOptimizationInput {
  group: SignalGroupModel;
  /**
   * Demand per movement id (movements without an entry count as zero demand with zero confidence), or the same
   * read by position (the engine's step: no look-up by id per movement).
   */
  demand: ReadonlyMap<string, MovementDemand> | DemandByPosition;
  /** Plans in force per intersection id (fallback plans count). */
  plansInForce: ReadonlyMap<string, PhasePlan>;
  config: OptimizerConfig;
  nowMs: number;
}

/** Demand per movement as arrays, and where each member's movements are in them. */
export interface DemandByPosition {
  flowVehPerHour: Float64Array;
  confidence: Float64Array;
  /** Per member of the group (in order), per movement of its model: the position of its demand, -1 for none. */
  positions: readonly Int32Array[];
}

function isByPosition(demand: ReadonlyMap<string, MovementDemand> | DemandByPosition): demand is DemandByPosition {
  return (demand as DemandByPosition).positions !== undefined;
}

interface MemberWork {
  model: IntersectionModel;
  flows: number[];
  confidence: number[];
  ratios: PhaseFlowRatios;
  wanted: CycleChoice;
  current?: PhasePlan;
  /** The plan in force when it has this model's phase sequence (its greens can be carried over), else undefined. */
  sequenced?: PhasePlan;
  cycleSeconds: number;
  coordinated: boolean;
  greens: number[];
  reasons: string[];
}

/**
 * One optimisation step for a group: a common cycle set by its most critical signal (bounded step, hysteresis),
 * demand-following splits at that cycle, offsets along the heaviest corridors, then per signal the decision to
 * keep the plan in force or adopt the new one. Pure: the same input gives the same plans.
 * Returns the plan each member should run: the same object as in force when unchanged.
 */
export function optimizeGroup(input: GroupOptimizationInput): Map<string, PhasePlan> {
  const { group, config } = input;
  const demand = input.demand;
  const byPosition = isByPosition(demand) ? demand : undefined;
  const work: MemberWork[] = group.members.map((model, i) => {
    const flows = new Array<number>(model.movements.length);
    const confidence = new Array<number>(model.movements.length);
    if (byPosition) {
      const positions = byPosition.positions[i];
      for (let k = 0; k < model.movements.length; k++) {
        const at = positions[k];
        flows[k] = at >= 0 ? byPosition.flowVehPerHour[at] : 0;
        confidence[k] = at >= 0 ? byPosition.confidence[at] : 0;
      }
    } else
      for (let k = 0; k < model.movements.length; k++) {
        const d = (demand as ReadonlyMap<string, MovementDemand>).get(model.movements[k].id);
        flows[k] = d?.flowVehPerHour ?? 0;
        confidence[k] = d?.confidence ?? 0;
      }
    const ratios = phaseFlowRatios(model, flows);
    const wanted = requiredCycle(model, ratios.total, config);
    const current = input.plansInForce.get(model.intersection.id);
    const sequenced = current && sameSequence(current, model) ? current : undefined;
    return { model, flows, confidence, ratios, wanted, current, sequenced, cycleSeconds: wanted.cycleSeconds, coordinated: false, greens: [], reasons: [] };
  });

  // Common cycle: the largest any member wants, moved towards from the cycle in force in bounded steps.
  // Every member is a candidate, or none. (Plain loops here: the arrays that filter and map returned at this
  // point did not always have one shape, and the optimised function was thrown away at every such step.)
  const coordinating = config.coordinate && group.members.length > 1 && work.length > 0;
  if (coordinating) {
    let target = 0;
    for (const w of work) target = Math.max(target, w.wanted.cycleSeconds);
    const cyclesInForce = new Array<number | undefined>(work.length);
    for (let i = 0; i < work.length; i++) cyclesInForce[i] = work[i].current?.cycleSeconds;
    const inForce = mostCommonCycle(cyclesInForce);
    const common = smoothCycle(target, inForce, config);
    for (const w of work) {
      if (common >= w.model.cycleLowSeconds - 1e-9 && common <= w.model.cycleHighSeconds + 1e-9) {
        w.cycleSeconds = common;
        w.coordinated = true;
      } else {
        w.cycleSeconds = smoothCycle(w.wanted.cycleSeconds, w.current?.cycleSeconds, config);
        w.reasons.push(`common cycle ${common} s outside this signal's feasible ${round1(w.model.cycleLowSeconds)}-${round1(w.model.cycleHighSeconds)} s: runs alone`);
      }
    }
  }
  if (!coordinating) for (const w of work) w.cycleSeconds = smoothCycle(w.wanted.cycleSeconds, w.current?.cycleSeconds, config);

  for (const w of work) {
    w.greens = smoothGreens(w, config);
    keepSplitsUnlessBetter(w, config);
  }

  let offsets: ReadonlyMap<string, OffsetResult> | undefined;
  const coordinated = work.filter((w) => w.coordinated);
  if (coordinated.length > 0) {
    const members = new Map<string, MemberTiming>();
    for (const w of coordinated)
      members.set(w.model.intersection.id, {
        model: w.model,
        greens: w.greens,
        flows: w.flows,
        currentOffsetSeconds: w.current && w.current.cycleSeconds === w.cycleSeconds ? w.current.offsetSeconds : w.current ? (w.current.offsetSeconds * w.cycleSeconds) / w.current.cycleSeconds : null,
        currentlyCoordinatedFrom: w.current?.diagnostics.coordinatedFrom?.intersectionId,
        currentCoordinatedPhaseId: w.current?.diagnostics.coordinatedFrom?.phaseId,
        currentCoordinatedFromPhaseId: w.current?.diagnostics.coordinatedFrom?.fromPhaseId,
        currentlyCoordinatedFromUpstream: w.current?.diagnostics.coordinatedFrom ? w.current.diagnostics.coordinatedFrom.travelTimeSeconds >= 0 : undefined,
      });
    offsets = coordinationOffsets(group.topology, members, coordinated[0].cycleSeconds, config);
  }

  const out = new Map<string, PhasePlan>();
  for (const w of work) out.set(w.model.intersection.id, decide(w, offsets?.get(w.model.intersection.id), input));
  return out;
}

function smoothCycle(target: number, inForce: number | undefined, config: OptimizerConfig): number {
  if (inForce === undefined) return target;
  const delta = target - inForce;
  if (Math.abs(delta) < config.cycleHysteresisSeconds) return inForce;
  if (delta < 0 && -delta < config.cycleDecreaseHysteresisFraction * inForce) return inForce;
  const step = clamp(Math.round(delta * config.cycleStepFraction), -config.maxCycleStepSeconds, config.maxCycleStepSeconds);
  return inForce + (step === 0 ? Math.sign(delta) : step);
}

function mostCommonCycle(cycles: Array<number | undefined>): number | undefined {
  const counts = new Map<number, number>();
  for (const c of cycles) if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
  let best: number | undefined;
  let bestCount = 0;
  for (const [c, n] of counts) if (n > bestCount || (n === bestCount && best !== undefined && c > best)) [best, bestCount] = [c, n];
  return best;
}

/**
 * Target greens at the chosen cycle, approached from the plan in force by at most maxGreenStepSeconds per phase:
 * the plan in force is first re-proportioned to the new cycle, then blended towards the target. Both ends are
 * feasible (bounds, Σg), so every blend between them is too.
 */
function smoothGreens(w: MemberWork, config: OptimizerConfig): number[] {
  const target = distributeGreens(w.model, w.ratios.byPhase, w.cycleSeconds);
  const current = w.sequenced;
  if (!current) return roundGreens(w.model, target, w.cycleSeconds);
  const scaled = scaledGreens(w.model, current, w.cycleSeconds);
  let largest = 0;
  for (let i = 0; i < target.length; i++) largest = Math.max(largest, Math.abs(target[i] - scaled[i]));
  const alpha = largest <= config.maxGreenStepSeconds ? 1 : config.maxGreenStepSeconds / largest;
  const blended = new Array<number>(target.length);
  for (let i = 0; i < target.length; i++) blended[i] = scaled[i] + alpha * (target[i] - scaled[i]);
  if (alpha < 1) w.reasons.push(`splits moved ${Math.round(alpha * 100)}% of the way to target (step limit ${config.maxGreenStepSeconds} s)`);
  return roundGreens(w.model, blended, w.cycleSeconds);
}

/**
 * At an unchanged cycle, new splits are adopted only when the delay model predicts a gain of at least the margin;
 * otherwise the greens in force stay (and offsets are then computed from the greens that will actually run).
 */
function keepSplitsUnlessBetter(w: MemberWork, config: OptimizerConfig): void {
  const current = w.sequenced;
  if (!current || current.source !== 'optimizer' || current.cycleSeconds !== w.cycleSeconds) return;
  const currentGreens = greensOf(current);
  if (greensWithin(currentGreens, w.greens)) return;
  const inForce = totalDelayVehHoursPerHour(w.model, currentGreens, current.cycleSeconds, w.flows);
  const candidate = totalDelayVehHoursPerHour(w.model, w.greens, w.cycleSeconds, w.flows);
  const gain = 1 - candidate / Math.max(1e-9, inForce);
  if (gain < config.adoptionMarginFraction) w.greens = currentGreens.slice();
  else w.reasons.push(`splits: predicted delay ${pct(gain)} lower than the plan in force`);
}

function sameSequence(plan: PhasePlan, model: IntersectionModel): boolean {
  return plan.phases.length === model.phaseIds.length && plan.phases.every((p, i) => p.phaseId === model.phaseIds[i]);
}

// Plans are immutable values that stay in force for many optimisation steps: what is derived from a plan alone
// is computed once per plan (keyed by identity; the model and cycle are checked, as one plan object could in
// principle meet another engine's model).
const greensByPlan = new WeakMap<PhasePlan, number[]>();
const scaledByPlan = new WeakMap<PhasePlan, { model: IntersectionModel; cycleSeconds: number; greens: number[] }>();

/** The plan's greens by phase position (shared: never modify). */
function greensOf(plan: PhasePlan): number[] {
  let greens = greensByPlan.get(plan);
  if (!greens) {
    greens = plan.phases.map((p) => p.greenSeconds);
    greensByPlan.set(plan, greens);
  }
  return greens;
}

/** The plan's greens re-proportioned to another cycle (shared: never modify). */
function scaledGreens(model: IntersectionModel, plan: PhasePlan, cycleSeconds: number): number[] {
  const cached = scaledByPlan.get(plan);
  if (cached && cached.model === model && cached.cycleSeconds === cycleSeconds) return cached.greens;
  const greens = distributeGreens(model, greensOf(plan), cycleSeconds);
  scaledByPlan.set(plan, { model, cycleSeconds, greens });
  return greens;
}

/** Whether every green of `a` is within a microsecond of `b`'s. */
function greensWithin(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6)) return false;
  return true;
}

/** Whether any green of `a` differs from `b`'s by more than a microsecond. */
function greensDiffer(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-6) return true;
  return false;
}

function decide(w: MemberWork, offset: OffsetResult | undefined, input: GroupOptimizationInput): PhasePlan {
  const { config } = input;
  const model = w.model;
  const current = w.sequenced;
  let offsetSeconds = roundOffset(offset?.offsetSeconds ?? (current ? current.offsetSeconds : 0), w.cycleSeconds);
  const reasons = [...w.reasons];

  if (current) {
    const cycleChanged = current.cycleSeconds !== w.cycleSeconds;
    const offsetHysteresis = Math.max(config.offsetHysteresisSeconds, config.offsetHysteresisFraction * w.cycleSeconds);
    if (!cycleChanged && circularDifference(offsetSeconds, current.offsetSeconds, w.cycleSeconds) < offsetHysteresis)
      offsetSeconds = current.offsetSeconds;
    const offsetChanged = offsetSeconds !== current.offsetSeconds;
    const greensChanged = greensDiffer(greensOf(current), w.greens);
    if (!cycleChanged && !offsetChanged && !greensChanged && current.source === 'optimizer') return current;
    if (cycleChanged) reasons.push(`cycle ${current.cycleSeconds} → ${w.cycleSeconds} s`);
    if (offsetChanged) reasons.push(`offset ${round1(current.offsetSeconds)} → ${round1(offsetSeconds)} s`);
    if (current.source === 'fallback') reasons.push('replaces the fallback plan');
  }
  // Evaluated only for a plan that changes (most steps keep the plan in force).
  return buildPlan(w, offsetSeconds, evaluatePlan(model, w.greens, w.cycleSeconds, w.flows), offset, reasons, (current?.version ?? w.current?.version ?? 0) + 1, input.nowMs, config);
}

/**
 * Half-width of the actuation window around the planned greens: the full window up to a flow-ratio sum of 0.5,
 * narrowing linearly to the congested window at the oversaturation threshold. Near capacity the plan's split is
 * what keeps queues in check, and local actuation chasing one approach's gaps costs the others.
 */
export function actuationWindowSeconds(flowRatioSum: number, config: OptimizerConfig): number {
  const full = config.actuationWindowSeconds;
  const congested = Math.min(full, config.congestedActuationWindowSeconds);
  const light = 0.5;
  const t = Math.min(1, Math.max(0, (flowRatioSum - light) / Math.max(1e-6, config.oversaturatedFlowRatio - light)));
  return full - (full - congested) * t;
}

function buildPlan(w: MemberWork, offsetSeconds: number, ev: PlanEvaluation, offset: OffsetResult | undefined, reasons: string[], version: number, nowMs: number, config: OptimizerConfig): PhasePlan {
  const { model, ratios, wanted } = w;
  const window = actuationWindowSeconds(ratios.total, config);
  const phases: PhaseTiming[] = model.phaseIds.map((phaseId, i) => ({
    phaseId,
    greenSeconds: w.greens[i],
    yellowSeconds: model.yellowSeconds[i],
    allRedSeconds: model.allRedSeconds[i],
    minGreenSeconds: Math.max(model.minGreenSeconds[i], Math.min(w.greens[i], w.greens[i] - window)),
    maxGreenSeconds: Math.min(model.maxGreenSeconds[i], Math.max(w.greens[i], w.greens[i] + window)),
  }));
  const flowRatioByPhase: Record<string, number> = {};
  const criticalMovementByPhase: Record<string, string> = {};
  const degreeOfSaturationByPhase: Record<string, number> = {};
  let minConfidence = 1;
  model.phaseIds.forEach((id, i) => {
    flowRatioByPhase[id] = round4(ratios.byPhase[i]);
    const k = ratios.criticalMovement[i];
    if (k >= 0) {
      criticalMovementByPhase[id] = model.movements[k].id;
      minConfidence = Math.min(minConfidence, w.confidence[k]);
    }
    degreeOfSaturationByPhase[id] = round4(degreeOfSaturationOfFlowRatio(ratios.byPhase[i], w.greens[i], w.cycleSeconds));
  });
  const delaySecondsPerVehByMovement: Record<string, number> = {};
  model.movements.forEach((m, k) => (delaySecondsPerVehByMovement[m.id] = round1(ev.delaySecondsPerVehByMovement[k])));
  const head = wanted.oversaturated
    ? `oversaturated (Y=${round3(ratios.total)}): longest cycle, splits in proportion to demand`
    : `cycle ${w.cycleSeconds} s (Webster ${round1(wanted.websterCycleSeconds)} s, Y=${round3(ratios.total)}, L=${round1(model.lostTimeSeconds)} s${w.coordinated ? ', common cycle of the group' : ''}); splits equalise degree of saturation`;
  const coordination = offset?.coordinatedFrom
    ? `; offset from ${offset.coordinatedFrom.intersectionId} (travel ${round1(Math.abs(offset.coordinatedFrom.travelTimeSeconds))} s)`
    : '';
  return {
    intersectionId: model.intersection.id,
    version,
    cycleSeconds: w.cycleSeconds,
    offsetSeconds,
    phases,
    source: 'optimizer',
    computedAtMs: nowMs,
    diagnostics: {
      flowRatioByPhase,
      criticalMovementByPhase,
      degreeOfSaturationByPhase,
      delaySecondsPerVehByMovement,
      totalDelayVehHoursPerHour: round3(ev.totalDelayVehHoursPerHour),
      sumCriticalFlowRatio: round4(ratios.total),
      lostTimeSeconds: model.lostTimeSeconds,
      websterCycleSeconds: Number.isFinite(wanted.websterCycleSeconds) ? round1(wanted.websterCycleSeconds) : -1,
      demandConfidence: round3(minConfidence),
      oversaturated: wanted.oversaturated,
      coordinatedFrom: offset?.coordinatedFrom,
      coordinated: w.coordinated,
      reason: [head + coordination, ...reasons].join('; '),
    },
  };
}

/** Offsets in tenths of a second, in [0, cycle). */
function roundOffset(offsetSeconds: number, cycleSeconds: number): number {
  const r = Math.round(offsetSeconds * 10) / 10;
  const m = ((r % cycleSeconds) + cycleSeconds) % cycleSeconds;
  return Math.round(m * 10) / 10 >= cycleSeconds ? 0 : Math.round(m * 10) / 10;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round3 = (v: number) => Math.round(v * 1000) / 1000;
const round4 = (v: number) => Math.round(v * 10000) / 10000;
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
