import { dischargedVehicles, modulo } from '../engine/timing/index.js';
import type { PhaseCyclePosition } from './plan-clock.js';
import type { MeasuredNetwork } from './measured-lanes.js';
import type { SignalTimeline } from './signal-timelines.js';
import type { PcdRaster } from './pcd-raster.js';

/** A cycle fails when at least this many vehicles are still queued when its green ends (modelled split failure). */
export const DEFAULT_RESIDUAL_QUEUE_VEHICLES = 1;

/**
 * Arrival-based measures of one signal timeline (the plans actually in force, or the engine's): arrivals on
 * green, the Purdue Coordination Diagram, and modelled split failures.
 *
 * - Arrival on green: the vehicle reaches the stop line while its movement shows green. Green only: arrivals
 *   in yellow count as not on green. The same definition for every plan source and every report.
 * - Modelled split failure: a vertical queue per lane, discharging at the lane's saturation flow during green;
 *   a cycle of a phase fails when, in any of its lanes, `residualQueueVehicles` or more are left when the
 *   green ends (queue at the start of the cycle + arrivals before the end of green − saturation flow × green).
 *
 * Counters are per intersection and cover the current 15-minute bin; the caller reads and resets them.
 */
export class ArrivalMeasures {
  readonly arrivals: Float64Array;
  readonly onGreen: Float64Array;
  readonly splitFailures: Float64Array;
  private readonly cycle: Float64Array;
  private readonly version: unknown[];
  private readonly queue: Float64Array;
  private readonly beforeGreenEnd: Float64Array;
  private readonly afterGreenEnd: Float64Array;
  private readonly lastGreenStart: Float64Array;
  private readonly lastGreenEnd: Float64Array;
  private readonly lastFailedCycle = new Map<number, number>();
  private readonly pos: PhaseCyclePosition = { index: 0, secondsIntoCycle: 0, cycleSeconds: 0, greenStart: 0, greenEnd: 0 };
  private readonly closingPos: PhaseCyclePosition = { index: 0, secondsIntoCycle: 0, cycleSeconds: 0, greenStart: 0, greenEnd: 0 };
  private readonly closed: number[] = [0, 0];

  constructor(
    private readonly net: MeasuredNetwork,
    readonly timeline: SignalTimeline,
    private readonly pcd: PcdRaster | undefined,
    private readonly residualQueueVehicles = DEFAULT_RESIDUAL_QUEUE_VEHICLES,
  ) {
    const nx = net.intersections.length;
    const nl = net.lanes.length;
    this.arrivals = new Float64Array(nx);
    this.onGreen = new Float64Array(nx);
    this.splitFailures = new Float64Array(nx);
    this.cycle = new Float64Array(nl).fill(NaN);
    this.version = new Array(nl).fill(undefined);
    this.queue = new Float64Array(nl);
    this.beforeGreenEnd = new Float64Array(nl);
    this.afterGreenEnd = new Float64Array(nl);
    this.lastGreenStart = new Float64Array(nl);
    this.lastGreenEnd = new Float64Array(nl);
  }

  /** One vehicle reaching the stop line of lane `l` at epoch second `t` (calls in time order per lane). */
  arrival(l: number, t: number): void {
    const lane = this.net.lanes[l];
    const x = lane.intersection;
    const tl = this.timeline;
    this.arrivals[x]++;
    const green = tl.isGreen(x, lane.servingPhases, t);
    if (green) this.onGreen[x]++;
    this.pcd?.count(l, green);
    const pos = tl.cycleAt(x, lane.phase, t, this.pos);
    const v = tl.version(x);
    if (v !== this.version[l]) {
      this.version[l] = v;
      this.cycle[l] = pos.index;
      this.queue[l] = 0;
      this.beforeGreenEnd[l] = 0;
      this.afterGreenEnd[l] = 0;
    } else if (pos.index !== this.cycle[l]) {
      this.closeCycles(l, pos.index, t);
    }
    // A green not yet ended (NaN end while observed) still lies ahead: the vehicle can be served in it.
    if (!(pos.secondsIntoCycle >= pos.greenEnd)) this.beforeGreenEnd[l]++;
    else this.afterGreenEnd[l]++;
    this.lastGreenStart[l] = pos.greenStart;
    this.lastGreenEnd[l] = pos.greenEnd;
    this.pcd?.arrival(l, t, pos.secondsIntoCycle);
  }

