import { Subject, type Subscription } from 'rxjs';
import type { Intersection, NetworkFile, Phase } from '../../../network-models/index.js';
import type { PhasePlan, ScheduledPlan } from '../../../engine/index.js';
import { createEnginePipeline, checkPlanSafety, VirtualClockScheduler, type EngineConfigInput } from '../../../engine/index.js';
import { sumoSignalOf, type SumoSignalExternal } from '../../../network-models/importers/sumo/index.js';
import type { ControlStats, LoopContext, LoopController } from './loop-controller.js';
import { DetectorCounter } from './detector-counter.js';
import { inGreenBlock, skipJumpIndex } from './phase-skip.js';
import { NetworkLoops, type PhaseLoops } from './phase-loops.js';
import { buildSumoProgram, fallbackTimings, programFromPlan, type BuiltProgram, type SumoProgramType } from './sumo-program-builder.js';

export interface EngineControlOptions {
  /** Counting interval of the detector counts fed to the engine, seconds. Default 30. */
  countIntervalSeconds?: number;
  config?: EngineConfigInput;
  /**
   * Local actuation inside the plan's bounds. 'gap-out' (default): the adapter ends a green early after a gap
   * in detections once the plan's minimum green is served, and extends it while vehicles keep coming up to the
   * plan's maximum. 'sumo-actuated': plans are loaded as SUMO actuated programs with minDur/maxDur from the
   * bounds (SUMO then ignores cycle and offset). 'none': plans run fixed-time.
   */
  actuation?: 'none' | 'sumo-actuated' | 'gap-out';
  /** Gap without detections that ends a green, seconds (SUMO's actuated uses 3 too). Default 3. */
  gapSeconds?: number;
  /** Which phases a movement's loops hold green: only its own ('own', default: the phase serving it with the fewest
   * other movements) or every phase that serves it ('all'). */
  gapDetectorsPerMovement?: 'own' | 'all';
  /** Which loops of a lane are watched for gaps: only the advance loop where there is one ('upstream', default, like an
   * actuated controller's set-back loops) or every one ('all'). */
  gapLoops?: 'all' | 'upstream';
  /** Pass over phases without demand (never the first phase, nor phases with pedestrian timing, nor a phase with a
   * lane no loop covers; at most maxConsecutiveSkips times in a row). Default true. */
  phaseSkipping?: boolean;
  /** A phase skipped this many times in a row is served the next time (default 2). */
  maxConsecutiveSkips?: number;
  /** A phase that only protects movements another phase also serves is called only by vehicles waiting at its
   * stop line when it is due (default true). */
  conditionalProtectedPhases?: boolean;
  /**
   * Added initial green, as actuated controllers do: vehicles counted over a phase's advance loops while it was
   * red queue between the loop and the stop line, where no gap can be seen, so its minimum green is raised to
   * discharge them (start-up plus a saturation headway per vehicle on the busiest lane), within the plan's
   * maximum. Default true.
   */
  addedInitial?: boolean;
  /**
   * Without a conflicting call (a vehicle waiting on a lane this green does not serve, a turner waiting at the stop
   * line of its protected phase, or a phase with pedestrian timing or undetected lanes) the green rests instead of
   * gapping out, up to the phase's own maximum; the plan's maximum then counts from the first conflicting call.
   * Default true.
   */
  restInGreen?: boolean;
  /**
   * What keeps a green: any vehicle on a phase's gap loops ('presence'), only one arriving on them ('passage'), or
   * presence on set-back loops and passage on stop-line loops ('hybrid', default: a vehicle standing at the stop
   * line, a turner waiting for a gap or one blocked by a queue beyond the junction, does not hold the green). Calls
   * are always by presence: a vehicle waiting at the stop line calls its phase.
   */
  gapDetection?: 'passage' | 'presence' | 'hybrid';
  /** Green added per extension while vehicles keep coming, seconds. Default 2. */
  extensionSeconds?: number;
  /** Pull each signal's cycle towards the plan's offset by adjusting the first phase's green. Default true. */
  offsetSync?: boolean;
  /**
   * Plays these plans, each from its time (engine time, epoch ms; in time order), instead of running the engine:
   * recorded plans replayed open loop, with the same safety gate and the same local actuation as the engine's.
   */
  planSchedule?: readonly ScheduledPlan[];
  /**
   * Decide a skip as the green before the skipped phase ends and go through a direct clearance to the chosen
   * phase (default true); false: decide at the end of the running clearance and pass through the skipped phase's
   * own clearance where the running one still shows a green.
   */
  directSkips?: boolean;
}

