import { ActuatedSignal, DetectorTracker, layoutFromPlan, type PhasePlan } from '../../engine/index.js';
import type { Intersection } from '../../network-models/index.js';
import type { SignalState } from './signal-timeline.js';

/** A controller catching up further than this re-starts its timing at the present instead (a clock jump). */
const MAX_CATCH_UP_SECONDS = 6 * 3600;

/**
 * The signal a simulated cabinet shows: the engine's local actuation module (engine/actuation) running the plan
 * in force fixed-time on the cabinet's clock, one second at a time, exactly as it runs in the SUMO closed loop.
 * A new plan takes effect at the next start of a green, and the cycle is pulled towards the plan's offset within
 * the phases' bounds, as a real controller transitions.
 */
export class SimulatedSignal {
  private signal!: ActuatedSignal;
  private steppedTo = 0;
  private plan: PhasePlan;

  constructor(
    private readonly x: Intersection,
    plan: PhasePlan,
    nowMs: number,
  ) {
    this.plan = plan;
    this.start(nowMs);
  }

  /** The plan to run from the next start of a green (already checked by the cabinet). */
  offer(plan: PhasePlan): void {
    this.plan = plan;
    this.signal.offerPlan(plan, layoutFromPlan(this.x, plan.phases));
  }

  stateAt(atMs: number): SignalState {
    const t = Math.floor(atMs / 1000);
    if (t - this.steppedTo > MAX_CATCH_UP_SECONDS || t < this.steppedTo) this.start(atMs);
    for (let s = this.steppedTo + 1; s <= t; s++) this.signal.step(s);
    this.steppedTo = Math.max(this.steppedTo, t);
    const d = this.signal.display;
    const secondsLeft = Math.max(0, this.signal.segmentEndsAtSeconds - atMs / 1000);
    const plan = this.signal.planInForce ?? this.plan;
    const cycleSecond = (((atMs / 1000 - plan.offsetSeconds) % plan.cycleSeconds) + plan.cycleSeconds) % plan.cycleSeconds;
    if (d.kind === 'green') return { phaseId: d.phaseId, interval: 'green', secondsLeft, cycleSecond };
    return { phaseId: d.fromPhaseId, interval: d.segment === 0 ? 'yellow' : 'all-red', secondsLeft, cycleSecond };
  }

  private start(nowMs: number): void {
    const t = Math.floor(nowMs / 1000);
    this.signal = new ActuatedSignal({
      intersection: this.x,
      phaseLoops: new Map(),
      callWindowSeconds: new Map(),
      tracker: new DetectorTracker([]),
      initialLayout: layoutFromPlan(this.x, this.plan.phases),
      startSeconds: t,
      clockEpochSeconds: 0,
      options: { kind: 'fixed', bounds: 'plan' },
    });
    this.signal.offerPlan(this.plan, layoutFromPlan(this.x, this.plan.phases));
    this.steppedTo = t;
  }
}