  /**
   * `n` vehicles reaching the stop line of lane `l` at epoch seconds times[0..n), in time order, with no change
   * of the timeline between them: the same as `arrival` for each, with the plan's arithmetic done once for all.
   */
  arrivalsAt(l: number, times: readonly number[], n: number): void {
    if (n <= 0) return;
    const lane = this.net.lanes[l];
    const x = lane.intersection;
    const c = this.timeline.planAt(x);
    if (!c || this.pcd?.covers(l)) {
      for (let j = 0; j < n; j++) this.arrival(l, times[j]);
      return;
    }
    // phaseGreenAt and phaseCycleAt (plan-clock.ts) inlined, their expressions unchanged so the results are too.
    const serving = lane.servingPhases;
    const p = lane.phase;
    const C = c.cycleSeconds;
    const redStart = c.offsetSeconds + c.phaseStart[p] + c.green[p] + c.yellow[p];
    const greenEnd = C - c.yellow[p];
    const greenStart = greenEnd - c.green[p];
    const v = this.timeline.version(x);
    let onGreen = 0;
    for (let j = 0; j < n; j++) {
      const t = times[j];
      for (let k = 0; k < serving.length; k++) {
        const i = serving[k];
        if (modulo(t - c.offsetSeconds - c.phaseStart[i], C) < c.green[i]) {
          onGreen++;
          break;
        }
      }
      const s = t - redStart;
      const index = Math.floor(s / C);
      const secondsIntoCycle = s - index * C;
      if (v !== this.version[l]) {
        this.version[l] = v;
        this.cycle[l] = index;
        this.queue[l] = 0;
        this.beforeGreenEnd[l] = 0;
        this.afterGreenEnd[l] = 0;
      } else if (index !== this.cycle[l]) {
        this.closeCycles(l, index, t);
      }
      if (!(secondsIntoCycle >= greenEnd)) this.beforeGreenEnd[l]++;
      else this.afterGreenEnd[l]++;
      this.lastGreenStart[l] = greenStart;
      this.lastGreenEnd[l] = greenEnd;
    }
    this.arrivals[x] += n;
    this.onGreen[x] += onGreen;
  }

  /** Zeroes the per-bin counters. */
  resetBin(): void {
    this.arrivals.fill(0);
    this.onGreen.fill(0);
    this.splitFailures.fill(0);
  }

  private closeCycles(l: number, index: number, t: number): void {
    const lane = this.net.lanes[l];
    const last = this.closingPos;
    last.greenStart = this.lastGreenStart[l];
    last.greenEnd = this.lastGreenEnd[l];
    this.timeline.closedGreen(lane.intersection, lane.phase, this.cycle[l], last, this.closed);
    const green = Math.max(0, this.closed[1] - this.closed[0]);
    this.pcd?.cycle(l, t, this.closed[0], this.closed[1]);
    const capacity = dischargedVehicles(lane.saturationFlowVehPerHourPerLane, green);
    let residual = this.queue[l] + this.beforeGreenEnd[l] - capacity;
    if (residual >= this.residualQueueVehicles) this.fail(lane.intersection, lane.phase, this.cycle[l]);
    let q = Math.max(0, residual) + this.afterGreenEnd[l];
    // Cycles with no arrivals in this lane still discharge its queue.
    const skipped = Math.min(20, index - this.cycle[l] - 1);
    for (let k = 1; k <= skipped && q > 0; k++) {
      residual = q - capacity;
      if (residual >= this.residualQueueVehicles) this.fail(lane.intersection, lane.phase, this.cycle[l] + k);
      q = Math.max(0, residual);
    }
    this.queue[l] = index > this.cycle[l] ? q : 0;
    this.cycle[l] = index;
    this.beforeGreenEnd[l] = 0;
    this.afterGreenEnd[l] = 0;
  }

  /** One failure per phase and cycle, however many of its lanes failed. */
  private fail(x: number, phase: number, cycle: number): void {
    const key = x * 64 + phase;
    if (this.lastFailedCycle.get(key) === cycle) return;
    this.lastFailedCycle.set(key, cycle);
    this.splitFailures[x]++;
  }
}
