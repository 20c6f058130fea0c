import type { Intersection, Phase } from '../../network-models/index.js';
import type { PhasePlan, PhaseTiming } from '../plan-types.js';
import type { ActuationEvent, ActuationMode, GreenTermination, PhaseDisplayLayout, SignalDisplay, SignalDisplayLayout } from './actuation-types.js';
import type { DetectorTracker } from './detector-tracker.js';
import type { ApproachLane, PhaseLoops } from './phase-detectors.js';
import { SplitFailureMonitor } from './split-failure-monitor.js';
import { dischargeSeconds, modulo } from '../timing/index.js';

export interface ActuationOptions {
  /** 'actuated' (default): greens end on gaps inside the plan's bounds; 'fixed': greens run as planned. */
  kind?: 'actuated' | 'fixed';
  /** Gap without a detection that ends a green, seconds, on an approach of one lane (the passage time). Default 3
   * (as SUMO's actuated and NEMA's passage time). */
  gapSeconds?: number;
  /**
   * How the passage timer reads a phase's loops. 'approach' (default): the lanes of one approach serve one queue
   * side by side, n lanes discharging n times as fast, so the approach is still discharging while its lanes
   * together see a vehicle within `gapSeconds` / n; separate approaches are separate queues, and the green holds
   * while any of them is still discharging. 'phase': any loop of the phase within `gapSeconds` holds the green,
   * so an approach of n lanes that each see a vehicle every n × `gapSeconds` holds it as one lane at full flow would.
   */
  passageTimePer?: 'approach' | 'phase';
  /** Green added per extension while vehicles keep coming, seconds. Default 2. */
  extensionSeconds?: number;
  /** Pass over phases without a call (never the first phase, a pedestrian phase or one with an undetected lane). */
  phaseSkipping?: boolean;
  /** A phase passed over this many times in a row is served the next time (a recall against a failed loop). Default 2. */
  maxConsecutiveSkips?: number;
  /** A phase that only protects movements another phase serves is called only by a vehicle at its stop line. */
  conditionalProtectedPhases?: boolean;
  /** Raise a green's minimum to discharge the vehicles counted over its advance loops on red. Default true. */
  addedInitial?: boolean;
  /** Without a conflicting call the green rests, up to the phase's own maximum (NEMA). Default true. */
  restInGreen?: boolean;
  /** Pull the cycle towards the plan's offset by stretching or shortening the first phase's green. Default: on
   * with the plan's bounds, off with the phases' own. */
  offsetSync?: boolean;
  /**
   * Self-check: a phase that fails its split (ATSPM's definition) this many cycles in a row puts the intersection
   * into plain fully-actuated operation within the phases' own bounds, until every phase has cleared its queue for
   * as many cycles. 0 (default) only counts and reports the failing phases: on the corpus the fallback made the
   * congested Bologna network worse (bologna-acosta 442 s → 630 s mean time loss), see bench/README.md.
   */
  splitFailuresToFreeMode?: number;
  /** Step of the clock that calls `step`, seconds. Default 1. */
  stepSeconds?: number;
  /**
   * Whose bounds a green keeps to. 'auto' (default): the phases' own (plain fully-actuated operation, NEMA)
   * while every queue clears, the plan's window and offset while some phase keeps failing its split (measured
   * by its stop-line loops, ATSPM's definition), back once every phase has cleared its queue as many cycles in a
   * row; where no phase has a stop-line loop, the plan's window while the plan judges the intersection
   * oversaturated. 'plan': always the plan's window, the cycle pulled onto the plan's offset. 'phase': always the
   * phases' own. Measured on the corpus in bench/README.md ("Local actuation").
   */
  bounds?: 'plan' | 'phase' | 'auto';
  /**
   * What ends a green between its minimum and maximum. 'priority' (default): a gap in detections, or earlier, as
   * soon as serving the other phases in turn would serve more vehicles per second than the running green (Lämmer
   * & Helbing's self-control, J. Stat. Mech. 2008, P04019, weighed over the rest of the cycle; the running
   * green's vehicles anticipated from its advance loops). 'gap': a gap in detections only.
   */
  greenEnd?: 'gap' | 'priority';
}

export interface ActuatedSignalInput {
  intersection: Intersection;
  /** The detectors each phase reads, by phase id. */
  phaseLoops: ReadonlyMap<string, PhaseLoops>;
  /** How long after a detection each detector still counts as a call, seconds. */
  callWindowSeconds: ReadonlyMap<string, number>;
  /** Saturation flow of each detector's lane, veh/h (what a queue over it discharges at); default 1,800. */
  laneSaturationFlowVehPerHour?: ReadonlyMap<string, number>;
  /** Free-flow travel time from each detector to its stop line, seconds (default 0: at the stop line). */
  travelSecondsToStopLine?: ReadonlyMap<string, number>;
  /** The stop-line loop of each set-back loop's lane (a queue seen upstream holds a green only while it moves). */
  stopLineLoopOf?: ReadonlyMap<string, string>;
  /** Each loop's approach and lane (default: every loop an approach of its own). */
  approachLaneOf?: ReadonlyMap<string, ApproachLane>;
  /**
   * Phases whose green holds back traffic no loop sees (vehicles outside the model that must give way to it, such
   * as a motorway past a ramp meter): such a green never rests, as if an undetected lane were waiting.
   */
  phasesHoldingUnseenTraffic?: ReadonlySet<string>;
  /**
   * For such phases, the loops (where there are any) on the lanes of the traffic that gives way to their green:
   * what arrives there during the green waits for its end, and self-control counts it (`greenEnd: 'priority'`).
   */
  unseenTrafficLoops?: ReadonlyMap<string, readonly string[]>;
  tracker: DetectorTracker;
  /** Layout of the network's own timing, run until the first plan. */
  initialLayout: SignalDisplayLayout;
  startSeconds: number;
  /** Engine time of clock time 0, seconds since the epoch (the plan's offsets refer to it). */
  clockEpochSeconds: number;
  options?: ActuationOptions;
}

