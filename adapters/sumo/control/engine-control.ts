import { Subject, type Subscription } from 'rxjs';
import type { Intersection, NetworkFile } from '../../../network-models/network-types.js';
import type { PhasePlan } from '../../../engine/plan-types.js';
import { createEnginePipeline, checkPlanSafety, VirtualClockScheduler, type EngineConfigInput } from '../../../engine/index.js';
import { sumoSignalOf, type SumoSignalExternal } from '../../../network-models/importers/sumo/index.js';
import type { ControlStats, LoopContext, LoopController } from './loop-controller.js';
import { DetectorCounter } from './detector-counter.js';
import { buildSumoProgram, fallbackTimings, programFromPlan, type BuiltProgram, type SumoProgramType } from './sumo-program-builder.js';

export interface EngineControlOptions {
  /** Counting interval of the detector counts fed to the engine, seconds. Default 30. */
  countIntervalSeconds?: number;
  config?: EngineConfigInput;
  /**
   * Local actuation inside the plan's bounds: 'sumo-actuated' loads plans whose phases have min < max green as
   * SUMO actuated programs (minDur/maxDur from the bounds); 'none' runs them fixed-time. Default 'none'.
   */
  actuation?: 'none' | 'sumo-actuated';
}

interface SignalState {
  x: Intersection;
  sig: SumoSignalExternal;
  built: BuiltProgram;
  plan: PhasePlan | null;
  pending: PhasePlan | null;
  lastPhaseIndex: number;
  lastPhaseChangeSeconds: number;
  programSeq: number;
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

  constructor(private readonly o: EngineControlOptions = {}) {
    this.interval = o.countIntervalSeconds ?? 30;
  }

  async init(ctx: LoopContext): Promise<void> {
    this.ctx = ctx;
    const startMs = ctx.epochMs + ctx.beginSeconds * 1000;
    this.scheduler = new VirtualClockScheduler(startMs);
    const detectorIds = ctx.network.detectors.map((d) => d.id);
    this.counter = new DetectorCounter(detectorIds);
    await ctx.client.inductionLoop.subscribe(detectorIds);

    for (const x of ctx.network.intersections) {
      const sig = sumoSignalOf(x.external);
      if (!sig || x.control !== 'signalized') continue;
      // start every signal on the network's own timing, as our program, so phases can be tracked from here on
      const built = buildSumoProgram(sig, fallbackTimings(x), `gw-engine-0`, 'static');
      await ctx.client.trafficLight.setProgramLogic(sig.tlsId, built.logic);
      this.signals.set(x.id, { x, sig, built, plan: null, pending: null, lastPhaseIndex: 0, lastPhaseChangeSeconds: ctx.beginSeconds, programSeq: 0 });
    }
    await ctx.client.trafficLight.subscribe([...this.signals.values()].map((s) => s.sig.tlsId));

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
    if (t + 1e-9 >= this.nextFlushSeconds) {
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
    if (!tl || tl.phaseIndex === s.lastPhaseIndex) return;
    s.lastPhaseIndex = tl.phaseIndex;
    s.lastPhaseChangeSeconds = t;
    const phaseId = Object.keys(s.built.greenStartIndex).find((id) => s.built.greenStartIndex[id] === tl.phaseIndex);
    if (phaseId !== undefined && s.pending) {
      // a green just started: switch programs here, so no green or clearance is cut short
      const plan = s.pending;
      s.pending = null;
      s.programSeq++;
      const type: SumoProgramType = this.o.actuation === 'sumo-actuated' && plan.phases.some((p) => p.maxGreenSeconds > p.minGreenSeconds) ? 'actuated' : 'static';
      const built = programFromPlan(plan, s.x, `gw-engine-${s.programSeq}`, type);
      built.logic.currentPhaseIndex = built.greenStartIndex[phaseId];
      await this.ctx.client.trafficLight.setProgramLogic(s.sig.tlsId, built.logic);
      s.built = built;
      s.plan = plan;
      s.lastPhaseIndex = built.logic.currentPhaseIndex;
      this.planUpdates++;
      this.ctx.logger.debug(
        { t, tls: s.sig.tlsId, version: plan.version, cycle: plan.cycleSeconds, offset: plan.offsetSeconds, greens: plan.phases.map((p) => p.greenSeconds), source: plan.source },
        'plan loaded into SUMO',
      );
    }
    // offset: when the first phase's variable green starts, stretch or shorten it towards the plan's offset
    const first = s.x.phases[0];
    if (s.plan && first && tl.phaseIndex === s.built.variableIndex[first.id] && s.built.logic.type === 0) {
      const cycle = s.built.cycleSeconds;
      const greenStart = t - (s.built.variableIndex[first.id] - s.built.greenStartIndex[first.id] > 0 ? this.elapsedGreenBefore(s, first.id) : 0);
      const err = mod(this.ctx.epochMs / 1000 + greenStart - s.plan.offsetSeconds, cycle);
      if (err > 0.5 && cycle - err > 0.5) {
        const phase = s.built.logic.phases[tl.phaseIndex];
        const fixed = s.sig.phaseStates[first.id].green.reduce((acc, g, i) => (i === s.sig.phaseStates[first.id].variableGreenIndex ? acc : acc + g.durationSeconds), 0);
        const minVar = Math.max(1, first.minGreenSeconds - fixed);
        const maxVar = Math.max(minVar, first.maxGreenSeconds - fixed);
        // late by err: shorten; early by cycle - err: stretch; whichever is the smaller correction
        const target = err <= cycle / 2 ? phase.durationSeconds - err : phase.durationSeconds + (cycle - err);
        const d = Math.min(maxVar, Math.max(minVar, target));
        if (Math.abs(d - phase.durationSeconds) >= 0.5) await this.ctx.client.trafficLight.setPhaseDuration(s.sig.tlsId, d);
      }
    }
  }

  private elapsedGreenBefore(s: SignalState, phaseId: string): number {
    let sum = 0;
    for (let i = s.built.greenStartIndex[phaseId]; i < s.built.variableIndex[phaseId]; i++) sum += s.built.logic.phases[i].durationSeconds;
    return sum;
  }

  stats(): ControlStats {
    return { planUpdates: this.planUpdates, plansRejected: this.plansRejected };
  }

  dispose(): void {
    this.counts$.complete();
    this.sub?.unsubscribe();
  }
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

export type { NetworkFile };
