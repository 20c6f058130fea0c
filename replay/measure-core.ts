import type { PhasePlan } from '../engine/index.js';
import type { SignalState } from '../adapters/files/index.js';
import { ArrivalMeasures } from './arrival-measures.js';
import { placeArrivals } from './arrival-model.js';
import type { MeasuredNetwork } from './measured-lanes.js';
import { PcdRaster } from './pcd-raster.js';
import { ObservedTimeline, PlanTimeline } from './signal-timelines.js';

/**
 * The replay's arrival measures as a stream of numeric operations, so that they can run on a thread of their
 * own (`MeasureClient`): whatever changes the signal timelines or the measures is an operation, applied in the
 * order the replay makes it, so the measures are those the replay would compute in line.
 *
 * Layouts (each a run of numbers in a Float64Array):
 * - SET:      op, track (0 actual, 1 engine), x, plan id, cycle, offset, phases, then green, yellow, all-red per phase
 * - PHASE:    op, x, phase, state (0 red, 1 yellow, 2 green), epoch seconds
 * - TAKE:     op, x, epoch seconds (the observed greens taken for a bin's delay: `takeGreenTotals` moves a running green's start)
 * - ARRIVAL:  op, lane, epoch seconds (a measured arrival, judged under both timelines)
 * - COUNT:    op, lane, epoch ms (the count's end), interval seconds, count (arrivals modelled from a count)
 * - PCD:      op, origin epoch seconds, columns (start drawing the diagrams of the intersections given at set-up)
 * - CLOSE_BIN: op (the bin's counters are reported, then zeroed)
 */
export const OP_SET = 1;
export const OP_PHASE = 2;
export const OP_TAKE = 3;
export const OP_ARRIVAL = 4;
export const OP_COUNT = 5;
export const OP_PCD = 6;
export const OP_CLOSE_BIN = 7;

export const SIGNAL_STATES: readonly SignalState[] = ['red', 'yellow', 'green'];

/**
 * What the measure thread needs to set up: the replay's own measured network and first plans (plain data,
 * cloned to the thread), so that the thread loads no more of the engine than its timing arithmetic
 * (`engine/timing`) and none of the network models.
 */
export interface MeasureSetup {
  /** `measuredNetwork(network)` of the replayed network. */
  net: MeasuredNetwork;
  /** Each signal's plan before any is set (the replay's: its fallback plan at time 0). */
  initialPlans: PhasePlan[];
  pcdIntersections: string[];
  platoonShare: number;
  /** The network's, for the diagrams' clock times. */
  timeZone: string;
}

/** One 15-minute bin's counters, per intersection, for the plans actually in force and the engine's. */
export interface BinMeasures {
  actual: { arrivals: Float64Array; onGreen: Float64Array; splitFailures: Float64Array };
  engine: { arrivals: Float64Array; onGreen: Float64Array; splitFailures: Float64Array };
}

/** The diagrams at the end of the replay (plain data: what the report reads). */
export type PcdData = Pick<PcdRaster, 'approaches' | 'originSeconds' | 'columns'>;

export class MeasureCore {
  private readonly net: MeasuredNetwork;
  private readonly actualPlans: PlanTimeline;
  private readonly observed: ObservedTimeline;
  private readonly engine: PlanTimeline;
  private actualMeasures: ArrivalMeasures;
  private engineMeasures: ArrivalMeasures;
  pcdActual: PcdRaster | undefined;
  pcdEngine: PcdRaster | undefined;
  /**
   * Plans by the replay's id for them, as long as something here still holds them: a timeline's compiled plan
   * (its version, which per-lane trackers compare by identity) is cached by plan identity, so a plan set again
   * must be the same object again. Once nothing holds one, a new object is indistinguishable from it.
   */
  private readonly plans = new Map<number, WeakRef<PhasePlan>>();
  private readonly forget = new FinalizationRegistry<number>((id) => {
    if (this.plans.get(id)?.deref() === undefined) this.plans.delete(id);
  });
  private readonly arrivalTimes: number[] = [];
  private readonly windows: number[] = [];

  constructor(private readonly setup: MeasureSetup) {
    this.net = setup.net;
    const signals = this.net.intersections.map((x) => x.model.intersection);
    this.actualPlans = new PlanTimeline(setup.initialPlans);
    this.engine = new PlanTimeline(setup.initialPlans);
    this.observed = new ObservedTimeline(this.actualPlans, signals.map((x) => x.phases.length));
    this.actualMeasures = new ArrivalMeasures(this.net, this.observed, undefined);
    this.engineMeasures = new ArrivalMeasures(this.net, this.engine, undefined);
  }