export interface ActuationCounters {
  greens: number;
  gapOuts: number;
  maxOuts: number;
  phasesSkipped: number;
  plansApplied: number;
  /** Times the self-check put the intersection into fully-actuated operation. */
  freeModeEntries: number;
  /** Times a phase failed its split (ATSPM) two cycles in a row: a queue the plan does not clear. */
  persistentSplitFailures: number;
  /** Longest time a phase with a call waited for its green, seconds. */
  longestCallWaitSeconds: number;
}

const EPS = 1e-9;
const NO_EVENTS: readonly ActuationEvent[] = [];
/** Lost time before a queue moves, seconds; it then discharges at its lane's saturation flow. */
const START_UP_SECONDS = 2;
const DEFAULT_LANE_SATURATION_FLOW_VEH_PER_HOUR = 1800;
/** Split failures in a row that the self-check reports (and, when asked, acts on). */
const PERSISTENT_SPLIT_FAILURES = 2;

/**
 * Local actuation of one signal, second by second, inside the bounds of the plan in force: a single-ring
 * sequence of phases, each green between its minimum (raised to discharge the queue counted on red) and its
 * maximum, ended by a gap in detections, followed by its full clearance. Phases without a call are passed over
 * through a direct clearance; a green with no conflicting call rests. Plans take effect at the start of a green,
 * so no green or clearance is ever cut short.
 *
 * Starvation-free by construction: the sequence is cyclic, a phase is passed over only when none of its lanes
 * shows a vehicle (never with an undetected lane, never more than `maxConsecutiveSkips` times in a row), every
 * green ends by its maximum once another phase has a call, and a rest ends at the phase's own maximum. So a
 * vehicle waiting on any lane is served within one pass of the sequence: the sum over the phases of their
 * maximum greens and clearances, and a rest ends at the phase's own maximum. A green that holds back traffic
 * outside the model (vehicles that must give way to it and that no loop of its phases sees) never rests.
 */
export class ActuatedSignal {
  readonly intersection: Intersection;
  private readonly o: Required<ActuationOptions>;
  private readonly phases: readonly Phase[];
  private layout: SignalDisplayLayout;
  private plan: PhasePlan | null = null;
  private pending: { plan: PhasePlan; layout: SignalDisplayLayout } | null = null;
  private mode: ActuationMode = 'plan';
  private readonly splitFailures: SplitFailureMonitor;

  private phaseIndex = 0;
  private interval: 'green' | 'clearance' = 'green';
  private segment = 0;
  private segmentStart: number;
  private greenStart: number;
  private maxTimerStart: number;
  private initialGreen = 0;
  private variableEnd = Infinity;
  private variableEnded = false;
  private nextIndex = 1;
  private direct = false;
  private clearanceSegments: readonly number[] = [];

  private readonly skipsInARow: number[];
  /** Each phase's gap loops by approach, with the approach's passage time (`gapSeconds` over its lanes). */
  private readonly approachGaps: ReadonlyArray<ReadonlyArray<{ loops: readonly string[]; passageSeconds: number }>>;
  private readonly totalAtRedStart = new Map<string, number>();
  private readonly advanceLoops: ReadonlySet<string>;
  private readonly callSince: Array<number | undefined>;
  private events: ActuationEvent[] = [];
  private layoutSeq = 0;
  private readonly reported: number[];
  readonly counters: ActuationCounters = { greens: 0, gapOuts: 0, maxOuts: 0, phasesSkipped: 0, plansApplied: 0, freeModeEntries: 0, persistentSplitFailures: 0, longestCallWaitSeconds: 0 };