interface SignalState {
  x: Intersection;
  sig: SumoSignalExternal;
  built: BuiltProgram;
  plan: PhasePlan | null;
  pending: PhasePlan | null;
  lastPhaseIndex: number;
  phaseStartSeconds: number;
  phaseEndSeconds: number;
  greenStartSeconds: number;
  /** Minimum green of the running green raised to discharge the queue counted on red (added initial), seconds. */
  initialGreenSeconds: number;
  programSeq: number;
  /** When the running green's maximum started to count: its start, or the first conflicting call after a rest. */
  maxTimerStartSeconds: number;
  /** Program index to jump to once the running clearance has run its full length (phase skipping). */
  skipTo?: number;
}

/**
 * The engine in the loop: induction loop counts go into the engine pipeline (virtual time = simulation time),
 * plans that pass the safety gate are loaded into SUMO as programs at the start of a phase's green (never
 * cutting a green or a clearance short), and each signal's cycle is pulled towards the plan's offset by
 * stretching or shortening the first phase's green within the phase's bounds.
 */
export class EngineControl implements LoopController {
  readonly mode = 'engine' as const;
  private ctx!: LoopContext;
  private scheduler!: VirtualClockScheduler;
  private counts$ = new Subject<unknown>();
  private sub: Subscription | null = null;
  private counter!: DetectorCounter;
  private signals = new Map<string, SignalState>();
  private nextFlushSeconds = 0;
  private planUpdates = 0;
  private plansRejected = 0;
  private readonly interval: number;
  private readonly actuation: 'none' | 'sumo-actuated' | 'gap-out';
  private readonly gap: number;
  /** The loops each phase reads (by intersection and phase id). */
  private phaseLoops = new Map<string, PhaseLoops>();
  private phasesSkipped = 0;
  /** Last time each loop had a vehicle on it (calls). */
  private lastSeen = new Map<string, number>();
  /** Last time each loop saw what keeps a green (gaps): a vehicle on it, or one arriving, per `gapDetection`. */
  private lastGapEvent = new Map<string, number>();
  private onLoop = new Map<string, Set<string>>();
  /** Consecutive skips of each phase; past maxConsecutiveSkips it is served (a recall against starvation). */
  private skipsInARow = new Map<string, number>();
  /** How long after a detection a loop still counts as a call, seconds. */
  private callWindow = new Map<string, number>();
  /** Each advance loop's vehicle total when its phase's green last ended. */
  private totalAtRedStart = new Map<string, number>();
  /** Next entry of the plan schedule to deliver, when plans come from a schedule. */
  private scheduleIndex = 0;

  constructor(private readonly o: EngineControlOptions = {}) {
    this.interval = o.countIntervalSeconds ?? 30;
    this.actuation = o.actuation ?? 'gap-out';
    this.gap = o.gapSeconds ?? 3;
  }