  /** Applies ops[0..n); each closed bin's counters go to `onBin`. */
  apply(ops: Float64Array, n: number, onBin: (bin: BinMeasures) => void): void {
    let i = 0;
    while (i < n) {
      switch (ops[i]) {
        case OP_SET: {
          const phases = ops[i + 6];
          const plan = this.plan(ops, i);
          (ops[i + 1] === 0 ? this.actualPlans : this.engine).set(ops[i + 2], plan);
          i += 7 + 3 * phases;
          break;
        }
        case OP_PHASE:
          this.observed.apply(ops[i + 1], ops[i + 2], SIGNAL_STATES[ops[i + 3]], ops[i + 4]);
          i += 5;
          break;
        case OP_TAKE:
          this.observed.takeGreenTotals(ops[i + 1], ops[i + 2]);
          i += 3;
          break;
        case OP_ARRIVAL:
          this.actualMeasures.arrival(ops[i + 1], ops[i + 2]);
          this.engineMeasures.arrival(ops[i + 1], ops[i + 2]);
          i += 3;
          break;
        case OP_COUNT:
          this.count(ops[i + 1], ops[i + 2], ops[i + 3], ops[i + 4]);
          i += 5;
          break;
        case OP_PCD:
          this.drawPcd(ops[i + 1], ops[i + 2]);
          i += 3;
          break;
        case OP_CLOSE_BIN:
          onBin(this.closeBin());
          i += 1;
          break;
        default:
          throw new Error(`measure op ${ops[i]} at ${i}: not an operation`);
      }
    }
  }

  private plan(ops: Float64Array, i: number): PhasePlan {
    const id = ops[i + 3];
    const known = this.plans.get(id)?.deref();
    if (known) return known;
    const phases = [];
    for (let p = 0; p < ops[i + 6]; p++) phases.push({ greenSeconds: ops[i + 7 + 3 * p], yellowSeconds: ops[i + 8 + 3 * p], allRedSeconds: ops[i + 9 + 3 * p] });
    // Only what the timelines read of a plan: its cycle, offset and phase intervals.
    const plan = { cycleSeconds: ops[i + 4], offsetSeconds: ops[i + 5], phases } as unknown as PhasePlan;
    this.plans.set(id, new WeakRef(plan));
    this.forget.register(plan, id);
    return plan;
  }

  private drawPcd(originSeconds: number, columns: number): void {
    this.pcdActual = new PcdRaster(this.net, this.setup.pcdIntersections, originSeconds, columns);
    this.pcdEngine = new PcdRaster(this.net, this.setup.pcdIntersections, originSeconds, columns);
    this.actualMeasures = new ArrivalMeasures(this.net, this.observed, this.pcdActual);
    this.engineMeasures = new ArrivalMeasures(this.net, this.engine, this.pcdEngine);
  }

  /** A count of `count` vehicles over the `intervalSeconds` ending at `endMs`, at lane `l`'s detector, as arrivals. */
  private count(l: number, endMs: number, intervalSeconds: number, count: number): void {
    const lane = this.net.lanes[l];
    const to = endMs / 1000 + lane.shiftSeconds;
    const from = to - intervalSeconds;
    const w = this.windows;
    for (let k = 0; k < 2; k++) {
      const timeline = k === 0 ? this.observed : this.engine;
      const measures = k === 0 ? this.actualMeasures : this.engineMeasures;
      let windowCount = 0;
      if (lane.upstream) {
        const tt = lane.upstream.travelSeconds;
        windowCount = timeline.greenWindowsInto(lane.upstream.intersection, lane.upstream.phases, from - tt, to - tt, w, 0);
        for (let j = 0; j < windowCount; j++) w[j] += tt;
      }
      const n = placeArrivals(Math.round(count), from, to, w, this.setup.platoonShare, this.arrivalTimes, windowCount);
      measures.arrivalsAt(l, this.arrivalTimes, n);
    }
  }

  private closeBin(): BinMeasures {
    const a = this.actualMeasures;
    const e = this.engineMeasures;
    const bin: BinMeasures = {
      actual: { arrivals: a.arrivals.slice(), onGreen: a.onGreen.slice(), splitFailures: a.splitFailures.slice() },
      engine: { arrivals: e.arrivals.slice(), onGreen: e.onGreen.slice(), splitFailures: e.splitFailures.slice() },
    };
    a.resetBin();
    e.resetBin();
    return bin;
  }
}