  constructor(private readonly input: ActuatedSignalInput) {
    this.intersection = input.intersection;
    const o = input.options ?? {};
    this.o = {
      kind: o.kind ?? 'actuated',
      gapSeconds: o.gapSeconds ?? 3,
      passageTimePer: o.passageTimePer ?? 'approach',
      extensionSeconds: o.extensionSeconds ?? 2,
      phaseSkipping: o.phaseSkipping ?? true,
      maxConsecutiveSkips: o.maxConsecutiveSkips ?? 2,
      conditionalProtectedPhases: o.conditionalProtectedPhases ?? true,
      addedInitial: o.addedInitial ?? true,
      restInGreen: o.restInGreen ?? true,
      offsetSync: o.offsetSync ?? (o.bounds ?? 'auto') !== 'phase',
      splitFailuresToFreeMode: o.splitFailuresToFreeMode ?? 0,
      stepSeconds: o.stepSeconds ?? 1,
      bounds: o.bounds ?? 'auto',
      greenEnd: o.greenEnd ?? 'priority',
    };
    if (this.o.bounds !== 'plan') this.mode = 'free';
    this.phases = input.intersection.phases;
    if (this.phases.length === 0) throw new Error(`intersection ${input.intersection.id} has no phases to actuate`);
    this.layout = input.initialLayout;
    this.skipsInARow = this.phases.map(() => 0);
    this.approachGaps = this.phases.map((p) => approachGapsOf(input.phaseLoops.get(p.id)?.gapLoops ?? [], input.approachLaneOf, this.o.gapSeconds));
    this.callSince = this.phases.map(() => undefined);
    this.reported = this.phases.map(() => 0);
    this.splitFailures = new SplitFailureMonitor(this.phases, input.phaseLoops, input.tracker);
    this.advanceLoops = new Set(this.phases.flatMap((p) => input.phaseLoops.get(p.id)?.advanceGapLoops ?? []));
    this.segmentStart = this.greenStart = this.maxTimerStart = input.startSeconds;
    // every phase but the first starts on red: what passes its advance loops from now on queues
    for (let i = 1; i < this.phases.length; i++)
      for (const loop of input.phaseLoops.get(this.phases[i].id)?.advanceGapLoops ?? []) this.totalAtRedStart.set(loop, input.tracker.total(loop));
    this.startGreen(0, input.startSeconds);
  }

  /** The plan to run from the next start of a green (it passed the safety gate), with its display layout. */
  offerPlan(plan: PhasePlan, layout: SignalDisplayLayout): void {
    this.pending = { plan, layout };
  }

  get planInForce(): PhasePlan | null {
    return this.plan;
  }

  get actuationMode(): ActuationMode {
    return this.mode;
  }

  /** Changes each time a new layout (a new plan) takes effect: the display must be rebuilt for it. */
  get layoutVersion(): number {
    return this.layoutSeq;
  }

  get currentLayout(): SignalDisplayLayout {
    return this.layout;
  }

  /** When the segment shown now is due to end, clock seconds (a variable green: its planned end so far). */
  get segmentEndsAtSeconds(): number {
    if (this.interval === 'clearance') return this.segmentStart + (this.clearanceSegments[this.segment] ?? 0);
    const d = this.phaseLayout(this.phaseIndex).greenSegmentSeconds[this.segment];
    return d === null || d === undefined ? this.variableEnd : this.segmentStart + d;
  }

  get display(): SignalDisplay {
    const id = this.phases[this.phaseIndex].id;
    return this.interval === 'green'
      ? { kind: 'green', phaseId: id, segment: this.segment }
      : { kind: 'clearance', fromPhaseId: id, toPhaseId: this.phases[this.nextIndex].id, direct: this.direct, segment: this.segment };
  }

  /**
   * Advances the signal to clock time `t` (detectors already observed up to `t`) and returns what happened; the
   * display to show from `t` on is `display`.
   */
  step(t: number): readonly ActuationEvent[] {
    this.events = [];
    this.trackCalls(t);
    if (this.selfCheck) {
      this.splitFailures.sample(t, this.interval === 'green' ? this.phaseIndex : -1);
      this.updateMode(t);
    }
    for (let guard = 0; guard < 64; guard++) if (!this.advance(t)) break;
    return this.events.length === 0 ? NO_EVENTS : this.events;
  }

  /** One change of segment or interval at `t`, if one is due; false when the display stays as it is. */
  private advance(t: number): boolean {
    const layout = this.phaseLayout(this.phaseIndex);
    if (this.interval === 'clearance') {
      const duration = this.clearanceSegments[this.segment];
      if (duration === undefined || t - this.segmentStart < duration - EPS) return false;
      this.segment++;
      this.segmentStart = t;
      if (this.segment >= this.clearanceSegments.length) this.afterClearance(t);
      return true;
    }
    const duration = layout.greenSegmentSeconds[this.segment];
    if (duration === null && !this.variableEnded) return this.actuate(t, layout);
    if (duration !== null && duration !== undefined && t - this.segmentStart < duration - EPS) return false;
    // a fixed segment has run its length, or the variable one has been ended
    this.segment++;
    this.segmentStart = t;
    if (this.segment >= layout.greenSegmentSeconds.length) this.startClearance(t);
    else if (layout.greenSegmentSeconds[this.segment] === null) this.startVariable(t, layout);
    return true;
  }

  private phaseLayout(index: number): PhaseDisplayLayout {
    return this.layout.phases[index];
  }

  private timing(index: number): PhaseTiming | undefined {
    const id = this.phases[index].id;
    return this.plan?.phases.find((p) => p.phaseId === id);
  }

  private startGreen(index: number, t: number): void {
    if (this.pending) {
      this.plan = this.pending.plan;
      this.layout = this.pending.layout;
      this.pending = null;
      this.layoutSeq++;
      this.counters.plansApplied++;
      this.events.push({ kind: 'plan-applied', atSeconds: t, phaseId: this.phases[index].id });
    }
    const since = this.callSince[index];
    if (since !== undefined) this.counters.longestCallWaitSeconds = Math.max(this.counters.longestCallWaitSeconds, t - since);
    this.callSince[index] = undefined;
    this.phaseIndex = index;
    this.interval = 'green';
    this.segment = 0;
    this.segmentStart = this.greenStart = this.maxTimerStart = t;
    this.variableEnded = false;
    this.variableEnd = Infinity;
    this.initialGreen = this.o.addedInitial && this.o.kind === 'actuated' ? this.addedInitialSeconds(index) : 0;
    this.counters.greens++;
    this.events.push({ kind: 'green-start', atSeconds: t, phaseId: this.phases[index].id });
    if (this.phaseLayout(index).greenSegmentSeconds[0] === null) this.startVariable(t, this.phaseLayout(index));
  }