  async init(ctx: LoopContext): Promise<void> {
    this.ctx = ctx;
    const startMs = ctx.epochMs + ctx.beginSeconds * 1000;
    this.scheduler = new VirtualClockScheduler(startMs);
    const detectorIds = ctx.network.detectors.map((d) => d.id);
    this.counter = new DetectorCounter(detectorIds);
    await ctx.client.inductionLoop.subscribe(detectorIds);

    const loopIndex = new NetworkLoops(ctx.network);
    for (const x of ctx.network.intersections) {
      const sig = sumoSignalOf(x.external);
      if (!sig || x.control !== 'signalized') continue;
      // start every signal on the network's own timing, as our program, so phases can be tracked from here on
      const built = buildSumoProgram(sig, fallbackTimings(x), `gw-engine-0`, 'static', { directClearances: true });
      await ctx.client.trafficLight.setProgramLogic(sig.tlsId, built.logic);
      const b = ctx.beginSeconds;
      this.signals.set(x.id, { x, sig, built, plan: null, pending: null, lastPhaseIndex: 0, phaseStartSeconds: b, phaseEndSeconds: b + built.logic.phases[0].durationSeconds, greenStartSeconds: b, initialGreenSeconds: 0, programSeq: 0, maxTimerStartSeconds: b });
      const loops = loopIndex.phaseLoops(x, { gapDetectorsPerMovement: this.o.gapDetectorsPerMovement ?? 'own', gapLoops: this.o.gapLoops ?? 'upstream', gapSeconds: this.gap });
      for (const [phaseId, l] of loops.phases) this.phaseLoops.set(`${x.id}\u0000${phaseId}`, l);
      for (const [loop, seconds] of loops.callWindowSeconds) this.callWindow.set(loop, seconds);
    }
    await ctx.client.trafficLight.subscribe([...this.signals.values()].map((s) => s.sig.tlsId));

    if (this.o.planSchedule) return;
    this.sub = createEnginePipeline(ctx.network, this.counts$, { scheduler: this.scheduler, config: this.o.config }).subscribe({
      next: (ev) => {
        if (ev.type === 'plan') this.onPlan(ev.plan);
        else if (ev.type === 'plan-rejected') this.plansRejected++;
        else if (ev.type === 'input-error') ctx.logger.debug({ error: ev.error }, 'engine rejected a count');
        else if (ev.type === 'kpi' && ctx.logger.isLevelEnabled('trace')) ctx.logger.trace({ t: (ev.atMs - ctx.epochMs) / 1000, kpis: ev.kpis, demand: ev.demand }, 'engine kpi');
      },
      error: (err: unknown) => ctx.logger.error({ err }, 'engine pipeline failed'),
    });
    this.nextFlushSeconds = ctx.beginSeconds + this.interval;
  }

  private onPlan(plan: PhasePlan): void {
    const s = this.signals.get(plan.intersectionId);
    if (!s) return;
    // the same gate as plans arriving over WebSocket
    const problems = checkPlanSafety(plan, s.x);
    if (problems.length > 0) {
      this.plansRejected++;
      this.ctx.logger.warn({ intersectionId: plan.intersectionId, problems }, 'plan refused by the safety gate; not sent to SUMO');
      return;
    }
    s.pending = plan;
  }

  async afterStep(t: number): Promise<void> {
    const { client } = this.ctx;
    this.counter.addStep((id) => client.inductionLoop.lastStep(id));
    if (this.actuation === 'gap-out')
      for (const d of this.ctx.network.detectors) {
        const ids = client.inductionLoop.lastStep(d.id)?.vehicleIds ?? [];
        if (ids.length > 0) this.lastSeen.set(d.id, t);
        const gapMode = this.o.gapDetection ?? 'hybrid';
        const mode = gapMode === 'hybrid' ? (d.kind === 'advance' ? 'presence' : 'passage') : gapMode;
        if (mode === 'presence') {
          if (ids.length > 0) this.lastGapEvent.set(d.id, t);
          continue;
        }
        // passage: a vehicle that arrives on the loop; one standing on it does not hold the green
        const before = this.onLoop.get(d.id);
        if (ids.some((v) => !before?.has(v))) this.lastGapEvent.set(d.id, t);
        this.onLoop.set(d.id, new Set(ids));
      }
    const schedule = this.o.planSchedule;
    if (schedule) {
      const nowMs = this.ctx.epochMs + Math.round(t * 1000);
      for (; this.scheduleIndex < schedule.length && schedule[this.scheduleIndex].atMs <= nowMs; this.scheduleIndex++) this.onPlan(schedule[this.scheduleIndex].plan);
    } else if (t + 1e-9 >= this.nextFlushSeconds) {
      const ts = this.ctx.epochMs + Math.round(t * 1000);
      this.scheduler.advanceTo(ts);
      // the engine's raw input record: {detectorId, timestamp, count, intervalSeconds, occupancy}
      for (const c of this.counter.flush(ts, this.interval))
        this.counts$.next({ detectorId: c.detectorId, timestamp: c.timestampMs, count: c.count, intervalSeconds: c.intervalSeconds, occupancy: c.occupancy });
      this.nextFlushSeconds += this.interval;
    }
    this.scheduler.advanceTo(this.ctx.epochMs + Math.round(t * 1000));
    for (const s of this.signals.values()) await this.drive(s, t);
  }

