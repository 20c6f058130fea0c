import { sumoNetworkOf, sumoSignalOf, type SumoSignalExternal } from '../../../network-models/importers/sumo/index.js';
import { maxPressureDecision, type MaxPressureConfig, type MaxPressureMovement } from '../../../engine/index.js';
import { transitionState } from './sumo-program-builder.js';
import type { ControlStats, LoopContext, LoopController } from './loop-controller.js';
import { DetectorCounter } from './detector-counter.js';
import { LoopQueueEstimator } from './loop-queue-estimator.js';
import { NetworkLoops } from '../../../engine/index.js';
import { laneKey, type Intersection } from '../../../network-models/index.js';

export interface MaxPressureControlOptions {
  config?: MaxPressureConfig;
  /** Shortest yellow inserted when a green ends, whatever the network says, seconds. Default 3. */
  minYellowSeconds?: number;
  /** Where queues come from: SUMO's lanes ('lanes', default: more than detectors see) or the induction loops alone ('loops'). */
  queues?: 'lanes' | 'loops';
}

interface Stage {
  kind: 'green' | 'yellow' | 'all-red';
  phaseIndex: number;
  nextPhaseIndex: number;
  since: number;
  until: number;
}

interface SignalState {
  x: Intersection;
  sig: SumoSignalExternal;
  stage: Stage;
  lastState: string;
  /** Lanes (SUMO ids) of each movement's approach, with the number of movements sharing each lane. */
  upstream: Map<string, Array<{ lane: string; share: number; key: string }>>;
  downstream: Map<string, { lanes: string[]; keys: string[] }>;
}

/**
 * Max-pressure baseline: every step, each signal serves the phase with the highest pressure (queue upstream
 * minus queue downstream, weighted by saturation flow) after its minimum green, with yellow and all-red in
 * between. Queues are read from SUMO's lanes (halting vehicles upstream, vehicles downstream), which is more
 * than detectors see: an optimistic baseline. Signal states are set directly (setRedYellowGreenState).
 */
export class MaxPressureControl implements LoopController {
  readonly mode = 'max-pressure' as const;
  private ctx!: LoopContext;
  private signals: SignalState[] = [];
  private switches = 0;
  private counter?: DetectorCounter;
  private estimator?: LoopQueueEstimator;

  constructor(private readonly o: MaxPressureControlOptions = {}) {}

  async init(ctx: LoopContext): Promise<void> {
    this.ctx = ctx;
    const netExt = sumoNetworkOf(ctx.network.external);
    const links = new Map(ctx.network.links.map((l) => [l.id, l]));
    const laneId = (linkId: string, laneIndex: number) => `${linkId}_${netExt?.sumoLaneIndexByLink[linkId]?.[laneIndex] ?? laneIndex}`;
    const lanes = new Set<string>();
    for (const x of ctx.network.intersections) {
      const sig = sumoSignalOf(x.external);
      if (!sig || x.control !== 'signalized' || x.phases.length === 0) continue;
      const laneUse = new Map<string, number>();
      for (const m of x.movements) for (const li of m.fromLaneIndices) laneUse.set(laneId(m.fromLinkId, li), (laneUse.get(laneId(m.fromLinkId, li)) ?? 0) + 1);
      const upstream = new Map<string, Array<{ lane: string; share: number; key: string }>>();
      const downstream = new Map<string, { lanes: string[]; keys: string[] }>();
      for (const m of x.movements) {
        upstream.set(m.id, m.fromLaneIndices.map((li) => ({ lane: laneId(m.fromLinkId, li), share: 1 / (laneUse.get(laneId(m.fromLinkId, li)) ?? 1), key: laneKey(m.fromLinkId, li) })));
        const to = links.get(m.toLinkId);
        const toLanes = to ? Array.from({ length: to.lanes }, (_, i) => laneId(to.id, i)) : [];
        downstream.set(m.id, { lanes: toLanes, keys: to ? Array.from({ length: to.lanes }, (_, i) => laneKey(to.id, i)) : [] });
        upstream.get(m.id)!.forEach((u) => lanes.add(u.lane));
        toLanes.forEach((l) => lanes.add(l));
      }
      const state = sig.phaseStates[x.phases[0].id].green[0].state;
      await ctx.client.trafficLight.setRedYellowGreenState(sig.tlsId, state);
      this.signals.push({
        x,
        sig,
        stage: { kind: 'green', phaseIndex: 0, nextPhaseIndex: 0, since: ctx.beginSeconds, until: Infinity },
        lastState: state,
        upstream,
        downstream,
      });
    }
    if (this.o.queues === 'loops') {
      const ids = ctx.network.detectors.map((d) => d.id);
      this.counter = new DetectorCounter(ids);
      this.estimator = new LoopQueueEstimator(new NetworkLoops(ctx.network).laneLayouts(), this.counter);
      await ctx.client.inductionLoop.subscribe(ids);
    } else await ctx.client.lane.subscribe([...lanes]);
  }