  private startVariable(t: number, layout: PhaseDisplayLayout): void {
    this.variableEnd = t + layout.plannedVariableSeconds;
    if (this.phaseIndex === 0 && this.plan && this.syncsOffset) this.syncOffset(t, layout);
  }

  /**
   * Coordination: when the first phase's variable green starts, stretch or shorten it towards the plan's offset,
   * within the phase's own bounds (whichever correction is smaller).
   */
  private syncOffset(t: number, layout: PhaseDisplayLayout): void {
    const plan = this.plan!;
    const cycle = this.layout.cycleSeconds;
    if (!(cycle > 0)) return;
    const err = modulo(this.input.clockEpochSeconds + this.greenStart - plan.offsetSeconds, cycle);
    if (err <= 0.5 || cycle - err <= 0.5) return;
    const first = this.phases[0];
    const fixed = fixedGreenSeconds(layout);
    const minVar = Math.max(1, first.minGreenSeconds - fixed);
    const maxVar = Math.max(minVar, first.maxGreenSeconds - fixed);
    const planned = layout.plannedVariableSeconds;
    const target = err <= cycle / 2 ? planned - err : planned + (cycle - err);
    const d = Math.min(maxVar, Math.max(minVar, target));
    if (Math.abs(d - planned) >= 0.5) this.variableEnd = t + d;
  }

  /**
   * The rules of the variable green, at `t`: rest without a conflicting call; end on a gap once the minimum is
   * served; extend while vehicles keep coming, up to the maximum; otherwise end where planned.
   */
  private actuate(t: number, layout: PhaseDisplayLayout): boolean {
    const remaining = this.variableEnd - t;
    if (this.o.kind === 'fixed') {
      if (remaining > EPS) return false;
      return this.endVariable(t, 'planned');
    }
    const phase = this.phases[this.phaseIndex];
    const timing = this.planBinds ? this.timing(this.phaseIndex) : undefined;
    const maxG = timing?.maxGreenSeconds ?? phase.maxGreenSeconds;
    const minG = Math.min(maxG, Math.max(timing?.minGreenSeconds ?? phase.minGreenSeconds, this.initialGreen));
    const elapsed = t - this.greenStart;
    const fixedAfter = fixedGreenAfterSeconds(layout);
    const ext = this.o.extensionSeconds;
    if (this.o.restInGreen && !this.conflictingCall(this.phaseIndex, t)) {
      // nobody waits for another phase: the green rests instead of running a clearance for nobody, and its
      // maximum counts from the first conflicting call, as in NEMA controllers; but a rest ends at the phase's own
      // maximum, so that a vehicle no loop sees (stopped between loops, on a lane too short for one) is still served
      // within a pass of maximum greens (resting for ever made nyc_bronx 58.7 s -> 216 s, see bench/README.md)
      this.maxTimerStart = t;
      if (remaining > EPS) return false;
      const room = phase.maxGreenSeconds - elapsed - fixedAfter;
      if (room > EPS) {
        this.variableEnd = t + Math.min(ext, room);
        return false;
      }
      return this.endVariable(t, 'max-out');
    }
    // the passage timer: a detection at step t holds the green through the steps up to t + gap, so the green
    // gaps out in the step after that (a detection is only known at the end of the step it happened in)
    const demand = this.o.passageTimePer === 'approach' ? this.approachDischarging(t) : t - this.lastGapEvent(this.phaseIndex, t) < this.o.gapSeconds + this.o.stepSeconds - EPS;
    if (!demand && elapsed + fixedAfter >= minG - EPS) return this.endVariable(t, 'gap-out');
    // the plan's minimum rations capacity among queues; a green whose queue cannot move (its exit blocked) uses
    // none, so it ends once the phase's own minimum is served
    if (!demand && elapsed + fixedAfter >= phase.minGreenSeconds - EPS && this.queueStalled(this.phaseIndex, t)) return this.endVariable(t, 'gap-out');
    if (this.o.greenEnd === 'priority' && elapsed + fixedAfter >= minG - EPS && this.yieldsToNext(t)) return this.endVariable(t, 'gap-out');
    if (remaining > EPS) return false;
    const room = maxG - (t - this.maxTimerStart) - fixedAfter;
    // the planned end has come: a green still short of its minimum (raised for the queue counted on red) runs to
    // it, one with vehicles coming is extended, up to the maximum
    const toMinimum = minG - elapsed - fixedAfter;
    if ((demand || toMinimum > EPS) && room > EPS) {
      this.variableEnd = t + Math.min(demand ? Math.max(ext, toMinimum) : toMinimum, room);
      return false;
    }
    return this.endVariable(t, demand ? 'max-out' : 'planned');
  }