  private async drive(s: SignalState, t: number): Promise<void> {
    const tl = this.ctx.client.trafficLight.lastStep(s.sig.tlsId);
    if (!tl) return;
    if (tl.phaseIndex !== s.lastPhaseIndex) {
      s.skipTo = undefined;
      await this.onPhaseChange(s, tl.phaseIndex, t);
    }
    if (this.actuation !== 'gap-out') return;
    if (this.o.phaseSkipping !== false && (await this.skipPhases(s, t))) return;
    await this.actuate(s, t);
  }

  private async onPhaseChange(s: SignalState, phaseIndex: number, t: number): Promise<void> {
    if (this.o.addedInitial !== false) this.countQueues(s, s.lastPhaseIndex, phaseIndex);
    s.lastPhaseIndex = phaseIndex;
    s.phaseStartSeconds = t;
    s.phaseEndSeconds = t + (s.built.logic.phases[phaseIndex]?.durationSeconds ?? 0);
    const phaseId = Object.keys(s.built.greenStartIndex).find((id) => s.built.greenStartIndex[id] === phaseIndex);
    if (phaseId !== undefined) {
      s.greenStartSeconds = t;
      s.maxTimerStartSeconds = t;
      s.initialGreenSeconds = this.o.addedInitial !== false ? this.addedInitialSeconds(s, phaseId) : 0;
    }
    if (phaseId !== undefined && s.pending) {
      // a green just started: switch programs here, so no green or clearance is cut short
      const plan = s.pending;
      s.pending = null;
      s.programSeq++;
      const type: SumoProgramType = this.actuation === 'sumo-actuated' && plan.phases.some((p) => p.maxGreenSeconds > p.minGreenSeconds) ? 'actuated' : 'static';
      const built = programFromPlan(plan, s.x, `gw-engine-${s.programSeq}`, type, { directClearances: type === 'static' });
      built.logic.currentPhaseIndex = built.greenStartIndex[phaseId];
      await this.ctx.client.trafficLight.setProgramLogic(s.sig.tlsId, built.logic);
      s.built = built;
      s.plan = plan;
      s.lastPhaseIndex = built.logic.currentPhaseIndex;
      s.phaseEndSeconds = t + built.logic.phases[built.logic.currentPhaseIndex].durationSeconds;
      this.planUpdates++;
      this.ctx.logger.debug(
        { t, tls: s.sig.tlsId, version: plan.version, cycle: plan.cycleSeconds, offset: plan.offsetSeconds, greens: plan.phases.map((p) => p.greenSeconds), source: plan.source },
        'plan loaded into SUMO',
      );
    }
    // offset: when the first phase's variable green starts, stretch or shorten it towards the plan's offset
    const first = s.x.phases[0];
    if (this.o.offsetSync !== false && s.plan && first && s.lastPhaseIndex === s.built.variableIndex[first.id] && s.built.logic.type === 0) {
      const cycle = s.built.cycleSeconds;
      const err = mod(this.ctx.epochMs / 1000 + s.greenStartSeconds - s.plan.offsetSeconds, cycle);
      if (err > 0.5 && cycle - err > 0.5) {
        const phase = s.built.logic.phases[s.lastPhaseIndex];
        const fixed = this.fixedGreen(s, first.id);
        const minVar = Math.max(1, first.minGreenSeconds - fixed);
        const maxVar = Math.max(minVar, first.maxGreenSeconds - fixed);
        // late by err: shorten; early by cycle - err: stretch; whichever is the smaller correction
        const target = err <= cycle / 2 ? phase.durationSeconds - err : phase.durationSeconds + (cycle - err);
        const d = Math.min(maxVar, Math.max(minVar, target));
        if (Math.abs(d - phase.durationSeconds) >= 0.5) await this.setRemaining(s, t, d);
      }
    }
  }

