import { Subject, type Subscription } from 'rxjs';
import { z } from 'zod';
import { laneKey, type Intersection, type NetworkFile } from '../../../network-models/index.js';
import type { PhasePlan, ScheduledPlan } from '../../../engine/index.js';
import {
  ActuatedSignal,
  DetectorTracker,
  NetworkLoops,
  createEnginePipeline,
  checkPlan,
  VirtualClockScheduler,
  type ActuationCounters,
  type DetectorCount,
  type ActuationOptions,
  type EngineConfigInput,
  type LaneLoopLayout,
  type SignalDisplay,
  type SignalDisplayLayout,
} from '../../../engine/index.js';
import { sumoSignalOf, type SumoSignalExternal } from '../../../network-models/importers/sumo/index.js';
import type { ControlStats, LoopContext, LoopController } from './loop-controller.js';
import type { DetectorCounter } from './detector-counter.js';
import { LoopFeed } from './loop-feed.js';
import { buildSumoProgram, fallbackTimings, programFromPlan, type BuiltProgram } from './sumo-program-builder.js';
import { isSafeTransition } from './phase-skip.js';

export interface EngineControlOptions {
  /** Counting interval of the detector counts fed to the engine, seconds. Default 30. */
  countIntervalSeconds?: number;
  config?: EngineConfigInput;
  /**
   * Local actuation (engine/actuation). 'gap-out' (default): greens end on gaps and are extended while vehicles
   * come, up to their maximum. 'none': the engine's plans run fixed-time.
   */
  actuation?: 'none' | 'gap-out';
  /** Rules of the local actuation (engine/actuation's options); the clock step is SUMO's. */
  actuationOptions?: Omit<ActuationOptions, 'kind' | 'stepSeconds'>;
  /** Gap detection: presence on set-back loops and passage on stop-line loops ('hybrid', default). */
  gapDetection?: 'passage' | 'presence' | 'hybrid';
  /** Which phases a movement's loops hold green: only its own ('own', default) or every phase serving it ('all'). */
  gapDetectorsPerMovement?: 'own' | 'all';
  /** Which loops of a lane are watched for gaps: the advance loop where there is one ('upstream', default) or all. */
  gapLoops?: 'all' | 'upstream';
  /**
   * Plays these plans, each from its time (engine time, epoch ms; in time order), instead of running the engine:
   * recorded plans replayed open loop, with the same safety gate and the same local actuation as the engine's.
   */
  planSchedule?: readonly ScheduledPlan[];
}

/**
 * Actuation options for experiments, from the environment (`GREENWAVE_ACTUATION_OPTIONS`, a JSON object with
 * engine/actuation's option names; unknown keys are refused): the corpus runner A/Bs rules this way.
 */
const actuationOptionsSchema = z
  .object({
    gapSeconds: z.number().positive().max(30),
    passageTimePer: z.enum(['approach', 'phase']),
    extensionSeconds: z.number().positive().max(30),
    phaseSkipping: z.boolean(),
    maxConsecutiveSkips: z.number().int().min(0).max(10),
    conditionalProtectedPhases: z.boolean(),
    addedInitial: z.boolean(),
    restInGreen: z.boolean(),
    offsetSync: z.boolean(),
    splitFailuresToFreeMode: z.number().int().min(0).max(20),
    bounds: z.enum(['plan', 'phase', 'auto']),
    greenEnd: z.enum(['gap', 'priority']),
  })
  .partial()
  .strict();