  /** The variable green ends at `t`: the next phase is chosen now, and the green's fixed tail then the clearance run. */
  private endVariable(t: number, termination: GreenTermination): boolean {
    this.variableEnded = true;
    if (termination === 'gap-out') this.counters.gapOuts++;
    if (termination === 'max-out') this.counters.maxOuts++;
    const phase = this.phases[this.phaseIndex];
    this.events.push({ kind: 'green-end', atSeconds: t, phaseId: phase.id, termination });
    const k = (this.phaseIndex + 1) % this.phases.length;
    const chosen = this.o.kind === 'actuated' && this.o.phaseSkipping ? this.choosePhase(k, t) : k;
    let target = chosen ?? k;
    const direct = target !== k ? this.phaseLayout(this.phaseIndex).directClearanceSegmentSeconds[this.phases[target].id] : undefined;
    if (target !== k && direct === undefined) target = k;
    // nobody waits anywhere: the sequence goes on, and no skip or service is counted
    if (chosen !== undefined) this.noteChoice(k, target, t);
    this.nextIndex = target;
    this.direct = target !== k;
    this.clearanceSegments = this.direct ? direct! : this.phaseLayout(this.phaseIndex).clearanceSegmentSeconds;
    return true;
  }

  /**
   * The clearance has run: the green chosen as the last green ended follows, unless that phase has lost its call
   * meanwhile (a turner that found its gap in the yellow, a call window run out). It is then passed over, straight
   * to the next phase with a call where that green can follow at once, or else through its own clearance.
   */
  private afterClearance(t: number): void {
    const due = this.nextIndex;
    if (this.direct || this.o.kind !== 'actuated' || !this.o.phaseSkipping) return this.startGreen(due, t);
    const target = this.choosePhase(due, t);
    if (target === undefined || target === due) return this.startGreen(due, t);
    const layout = this.phaseLayout(this.phaseIndex);
    if (layout.greenAfterClearance?.includes(this.phases[target].id)) {
      this.noteChoice(due, target, t);
      return this.startGreen(target, t);
    }
    const passThrough = this.phaseLayout(due).clearanceSegmentSeconds;
    if (!layout.nextClearanceMayFollow || passThrough.length === 0) return this.startGreen(due, t);
    this.noteChoice(due, target, t);
    this.phaseIndex = due;
    this.nextIndex = (due + 1) % this.phases.length;
    this.clearanceSegments = passThrough;
    this.segment = 0;
    this.segmentStart = t;
  }

  private startClearance(t: number): void {
    this.noteRedStart(this.phaseIndex, t);
    if (this.clearanceSegments.length === 0) {
      this.startGreen(this.nextIndex, t);
      return;
    }
    this.interval = 'clearance';
    this.segment = 0;
    this.segmentStart = t;
  }

  /**
   * A green just ended: what passes the advance loops of every lane it served queues from now on (a lane that
   * other phases also serve was emptied by this green as much as by its own); its split is judged.
   */
  private noteRedStart(index: number, t: number): void {
    const loops = this.input.phaseLoops.get(this.phases[index].id);
    for (const loop of loops?.callLoops ?? []) if (this.advanceLoops.has(loop)) this.totalAtRedStart.set(loop, this.input.tracker.total(loop));
    if (this.selfCheck) this.splitFailures.greenEnded(index, t);
  }

  /**
   * Whether the plan's bounds hold the running green: always with bounds 'plan' (unless the self-check has left
   * them), never with 'phase', and with 'auto' only while the plan in force judges the intersection oversaturated:
   * there the plan's cycle and narrowed window manage the network's storage; elsewhere plain full actuation serves
   * each approach as its own detectors say.
   */
  private get planBinds(): boolean {
    if (this.o.bounds === 'auto' && !this.measuresSplits) return this.plan?.diagnostics.oversaturated === true;
    return this.mode === 'plan';
  }

  /** Some phase has stop-line loops, so its split failures can be measured. */
  private get measuresSplits(): boolean {
    return this.phases.some((p) => (this.input.phaseLoops.get(p.id)?.ownStopLineLoops.length ?? 0) > 0);
  }

  /**
   * Whether the cycle is pulled onto the plan's offset: only for a plan coordinated with neighbours (an offset
   * serves progression; on its own an intersection's cycle floats), and as the bounds say.
   */
  private get syncsOffset(): boolean {
    if (this.plan?.diagnostics.coordinated === false) return false;
    if (this.o.bounds === 'auto') return this.planBinds && this.o.offsetSync;
    return this.o.offsetSync && (this.mode === 'plan' || this.o.bounds === 'phase');
  }

  private get selfCheck(): boolean {
    return this.o.kind === 'actuated';
  }