  /**
   * Phase skipping, as actuated controllers do: when the running clearance is about to hand over to a phase whose
   * loops have seen no vehicle within the gap, the sequence jumps past it (and its clearance) to the next phase
   * with demand. The jump is made only once the clearance has run its full length (it is held one step longer,
   * then left), so the skipped phase never shows green and no clearance is ever cut. The first phase (the
   * offset's reference) and phases with pedestrian timing are never skipped, nor is anything when no other phase
   * has demand.
   */
  private async skipPhases(s: SignalState, t: number): Promise<boolean> {
    const step = this.ctx.stepSeconds;
    if (s.skipTo !== undefined) {
      const index = s.skipTo;
      s.skipTo = undefined;
      const tl = this.ctx.client.trafficLight.lastStep(s.sig.tlsId);
      if (index === undefined || tl?.phaseIndex !== s.lastPhaseIndex) return false;
      await this.ctx.client.trafficLight.setPhase(s.sig.tlsId, index);
      await this.onPhaseChange(s, index, t);
      return true;
    }
    // only in a clearance (an index outside every phase's green block) that has run all but its last step; a
    // clearance may keep a turn green (a permissive left carried into its protected phase)
    const cur = s.built.logic.phases[s.lastPhaseIndex];
    if (!cur || inGreenBlock(s.built, s.sig, s.x.phases.map((p) => p.id), s.lastPhaseIndex)) return false;
    const elapsed = t - s.phaseStartSeconds;
    if (elapsed + step < cur.durationSeconds - 1e-9 || elapsed >= cur.durationSeconds - 1e-9) return false;
    const remaining = cur.durationSeconds - elapsed;
    if (s.lastPhaseIndex >= s.built.cyclePhaseCount) return false;
    const nextIndex = (s.lastPhaseIndex + 1) % s.built.cyclePhaseCount;
    const k = s.x.phases.findIndex((p) => s.built.greenStartIndex[p.id] === nextIndex);
    if (k < 0) return false;
    const target = this.choosePhase(s, k, t);
    if (target === undefined) return false;
    this.noteChoice(s, k, target, t);
    if (target === k) return false;
    // hold the clearance one more step so it runs in full, then jump at the next step: to the green of the chosen
    // phase, or, when the running clearance still shows green to a movement that green would stop, to the skipped
    // phase's own clearance, which gives that movement its yellow
    await this.setRemaining(s, t, remaining + step);
    s.skipTo = skipJumpIndex(s.built, s.sig, s.lastPhaseIndex, s.x.phases[k].id, s.x.phases[target].id);
    return true;
  }

  /**
   * Which phase to serve when phase `k` (an index into the intersection's phases) is due: `k` itself unless it
   * has no call, then the next in sequence with one. The first phase (the offset's reference) and phases with
   * pedestrian timing are never passed over, nor is a phase without loops on every lane, nor one passed over
   * `maxConsecutiveSkips` times in a row (a recall, against a failed loop). Undefined when no phase has a call:
   * the sequence goes on, and no skip is counted.
   */
  private choosePhase(s: SignalState, k: number, t: number): number | undefined {
    const phases = s.x.phases;
    if (k <= 0 || phases[k].pedestrian) return k;
    const demand = (p: (typeof phases)[number]) => {
      const loops = this.phaseLoops.get(`${s.x.id}\u0000${p.id}`);
      const waitingAt = loops?.protectedOnlyStopLines;
      if (waitingAt && this.o.conditionalProtectedPhases !== false) return this.standingOn(waitingAt, t);
      return this.hasCall(loops?.callLoops, t);
    };
    const key = `${s.x.id}\u0000${phases[k].id}`;
    // the recall guards against a caller gone unseen (a failed loop); a protected-only phase needs none, its
    // movements are served in their permissive green anyway
    const loops = this.phaseLoops.get(key);
    const recall = !loops?.protectedOnlyStopLines && (this.skipsInARow.get(key) ?? 0) >= (this.o.maxConsecutiveSkips ?? 2);
    if (!loops?.fullyDetected || recall || demand(phases[k])) return k;
    for (let n = 1; n < phases.length; n++) {
      const next = (k + n) % phases.length;
      if (demand(phases[next])) return next;
    }
    return undefined;
  }