  async afterStep(t: number): Promise<void> {
    if (this.counter && this.estimator) {
      const read = (id: string) => this.ctx.client.inductionLoop.lastStep(id);
      this.counter.addStep(read);
      this.estimator.update(t, read);
    }
    for (const s of this.signals) await this.drive(s, t);
  }

  private async drive(s: SignalState, t: number): Promise<void> {
    const { x } = s;
    const stage = s.stage;
    if (stage.kind === 'green') {
      const est = this.estimator;
      const movements: MaxPressureMovement[] = x.movements.map((m) => {
        if (est) {
          const dn = s.downstream.get(m.id)!.keys;
          return {
            movementId: m.id,
            upstreamQueue: s.upstream.get(m.id)!.reduce((acc, u) => acc + est.queue(u.key) * u.share, 0),
            downstreamQueuePerLane: dn.length === 0 ? 0 : dn.reduce((acc, k) => acc + est.queue(k), 0) / dn.length,
            saturationFlowVehPerHour: m.saturationFlowVehPerHour,
          };
        }
        const up = s.upstream.get(m.id)!.reduce((acc, u) => acc + (this.ctx.client.lane.lastStep(u.lane)?.halting ?? 0) * u.share, 0);
        const dn = s.downstream.get(m.id)!;
        const down = dn.lanes.length === 0 ? 0 : dn.lanes.reduce((acc, l) => acc + (this.ctx.client.lane.lastStep(l)?.vehicles ?? 0), 0) / dn.lanes.length;
        return { movementId: m.id, upstreamQueue: up, downstreamQueuePerLane: down, saturationFlowVehPerHour: m.saturationFlowVehPerHour };
      });
      const decision = maxPressureDecision(
        { phases: x.phases.map((p) => ({ phaseId: p.id, movementIds: p.movementIds, minGreenSeconds: p.minGreenSeconds, maxGreenSeconds: p.maxGreenSeconds })), movements, currentPhaseId: x.phases[stage.phaseIndex].id, currentGreenSeconds: t - stage.since },
        this.o.config,
      );
      const next = x.phases.findIndex((p) => p.id === decision.phaseId);
      if (next === stage.phaseIndex || next < 0) return;
      this.switches++;
      const ph = x.phases[stage.phaseIndex];
      const yellow = Math.max(ph.yellowSeconds, this.o.minYellowSeconds ?? 3);
      s.stage = { kind: 'yellow', phaseIndex: stage.phaseIndex, nextPhaseIndex: next, since: t, until: t + yellow };
      await this.set(s, transitionState(this.greenState(s, stage.phaseIndex), this.greenState(s, next), 'yellow'));
      return;
    }
    if (t + 1e-9 < stage.until) return;
    if (stage.kind === 'yellow' && x.phases[stage.phaseIndex].allRedSeconds > 0) {
      s.stage = { ...stage, kind: 'all-red', since: t, until: t + x.phases[stage.phaseIndex].allRedSeconds };
      await this.set(s, transitionState(this.greenState(s, stage.phaseIndex), this.greenState(s, stage.nextPhaseIndex), 'all-red'));
      return;
    }
    s.stage = { kind: 'green', phaseIndex: stage.nextPhaseIndex, nextPhaseIndex: stage.nextPhaseIndex, since: t, until: Infinity };
    await this.set(s, this.greenState(s, stage.nextPhaseIndex));
  }

  private greenState(s: SignalState, phaseIndex: number): string {
    return s.sig.phaseStates[s.x.phases[phaseIndex].id].green[0].state;
  }

  private async set(s: SignalState, state: string): Promise<void> {
    if (state === s.lastState) return;
    s.lastState = state;
    await this.ctx.client.trafficLight.setRedYellowGreenState(s.sig.tlsId, state);
  }

  stats(): ControlStats {
    return { planUpdates: this.switches, plansRejected: 0 };
  }
  dispose(): void {}
}