  /**
   * The self-check: the plan's bounds are left for the phases' own (plain fully-actuated operation, no offset
   * correction) while some phase keeps failing its split, and taken up again once every phase has cleared its
   * queue as many cycles in a row.
   */
  private updateMode(t: number): void {
    const m = this.splitFailures;
    for (let i = 0; i < m.failuresInARow.length; i++) {
      if (m.failuresInARow[i] === PERSISTENT_SPLIT_FAILURES && this.reported[i] !== m.failuresInARow[i]) {
        this.counters.persistentSplitFailures++;
        this.events.push({ kind: 'split-failing', atSeconds: t, phaseId: this.phases[i].id, reason: `phase ${this.phases[i].id} failed its split ${PERSISTENT_SPLIT_FAILURES} cycles in a row` });
      }
      this.reported[i] = m.failuresInARow[i];
    }
    if (this.o.bounds === 'auto') return this.updateAutoMode(t);
    const n = this.o.splitFailuresToFreeMode;
    if (n <= 0) return;
    if (this.o.bounds !== 'plan') return;
    if (this.mode === 'plan') {
      const failing = m.failuresInARow.findIndex((f) => f >= n);
      if (failing < 0) return;
      this.mode = 'free';
      this.counters.freeModeEntries++;
      this.events.push({ kind: 'mode-changed', atSeconds: t, mode: 'free', phaseId: this.phases[failing].id, reason: `phase ${this.phases[failing].id} failed its split ${m.failuresInARow[failing]} cycles in a row` });
    } else if (m.clearInARow.every((c, i) => c >= n || (this.input.phaseLoops.get(this.phases[i].id)?.ownStopLineLoops.length ?? 0) === 0)) {
      this.mode = 'plan';
      this.events.push({ kind: 'mode-changed', atSeconds: t, mode: 'plan', reason: `every phase cleared its queue ${n} cycles in a row` });
    }
  }

  /**
   * 'auto': plain fully-actuated operation while every queue clears (measured, not estimated); the plan's bounds
   * and offset while some phase keeps failing its split, where the plan's cycle and splits ration the green
   * among queues that all outlast it, and back once every phase has cleared its queue as many cycles in a row.
   */
  private updateAutoMode(t: number): void {
    if (!this.plan) return;
    const m = this.splitFailures;
    const n = PERSISTENT_SPLIT_FAILURES;
    if (this.mode === 'free') {
      const failing = m.failuresInARow.findIndex((f) => f >= n);
      if (failing < 0) return;
      this.mode = 'plan';
      this.events.push({ kind: 'mode-changed', atSeconds: t, mode: 'plan', phaseId: this.phases[failing].id, reason: `phase ${this.phases[failing].id} failed its split ${m.failuresInARow[failing]} cycles in a row` });
    } else if (m.clearInARow.every((c, i) => c >= n || (this.input.phaseLoops.get(this.phases[i].id)?.ownStopLineLoops.length ?? 0) === 0)) {
      this.mode = 'free';
      this.counters.freeModeEntries++;
      this.events.push({ kind: 'mode-changed', atSeconds: t, mode: 'free', reason: `every phase cleared its queue ${n} cycles in a row` });
    }
  }

  /**
   * Self-control's switching rule, weighed over the rest of the cycle: the running green yields when serving
   * everyone else in turn would serve more vehicles per second than going on. Going on serves the vehicles its
   * gap loops saw that have not yet reached the stop line, each due at its free-flow travel time (a stop-line
   * loop's, seen within the gap, as due now): the best rate over the first k of them, each served no sooner than
   * it arrives and no faster than the lanes' saturation flow. Yielding serves the vehicles counted over the other
   * phases' advance loops since their lanes last had green (one for a call seen only at a stop line) in the
   * time their greens take: start-up plus discharge at saturation flow, at least the minimum, plus every
   * clearance on the way. For two phases this is Lämmer & Helbing's priority comparison exactly.
   */
  private yieldsToNext(t: number): boolean {
    // where the plan's bounds hold (queues outlast their greens) the plan's splits ration the green, not the rates
    if (this.planBinds && this.o.bounds !== 'plan') return false;
    // the rest of the cycle if the running green ends now: every other phase with a call served in turn, each for
    // the start-up and discharge of what waits for it (its minimum at least; an unwatched phase for its minimum)
    let waiting = 0;
    let cycleRest = sum(this.phaseLayout(this.phaseIndex).clearanceSegmentSeconds);
    for (let n = 1; n < this.phases.length; n++) {
      const j = (this.phaseIndex + n) % this.phases.length;
      const count = this.waitingVehicles(j, this.phaseIndex, t);
      if (count === 0 && this.o.phaseSkipping && j !== 0) continue;
      const clearance = sum(this.phaseLayout(j).clearanceSegmentSeconds);
      if (count === undefined) {
        cycleRest += this.phases[j].minGreenSeconds + clearance;
        continue;
      }
      waiting += count;
      cycleRest += Math.max(this.phases[j].minGreenSeconds, START_UP_SECONDS + count / this.saturationVehPerSecond(j)) + clearance;
    }
    // traffic outside the model that gives way to this green has waited since it began, and goes once it ends
    for (const loop of this.input.unseenTrafficLoops?.get(this.phases[this.phaseIndex].id) ?? []) waiting += this.input.tracker.arrivalsAfter(loop, this.greenStart).length;
    if (waiting === 0) return false;
    return waiting / cycleRest > this.servingPriority(this.phaseIndex, t) + EPS;
  }