  /** A choice acted on: a phase served clears its run of skips, a phase passed over adds to it. */
  private noteChoice(s: SignalState, k: number, target: number, t: number): void {
    const key = `${s.x.id}\u0000${s.x.phases[k].id}`;
    if (target === k) {
      this.skipsInARow.set(key, 0);
      return;
    }
    this.skipsInARow.set(key, (this.skipsInARow.get(key) ?? 0) + 1);
    this.phasesSkipped++;
    this.ctx.logger.trace({ t, tls: s.sig.tlsId, skip: s.x.phases[k].id, to: s.x.phases[target].id }, 'phase skip');
  }

  /**
   * The green of `phase` ends now (`cut`: before its programmed end). When the next phase in sequence is passed
   * over, the signal goes straight into the direct clearance towards the chosen phase, as an actuated controller
   * decides the next phase before the yellow; otherwise the program's own clearance follows.
   */
  private async endGreen(s: SignalState, t: number, phase: Phase, cut: boolean): Promise<void> {
    const phases = s.x.phases;
    const k = (phases.indexOf(phase) + 1) % phases.length;
    if (this.o.phaseSkipping !== false && this.o.directSkips !== false && this.fixedGreenAfterVariable(s, phase.id) === 0) {
      const target = this.choosePhase(s, k, t);
      const direct = target !== undefined && target !== k ? s.built.directClearanceIndex[phase.id]?.[phases[target].id] : undefined;
      if (target !== undefined && direct !== undefined) {
        this.noteChoice(s, k, target, t);
        await this.ctx.client.trafficLight.setPhase(s.sig.tlsId, direct);
        await this.onPhaseChange(s, direct, t);
        return;
      }
    }
    if (cut) await this.setRemaining(s, t, this.ctx.stepSeconds / 2);
  }

  /**
   * Local actuation inside the plan's bounds, in the variable green of each phase: after the plan's minimum
   * green, a gap of `gapSeconds` without any vehicle on the phase's detectors ends the green early; while
   * vehicles keep coming, the green is extended past its planned end up to the plan's maximum.
   */
  private async actuate(s: SignalState, t: number): Promise<void> {
    const phase = s.x.phases.find((p) => s.built.variableIndex[p.id] === s.lastPhaseIndex);
    if (!phase) return;
    const timing = s.plan?.phases.find((p) => p.phaseId === phase.id);
    const maxG = timing?.maxGreenSeconds ?? phase.maxGreenSeconds;
    const minG = Math.min(maxG, Math.max(timing?.minGreenSeconds ?? phase.minGreenSeconds, s.initialGreenSeconds));
    const elapsed = t - s.greenStartSeconds;
    const maxElapsed = t - s.maxTimerStartSeconds;
    const fixedAfter = this.fixedGreenAfterVariable(s, phase.id);
    const lastSeen = Math.max(-Infinity, ...(this.phaseLoops.get(`${s.x.id}\u0000${phase.id}`)?.gapLoops ?? []).map((d) => this.lastGapEvent.get(d) ?? -Infinity));
    const remaining = s.phaseEndSeconds - t;
    const step = this.ctx.stepSeconds;
    const demand = t - lastSeen < this.gap;
    if (this.o.restInGreen !== false && !this.conflictingDemand(s, phase.id, t)) {
      // nobody waits for another phase: the green rests (up to the phase's own maximum) instead of running a
      // clearance for nothing, and its maximum starts counting at the first conflicting call, as in NEMA controllers
      s.maxTimerStartSeconds = t;
      if (remaining <= step + 1e-9 && elapsed + fixedAfter + step <= phase.maxGreenSeconds)
        await this.setRemaining(s, t, Math.min(this.o.extensionSeconds ?? 2, phase.maxGreenSeconds - elapsed - fixedAfter));
      return;
    }
    if (!demand && elapsed + fixedAfter >= minG && remaining > step) {
      await this.endGreen(s, t, phase, true);
    } else if (demand && remaining <= step + 1e-9 && maxElapsed + fixedAfter + step <= maxG) {
      await this.setRemaining(s, t, Math.min(this.o.extensionSeconds ?? 2, maxG - maxElapsed - fixedAfter));
    } else if (remaining <= step + 1e-9 && fixedAfter === 0) {
      await this.endGreen(s, t, phase, false);
    }
  }