export function actuationOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EngineControlOptions['actuationOptions'] {
  const raw = env['GREENWAVE_ACTUATION_OPTIONS'];
  if (!raw) return undefined;
  const parsed = actuationOptionsSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`GREENWAVE_ACTUATION_OPTIONS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

interface SignalState {
  x: Intersection;
  sig: SumoSignalExternal;
  built: BuiltProgram;
  /** The program built for the plan offered to the actuation, loaded when the actuation takes it up. */
  offered: BuiltProgram | null;
  actuation: ActuatedSignal;
  layoutVersion: number;
  programIndex: number;
  programSeq: number;
}

/** A SUMO phase held this long never ends by itself: the actuation decides every change. */
const HELD_SECONDS = 1e6;

/**
 * The engine in the loop: induction loop counts go into the engine pipeline (virtual time = simulation time),
 * plans that pass the safety gate go to each signal's local actuation (engine/actuation), and what the actuation
 * shows is shown in SUMO. This class only translates: loops in, program phases out.
 */
export class EngineControl implements LoopController {
  readonly mode = 'engine' as const;
  private ctx!: LoopContext;
  private scheduler!: VirtualClockScheduler;
  private counts$ = new Subject<unknown>();
  private sub: Subscription | null = null;
  private counter!: DetectorCounter;
  private tracker!: DetectorTracker;
  private loops!: LoopFeed;
  private signals = new Map<string, SignalState>();
  private nextFlushSeconds = 0;
  private lastStepSeconds = -Infinity;
  /** Counts of an interval that has ended, for the engine once the next step is sent. */
  private countsDue: DetectorCount[] = [];
  private plansRejected = 0;
  private readonly interval: number;
  private readonly actuationOptions: ActuationOptions;
  private scheduleIndex = 0;

  constructor(private readonly o: EngineControlOptions = {}) {
    this.interval = o.countIntervalSeconds ?? 30;
    // plans run fixed-time keep to their own greens and offsets
    this.actuationOptions = o.actuation === 'none' ? { ...(o.actuationOptions ?? {}), kind: 'fixed', bounds: 'plan' } : { ...(o.actuationOptions ?? {}), kind: 'actuated' };
  }

  async init(ctx: LoopContext): Promise<void> {
    this.ctx = ctx;
    const startMs = ctx.epochMs + ctx.beginSeconds * 1000;
    this.scheduler = new VirtualClockScheduler(startMs);
    const detectorIds = ctx.network.detectors.map((d) => d.id);
    this.tracker = new DetectorTracker(ctx.network.detectors, this.o.gapDetection ?? 'hybrid');
    // occupancy only goes into the engine's counts: none are made when recorded plans are replayed
    const loops = ctx.client.inductionLoop;
    this.loops = new LoopFeed(detectorIds, this.tracker, this.o.planSchedule ? undefined : (id, onValue) => loops.queueOccupancy(id, onValue));
    this.counter = this.loops.counter;
    await loops.subscribeVehicleIds(detectorIds);

    const loopIndex = new NetworkLoops(ctx.network);
    const laneLoops = loopIndex.laneLayouts();
    const gapSeconds = this.actuationOptions.gapSeconds ?? 3;
    for (const x of ctx.network.intersections) {
      const sig = sumoSignalOf(x.external);
      if (!sig || x.control !== 'signalized' || x.phases.length === 0) continue;
      const built = buildSumoProgram(sig, fallbackTimings(x), 'gw-engine-0', 'static', { directClearances: true });
      const loops = loopIndex.phaseLoops(x, { gapDetectorsPerMovement: this.o.gapDetectorsPerMovement ?? 'own', gapLoops: this.o.gapLoops ?? 'upstream', gapSeconds });
      const actuation = new ActuatedSignal({
        intersection: x,
        phaseLoops: loops.phases,
        callWindowSeconds: loops.callWindowSeconds,
        laneSaturationFlowVehPerHour: loops.laneSaturationFlowVehPerHour,
        travelSecondsToStopLine: loops.travelSecondsToStopLine,
        stopLineLoopOf: withoutPedestrianWaits(loops.stopLineLoopOf, x, sig, laneLoops),
        approachLaneOf: loops.approachLaneOf,
        phasesHoldingUnseenTraffic: phasesHoldingUnseenTraffic(x, sig),
        unseenTrafficLoops: unseenTrafficLoops(x, sig, laneLoops),
        tracker: this.tracker,
        initialLayout: displayLayout(built, sig, x),
        startSeconds: ctx.beginSeconds,
        clockEpochSeconds: ctx.epochMs / 1000,
        options: { ...this.actuationOptions, stepSeconds: ctx.stepSeconds },
      });
      const s: SignalState = { x, sig, built, offered: null, actuation, layoutVersion: actuation.layoutVersion, programIndex: -1, programSeq: 0 };
      this.signals.set(x.id, s);
      this.load(s, built);
    }

    if (this.o.planSchedule) return;
    this.sub = createEnginePipeline(ctx.network, this.counts$, { scheduler: this.scheduler, config: this.o.config }).subscribe({
      next: (ev) => {
        if (ev.type === 'plan') this.onPlan(ev.plan);
        else if (ev.type === 'plan-rejected') this.plansRejected++;
        else if (ev.type === 'input-error') ctx.logger.debug({ error: ev.error }, 'engine rejected a count');
      },
      error: (err: unknown) => ctx.logger.error({ err }, 'engine pipeline failed'),
    });
    this.nextFlushSeconds = ctx.beginSeconds + this.interval;
  }

  private onPlan(plan: PhasePlan): void {
    const s = this.signals.get(plan.intersectionId);
    if (!s) return;
    // the same gate as plans arriving over WebSocket
    const problems = checkPlan(plan, s.x);
    if (problems.length > 0) {
      this.plansRejected++;
      this.ctx.logger.warn({ intersectionId: plan.intersectionId, problems: problems.map((p) => ({ code: p.code, phaseId: p.phaseId, message: p.message })) }, 'plan refused by the safety gate; not sent to SUMO');
      return;
    }
    s.offered = programFromPlan(plan, s.x, `gw-engine-${++s.programSeq}`, 'static', { directClearances: true });
    s.actuation.offerPlan(plan, displayLayout(s.offered, s.sig, s.x));
  }

  async afterStep(t: number): Promise<void> {
    const loops = this.ctx.client.inductionLoop;
    // an interval ended with the step before: its occupancies came with this step's answer, and this step's
    // readings belong to the next interval
    if (!this.o.planSchedule && this.lastStepSeconds + 1e-9 >= this.nextFlushSeconds) {
      const ts = this.ctx.epochMs + Math.round(this.lastStepSeconds * 1000);
      this.countsDue.push(...this.counter.flush(ts, this.interval));
      this.nextFlushSeconds += this.interval;
    }
    this.lastStepSeconds = t;
    this.loops.step(t, loops.changedInLastStep(), (id) => loops.lastStep(id));
    const schedule = this.o.planSchedule;
    if (schedule) {
      const nowMs = this.ctx.epochMs + Math.round(t * 1000);
      for (; this.scheduleIndex < schedule.length && schedule[this.scheduleIndex].atMs <= nowMs; this.scheduleIndex++) this.onPlan(schedule[this.scheduleIndex].plan);
    }
    for (const s of this.signals.values()) this.show(s, t);
  }

  /** The engine's counts and planning run while SUMO simulates the next step: a plan is taken up a step later. */
  whileStepping(t: number): void {
    if (this.o.planSchedule) return;
    if (this.countsDue.length > 0) {
      this.scheduler.advanceTo(this.countsDue[0].timestampMs);
      for (const c of this.countsDue)
        this.counts$.next({ detectorId: c.detectorId, timestamp: c.timestampMs, count: c.count, intervalSeconds: c.intervalSeconds, occupancy: c.occupancy });
      this.countsDue = [];
    }
    this.scheduler.advanceTo(this.ctx.epochMs + Math.round(t * 1000));
  }

  /** Steps the signal's actuation to `t` and shows its display in SUMO (commands are queued for the next step's message). */
  private show(s: SignalState, t: number): void {
    const events = s.actuation.step(t);
    if (events.length > 0 && this.ctx.logger.isLevelEnabled('trace')) this.ctx.logger.trace({ t, tls: s.sig.tlsId, events }, 'actuation');
    for (const e of events) if (e.kind === 'mode-changed') this.ctx.logger.info({ t, intersectionId: s.x.id, mode: e.mode, reason: e.reason }, 'actuation mode changed');
    if (s.actuation.layoutVersion !== s.layoutVersion) {
      s.layoutVersion = s.actuation.layoutVersion;
      if (s.offered) {
        s.built = s.offered;
        s.offered = null;
        this.load(s, s.built);
      }
    }
    const index = programIndexOf(s.built, s.sig, s.actuation.display);
    if (index !== s.programIndex) {
      void this.ctx.client.trafficLight.setPhase(s.sig.tlsId, index);
      s.programIndex = index;
    }
  }

  /** Loads a program whose phases never end by themselves, at the index the actuation shows. */
  private load(s: SignalState, built: BuiltProgram): void {
    const index = programIndexOf(built, s.sig, s.actuation.display);
    const phases = built.logic.phases.map((p) => ({ ...p, durationSeconds: HELD_SECONDS, minDurSeconds: undefined, maxDurSeconds: undefined, next: undefined }));
    void this.ctx.client.trafficLight.setProgramLogic(s.sig.tlsId, { ...built.logic, phases, currentPhaseIndex: index });
    s.programIndex = index;
  }

  /** Counters of the local actuation, summed over the signals. */
  actuationCounters(): ActuationCounters & { signalsInFreeMode: number } {
    const sum: ActuationCounters & { signalsInFreeMode: number } = { greens: 0, gapOuts: 0, maxOuts: 0, phasesSkipped: 0, plansApplied: 0, freeModeEntries: 0, persistentSplitFailures: 0, longestCallWaitSeconds: 0, signalsInFreeMode: 0 };
    for (const s of this.signals.values()) {
      const c = s.actuation.counters;
      sum.greens += c.greens;
      sum.gapOuts += c.gapOuts;
      sum.maxOuts += c.maxOuts;
      sum.phasesSkipped += c.phasesSkipped;
      sum.plansApplied += c.plansApplied;
      sum.freeModeEntries += c.freeModeEntries;
      sum.persistentSplitFailures += c.persistentSplitFailures;
      sum.longestCallWaitSeconds = Math.max(sum.longestCallWaitSeconds, c.longestCallWaitSeconds);
      if (s.actuation.actuationMode === 'free') sum.signalsInFreeMode++;
    }
    return sum;
  }

  stats(): ControlStats {
    const c = this.actuationCounters();
    return { planUpdates: c.plansApplied, plansRejected: this.plansRejected, selfCheckFallbacks: c.freeModeEntries, persistentSplitFailures: c.persistentSplitFailures, longestCallWaitSeconds: c.longestCallWaitSeconds };
  }

  dispose(): void {
    // also called when SUMO never started, before init
    if (this.ctx) this.ctx.logger.debug({ actuation: this.actuationCounters() }, 'engine control finished');
    this.counts$.complete();
    this.sub?.unsubscribe();
  }
}

/** The actuation's view of a SUMO program: green segments, the variable one, and every clearance's segments. */
export function displayLayout(built: BuiltProgram, sig: SumoSignalExternal, x: Intersection): SignalDisplayLayout {
  const phases = built.logic.phases;
  const ids = x.phases.map((p) => p.id);
  return {
    cycleSeconds: built.cycleSeconds,
    phases: ids.map((id, i) => {
      const ps = sig.phaseStates[id];
      const start = built.greenStartIndex[id];
      const greenLength = ps.green.length;
      const nextStart = i + 1 < ids.length ? built.greenStartIndex[ids[i + 1]] : built.cyclePhaseCount;
      const direct: Record<string, number[]> = {};
      for (const [to, index] of Object.entries(built.directClearanceIndex[id] ?? {})) {
        if (index === built.greenStartIndex[to]) {
          direct[to] = [];
          continue;
        }
        const segs: number[] = [];
        for (let j = index; j < phases.length; j++) {
          segs.push(phases[j].durationSeconds);
          if (phases[j].next !== undefined) break;
        }
        direct[to] = segs;
      }
      return {
        phaseId: id,
        greenSegmentSeconds: ps.green.map((_, j) => (j === ps.variableGreenIndex ? null : phases[start + j].durationSeconds)),
        plannedVariableSeconds: phases[built.variableIndex[id]].durationSeconds,
        clearanceSegmentSeconds: phases.slice(start + greenLength, nextStart).map((p) => p.durationSeconds),
        directClearanceSegmentSeconds: direct,
        greenAfterClearance: greenAfterClearance(built, ids, i, nextStart),
        nextClearanceMayFollow: nextClearanceMayFollow(built, sig, ids, i, nextStart),
      };
    }),
  };
}

/** Phases whose first green can follow the last state of phase `i`'s clearance safely (it passes the next one over). */
function greenAfterClearance(built: BuiltProgram, ids: readonly string[], i: number, clearanceEnd: number): string[] {
  const phases = built.logic.phases;
  const next = ids[(i + 1) % ids.length];
  if (clearanceEnd - 1 < 0 || clearanceEnd - 1 === built.greenStartIndex[ids[i]]) return [];
  const last = phases[clearanceEnd - 1].state;
  return ids.filter((id) => id !== next && isSafeTransition(last, phases[built.greenStartIndex[id]].state));
}

/** Whether the next phase's own clearance can follow the last state of phase `i`'s clearance safely. */
function nextClearanceMayFollow(built: BuiltProgram, sig: SumoSignalExternal, ids: readonly string[], i: number, clearanceEnd: number): boolean {
  const phases = built.logic.phases;
  const next = ids[(i + 1) % ids.length];
  const nextClearance = built.greenStartIndex[next] + sig.phaseStates[next].green.length;
  const nextEnd = i + 2 < ids.length ? built.greenStartIndex[ids[i + 2]] : i + 2 === ids.length ? built.cyclePhaseCount : built.greenStartIndex[ids[(i + 2) % ids.length]];
  if (clearanceEnd - 1 < 0 || nextClearance >= nextEnd || nextClearance >= phases.length) return false;
  return isSafeTransition(phases[clearanceEnd - 1].state, phases[nextClearance].state);
}

/** The program phase that shows what the actuation shows. */
export function programIndexOf(built: BuiltProgram, sig: SumoSignalExternal, d: SignalDisplay): number {
  if (d.kind === 'green') return built.greenStartIndex[d.phaseId] + d.segment;
  if (!d.direct) return built.greenStartIndex[d.fromPhaseId] + sig.phaseStates[d.fromPhaseId].green.length + d.segment;
  return built.directClearanceIndex[d.fromPhaseId][d.toPhaseId] + d.segment;
}

export type { NetworkFile };

/** The phases whose green holds back traffic the model does not have (SUMO's uncontrolled links that give way to it). */
function phasesHoldingUnseenTraffic(x: Intersection, sig: SumoSignalExternal): Set<string> {
  const held = new Set(Object.keys(sig.unmodelledYieldersByMovement ?? {}));
  return new Set(x.phases.filter((p) => p.movementIds.some((m) => held.has(m))).map((p) => p.id));
}

/**
 * Per phase holding back unseen traffic, the loops on that traffic's lanes: the set-back loop where a lane has one
 * (vehicles counted as they approach), else its stop-line loop.
 */
function unseenTrafficLoops(x: Intersection, sig: SumoSignalExternal, laneLoops: ReadonlyMap<string, LaneLoopLayout>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const yielders = sig.unmodelledYieldersByMovement ?? {};
  for (const p of x.phases) {
    const loops = new Set<string>();
    for (const m of p.movementIds)
      for (const unseen of yielders[m] ?? []) {
        const from = sig.unmodelledYielderLanes?.[unseen];
        for (const lane of from?.laneIndices ?? []) {
          const layout = laneLoops.get(laneKey(from!.linkId, lane));
          const loop = layout?.advanceLoop ?? layout?.stopLineLoop;
          if (loop) loops.add(loop);
        }
      }
    if (loops.size > 0) out.set(p.id, [...loops]);
  }
  return out;
}

/**
 * A lane whose vehicles turn across a crosswalk green at the same time may stand at the stop line for pedestrians,
 * not behind a blocked exit: its queue keeps holding the green as presence, as before the stalled-queue rule.
 */
export function withoutPedestrianWaits(stopLineLoopOf: Map<string, string>, x: Intersection, sig: SumoSignalExternal, laneLoops: ReadonlyMap<string, LaneLoopLayout>): Map<string, string> {
  const yielding = new Set(sig.movementsYieldingToPedestrians ?? []);
  if (yielding.size === 0) return stopLineLoopOf;
  const out = new Map(stopLineLoopOf);
  for (const m of x.movements) {
    if (!yielding.has(m.id)) continue;
    for (const lane of m.fromLaneIndices) {
      const advance = laneLoops.get(laneKey(m.fromLinkId, lane))?.advanceLoop;
      if (advance !== undefined) out.delete(advance);
    }
  }
  return out;
}