  /**
   * Vehicles served per second if the running green goes on (anticipated over its gap loops): the best rate over
   * the first k vehicles due, k vehicles taking at least until the last of them arrives and, on each lane, as
   * long as its share discharges at the lane's saturation flow.
   */
  private servingPriority(index: number, t: number): number {
    const tracker = this.input.tracker;
    const due: Array<{ at: number; loop: string }> = [];
    for (const d of this.input.phaseLoops.get(this.phases[index].id)?.gapLoops ?? []) {
      const travel = this.input.travelSecondsToStopLine?.get(d) ?? 0;
      // a stop-line loop (no travel time) that saw a vehicle within the gap shows a lane still discharging
      for (const a of tracker.arrivalsAfter(d, t - Math.max(travel, this.o.gapSeconds) - this.o.stepSeconds)) due.push({ at: Math.max(0, a + travel - t), loop: d });
    }
    if (due.length === 0) return 0;
    due.sort((a, b) => a.at - b.at);
    const onLane = new Map<string, number>();
    let discharge = 0;
    let best = 0;
    due.forEach((v, k) => {
      const n = (onLane.get(v.loop) ?? 0) + 1;
      onLane.set(v.loop, n);
      discharge = Math.max(discharge, (n * 3600) / (this.input.laneSaturationFlowVehPerHour?.get(v.loop) ?? DEFAULT_LANE_SATURATION_FLOW_VEH_PER_HOUR));
      best = Math.max(best, (k + 1) / Math.max(discharge, v.at));
    });
    return best;
  }

  /**
   * Vehicles waiting for phase `index`: counted over its advance loops since its red began, or one per occupied
   * stop-line loop where a lane has no advance loop; lanes the running green also serves are moving, not waiting.
   * Undefined where some lane is not watched (nothing to weigh).
   */
  private waitingVehicles(index: number, running: number, t: number): number | undefined {
    const loops = this.input.phaseLoops.get(this.phases[index].id);
    if (!loops?.fullyDetected || this.phases[index].pedestrian) return undefined;
    const moving = this.input.phaseLoops.get(this.phases[running].id)?.callLoops ?? [];
    const tracker = this.input.tracker;
    let n = 0;
    for (const d of loops.gapLoops) {
      if (moving.includes(d)) continue;
      if (loops.advanceGapLoops.includes(d)) n += tracker.total(d) - (this.totalAtRedStart.get(d) ?? tracker.total(d));
      else if (tracker.occupiedAt(d, t)) n += 1;
    }
    return Math.max(n, this.phaseDemand(index, t) ? 1 : 0);
  }

  /** Sum of the saturation flows of a phase's gap loops' lanes, veh/s. */
  private saturationVehPerSecond(index: number): number {
    let s = 0;
    for (const d of this.input.phaseLoops.get(this.phases[index].id)?.gapLoops ?? []) s += (this.input.laneSaturationFlowVehPerHour?.get(d) ?? DEFAULT_LANE_SATURATION_FLOW_VEH_PER_HOUR) / 3600;
    return s > 0 ? s : DEFAULT_LANE_SATURATION_FLOW_VEH_PER_HOUR / 3600;
  }

  /**
   * Green needed to discharge the vehicles that passed the phase's advance loops on red: start-up plus their
   * discharge at the lane's own saturation flow, on the lane that needs the longest.
   */
  private addedInitialSeconds(index: number): number {
    let seconds = 0;
    const tracker = this.input.tracker;
    for (const loop of this.input.phaseLoops.get(this.phases[index].id)?.advanceGapLoops ?? []) {
      const queued = tracker.total(loop) - (this.totalAtRedStart.get(loop) ?? tracker.total(loop));
      const saturation = this.input.laneSaturationFlowVehPerHour?.get(loop) ?? DEFAULT_LANE_SATURATION_FLOW_VEH_PER_HOUR;
      if (queued > 0) seconds = Math.max(seconds, START_UP_SECONDS + dischargeSeconds(queued, saturation));
    }
    return seconds;
  }

  /**
   * Which phase to serve when phase `k` is due: `k` itself unless it has no call, then the next in sequence with
   * one. The first phase (the offset's reference), pedestrian phases, phases with an undetected lane and a phase
   * passed over `maxConsecutiveSkips` times in a row are never passed over. Undefined when no phase has a call.
   */
  private choosePhase(k: number, t: number): number | undefined {
    const phases = this.phases;
    if (k <= 0 || phases[k].pedestrian) return k;
    const loops = this.input.phaseLoops.get(phases[k].id);
    const recall = !loops?.protectedOnlyStopLines && this.skipsInARow[k] >= this.o.maxConsecutiveSkips;
    if (!loops?.fullyDetected || recall || this.phaseDemand(k, t)) return k;
    for (let n = 1; n < phases.length; n++) {
      const next = (k + n) % phases.length;
      if (this.phaseDemand(next, t)) return next;
    }
    return undefined;
  }

  private phaseDemand(index: number, t: number): boolean {
    const loops = this.input.phaseLoops.get(this.phases[index].id);
    if (loops?.protectedOnlyStopLines && this.o.conditionalProtectedPhases) return this.standingOn(loops.protectedOnlyStopLines, t);
    return this.hasCall(loops?.callLoops, t);
  }

  private noteChoice(k: number, target: number, t: number): void {
    if (target === k) {
      this.skipsInARow[k] = 0;
      return;
    }
    this.skipsInARow[k]++;
    this.counters.phasesSkipped++;
    this.events.push({ kind: 'phase-skipped', atSeconds: t, phaseId: this.phases[k].id, toPhaseId: this.phases[target].id });
  }