  /** When a phase's green ends, the totals of its advance loops are noted: what passes them from then on queues. */
  private countQueues(s: SignalState, from: number, to: number): void {
    const ids = s.x.phases.map((p) => p.id);
    for (const id of ids) {
      const start = s.built.greenStartIndex[id];
      const length = s.sig.phaseStates[id]?.green.length ?? 1;
      const inGreen = (i: number) => start !== undefined && i >= start && i < start + length;
      if (!inGreen(from) || inGreen(to)) continue;
      for (const loop of this.phaseLoops.get(`${s.x.id}\u0000${id}`)?.advanceGapLoops ?? []) this.totalAtRedStart.set(loop, this.counter.total(loop));
    }
  }

  /** Green needed to discharge the vehicles that passed the phase's advance loops on red: start-up plus headways. */
  private addedInitialSeconds(s: SignalState, phaseId: string): number {
    let queued = 0;
    for (const loop of this.phaseLoops.get(`${s.x.id}\u0000${phaseId}`)?.advanceGapLoops ?? [])
      queued = Math.max(queued, this.counter.total(loop) - (this.totalAtRedStart.get(loop) ?? this.counter.total(loop)));
    return queued > 0 ? START_UP_SECONDS + SATURATION_HEADWAY_SECONDS * queued : 0;
  }

  /** Whether any phase other than this one has a call (a conflicting call). */
  private conflictingDemand(s: SignalState, phaseId: string, t: number): boolean {
    for (const p of s.x.phases) {
      if (p.id === phaseId) continue;
      const loops = this.phaseLoops.get(`${s.x.id}\u0000${p.id}`);
      // pedestrians and lanes no loop covers may wait unseen; a turner standing at the stop line of its protected
      // phase is not sure to find a gap in this green
      if (p.pedestrian || !loops?.fullyDetected) return true;
      if (loops.protectedOnlyStopLines && this.standingOn(loops.protectedOnlyStopLines, t)) return true;
    }
    return this.hasCall(this.phaseLoops.get(`${s.x.id}\u0000${phaseId}`)?.conflictingLoops, t);
  }

  /**
   * A call on these loops: a vehicle on one of them within the gap, or one that passed an advance loop recently
   * enough to be still on its way to the stop line (distance / free-flow speed, plus 2 s).
   */
  private hasCall(loops: readonly string[] | undefined, t: number): boolean {
    for (const d of loops ?? []) if (t - (this.lastSeen.get(d) ?? -Infinity) < (this.callWindow.get(d) ?? this.gap)) return true;
    return false;
  }

  /** A vehicle on one of these loops now. */
  private standingOn(loops: readonly string[], t: number): boolean {
    return loops.some((d) => this.lastSeen.get(d) === t);
  }

  private async setRemaining(s: SignalState, t: number, seconds: number): Promise<void> {
    await this.ctx.client.trafficLight.setPhaseDuration(s.sig.tlsId, seconds);
    s.phaseEndSeconds = t + seconds;
  }

  private fixedGreen(s: SignalState, phaseId: string): number {
    const ps = s.sig.phaseStates[phaseId];
    return ps.green.reduce((acc, g, i) => (i === ps.variableGreenIndex ? acc : acc + g.durationSeconds), 0);
  }

  private fixedGreenAfterVariable(s: SignalState, phaseId: string): number {
    const ps = s.sig.phaseStates[phaseId];
    return ps.green.reduce((acc, g, i) => (i > ps.variableGreenIndex ? acc + g.durationSeconds : acc), 0);
  }

  stats(): ControlStats {
    return { planUpdates: this.planUpdates, plansRejected: this.plansRejected };
  }

  dispose(): void {
    // also called when SUMO never started, before init
    this.ctx?.logger.debug({ phasesSkipped: this.phasesSkipped, planUpdates: this.planUpdates }, 'engine control finished');
    this.counts$.complete();
    this.sub?.unsubscribe();
  }
}

/** Lost time before a queue moves, and the headway it then discharges at (1,800 veh/h per lane), seconds. */
const START_UP_SECONDS = 2;
const SATURATION_HEADWAY_SECONDS = 2;

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

export type { NetworkFile };