  /** Whether any phase other than this one has a call (a conflicting call). */
  private conflictingCall(index: number, t: number): boolean {
    if (this.input.phasesHoldingUnseenTraffic?.has(this.phases[index].id)) return true;
    for (let i = 0; i < this.phases.length; i++) {
      if (i === index) continue;
      const p = this.phases[i];
      const loops = this.input.phaseLoops.get(p.id);
      // pedestrians and lanes no loop covers may wait unseen; a turner standing at the stop line of its protected
      // phase is not sure to find a gap in this green
      if (p.pedestrian || !loops?.fullyDetected) return true;
      if (loops.protectedOnlyStopLines && this.standingOn(loops.protectedOnlyStopLines, t)) return true;
    }
    return this.hasCall(this.input.phaseLoops.get(this.phases[index].id)?.conflictingLoops, t);
  }

  /** Tracks how long each phase with a call has waited for its green (for the starvation bound). */
  private trackCalls(t: number): void {
    for (let i = 0; i < this.phases.length; i++) {
      if (this.interval === 'green' && i === this.phaseIndex) continue;
      if (this.callSince[i] !== undefined) continue;
      if (this.phaseDemand(i, t)) this.callSince[i] = t;
    }
  }

  /**
   * The last detection that holds the phase's green. Presence on a set-back loop holds it only while its lane's
   * queue moves: once the vehicle at the stop line has stood there through a gap in the green with nobody crossing
   * (its exit blocked, or a turner waiting for a gap), the queue behind it holds nothing.
   */
  private lastGapEvent(index: number, t: number): number {
    return this.lastGapEventOf(this.input.phaseLoops.get(this.phases[index].id)?.gapLoops ?? [], t);
  }

  private lastGapEventOf(loops: readonly string[], t: number): number {
    const tracker = this.input.tracker;
    let last = -Infinity;
    for (const d of loops) {
      const stop = this.input.stopLineLoopOf?.get(d);
      if (stop !== undefined && this.standsStill(stop, t)) continue;
      last = Math.max(last, tracker.lastGapEventSeconds(d));
    }
    return last;
  }


  /** The passage timer by approach: some approach of the running phase has seen a vehicle within its passage time. */
  private approachDischarging(t: number): boolean {
    for (const a of this.approachGaps[this.phaseIndex]) if (t - this.lastGapEventOf(a.loops, t) < a.passageSeconds + this.o.stepSeconds - EPS) return true;
    return false;
  }

  /**
   * Some lane of the phase has a vehicle standing at its stop line through a whole gap in the green, nobody crossing,
   * where nothing green at the same time can hold it (its exit is blocked; a turner may be waiting for a gap).
   */
  private queueStalled(index: number, t: number): boolean {
    const loops = this.input.phaseLoops.get(this.phases[index].id);
    for (const d of loops?.gapLoops ?? []) {
      if (loops!.opposedGapLoops.includes(d)) continue;
      const stop = this.input.stopLineLoopOf?.get(d);
      if (stop !== undefined && this.standsStill(stop, t)) return true;
    }
    return false;
  }

  /** A vehicle has stood on this stop-line loop through a whole gap in the green, and nobody crossed it meanwhile. */
  private standsStill(stopLineLoop: string, t: number): boolean {
    const window = this.o.gapSeconds + this.o.stepSeconds - EPS;
    const tracker = this.input.tracker;
    return tracker.occupiedForSeconds(stopLineLoop, t) >= window && t - tracker.lastGapEventSeconds(stopLineLoop) >= window;
  }

  /**
   * A call on these loops: a vehicle on one of them within the gap, or one that passed an advance loop recently
   * enough to be still on its way to the stop line.
   */
  private hasCall(loops: readonly string[] | undefined, t: number): boolean {
    for (const d of loops ?? []) if (t - this.input.tracker.lastOccupiedSeconds(d) < (this.input.callWindowSeconds.get(d) ?? this.o.gapSeconds) - EPS) return true;
    return false;
  }

  private standingOn(loops: readonly string[], t: number): boolean {
    return loops.some((d) => this.input.tracker.occupiedAt(d, t));
  }
}

/** A phase's gap loops grouped by approach, each approach's passage time `gapSeconds` over its lanes. */
function approachGapsOf(gapLoops: readonly string[], approachLaneOf: ReadonlyMap<string, ApproachLane> | undefined, gapSeconds: number): Array<{ loops: string[]; passageSeconds: number }> {
  const byApproach = new Map<string, { loops: string[]; lanes: Set<string> }>();
  for (const d of gapLoops) {
    const where = approachLaneOf?.get(d) ?? { approach: d, lane: d };
    const a = byApproach.get(where.approach) ?? { loops: [], lanes: new Set<string>() };
    a.loops.push(d);
    a.lanes.add(where.lane);
    byApproach.set(where.approach, a);
  }
  return [...byApproach.values()].map((a) => ({ loops: a.loops, passageSeconds: gapSeconds / a.lanes.size }));
}

function fixedGreenSeconds(layout: PhaseDisplayLayout): number {
  return layout.greenSegmentSeconds.reduce<number>((s, d) => s + (d ?? 0), 0);
}

function fixedGreenAfterSeconds(layout: PhaseDisplayLayout): number {
  const v = layout.greenSegmentSeconds.indexOf(null);
  return layout.greenSegmentSeconds.reduce<number>((s, d, i) => (i > v ? s + (d ?? 0) : s), 0);
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
