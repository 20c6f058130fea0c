import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { PhasePlan } from '../engine/index.js';
import { startSiblingWorker, type SignalState } from '../adapters/files/index.js';
import { MeasureCore, OP_ARRIVAL, OP_CLOSE_BIN, OP_COUNT, OP_PCD, OP_PHASE, OP_SET, OP_TAKE, SIGNAL_STATES, type BinMeasures, type MeasureSetup, type PcdData } from './measure-core.js';
import type { MeasureCommand, MeasureResult, MeasureWorkerData } from './measure-worker.js';
import type { PcdFigures } from './pcd-figure.js';

/** Operations a batch holds before it goes to the measure thread (about 512 KiB). */
const BATCH_NUMBERS = 65_536;
/** Longest wait for a result before the measure thread is taken as stuck. */
const RESULT_TIMEOUT_MS = 120_000;
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512 };

/**
 * The replay's side of its arrival measures (`MeasureCore`): operations are queued as numbers and applied on a
 * thread of their own (`threaded`), or in line. Each `closeBin` returns a ticket; `bin(ticket)` waits for that
 * bin's counters (the replay asks for them one bin later, when it writes the bin's rows, so it rarely waits).
 */
export class MeasureClient {
  private ops = new Float64Array(BATCH_NUMBERS);
  private n = 0;
  private readonly core: MeasureCore | undefined;
  private readonly worker: Worker | undefined;
  private readonly results: MessagePort | undefined;
  private readonly posted: Int32Array | undefined;
  private readonly ready: BinMeasures[] = [];
  private binsClosed = 0;
  /** Bins whose closing has gone to the thread (flushed). */
  private binsSent = 0;
  private binsTaken = 0;
  private planIds = new WeakMap<PhasePlan, number>();
  private nextPlanId = 1;
  private ended = false;
  /** The thread is drawing the diagrams (`finish` with `drawPcds`): they are its last result. */
  private drawing = false;
  private stopped = false;

  constructor(setup: MeasureSetup, threaded: boolean) {
    if (!threaded) {
      this.core = new MeasureCore(setup);
      return;
    }
    const channel = new MessageChannel();
    this.results = channel.port1;
    this.posted = new Int32Array(new SharedArrayBuffer(4));
    const data: MeasureWorkerData = { setup, results: channel.port2, posted: this.posted };
    this.worker = startWorker(data, [channel.port2]);
    // Results are read synchronously (receiveMessageOnPort); the thread must not keep the process alive.
    this.worker.unref();
  }

  /** Intersection `x` of the plans actually in force (track 0) or of the engine's (track 1) runs `plan` from now on. */
  set(track: 0 | 1, x: number, plan: PhasePlan): void {
    let id = this.planIds.get(plan);
    if (id === undefined) {
      id = this.nextPlanId++;
      this.planIds.set(plan, id);
    }
    const phases = plan.phases.length;
    const o = this.reserve(7 + 3 * phases);
    const a = this.ops;
    a[o] = OP_SET;
    a[o + 1] = track;
    a[o + 2] = x;
    a[o + 3] = id;
    a[o + 4] = plan.cycleSeconds;
    a[o + 5] = plan.offsetSeconds;
    a[o + 6] = phases;
    for (let p = 0; p < phases; p++) {
      const ph = plan.phases[p];
      a[o + 7 + 3 * p] = ph.greenSeconds;
      a[o + 8 + 3 * p] = ph.yellowSeconds;
      a[o + 9 + 3 * p] = ph.allRedSeconds;
    }
  }

  phase(x: number, phase: number, state: SignalState, tSeconds: number): void {
    const o = this.reserve(5);
    this.ops[o] = OP_PHASE;
    this.ops[o + 1] = x;
    this.ops[o + 2] = phase;
    this.ops[o + 3] = SIGNAL_STATES.indexOf(state);
    this.ops[o + 4] = tSeconds;
  }

  takeGreenTotals(x: number, tSeconds: number): void {
    const o = this.reserve(3);
    this.ops[o] = OP_TAKE;
    this.ops[o + 1] = x;
    this.ops[o + 2] = tSeconds;
  }

  arrival(lane: number, tSeconds: number): void {
    const o = this.reserve(3);
    this.ops[o] = OP_ARRIVAL;
    this.ops[o + 1] = lane;
    this.ops[o + 2] = tSeconds;
  }

  count(lane: number, endMs: number, intervalSeconds: number, count: number): void {
    const o = this.reserve(5);
    const a = this.ops;
    a[o] = OP_COUNT;
    a[o + 1] = lane;
    a[o + 2] = endMs;
    a[o + 3] = intervalSeconds;
    a[o + 4] = count;
  }

  drawPcd(originSeconds: number, columns: number): void {
    const o = this.reserve(3);
    this.ops[o] = OP_PCD;
    this.ops[o + 1] = originSeconds;
    this.ops[o + 2] = columns;
  }

  /** Ends the bin: its counters are zeroed for the next; returns the ticket `bin` takes. */
  closeBin(): number {
    const o = this.reserve(1);
    this.ops[o] = OP_CLOSE_BIN;
    const ticket = this.binsClosed++;
    // sent now, so that the thread works on the bin while the replay reads on
    this.flush();
    return ticket;
  }

  /** The counters of the bin closed with `ticket` (bins are taken in the order they were closed). */
  bin(ticket: number): BinMeasures {
    if (ticket !== this.binsTaken) throw new Error(`measure bin ${ticket} taken out of order (next: ${this.binsTaken})`);
    // Each post wakes the thread, which costs the replay's thread a context switch: only when the bin is not sent yet.
    if (ticket >= this.binsSent) this.flush();
    while (this.ready.length === 0) {
      const r = this.next();
      if (r.type !== 'bin') throw new Error(`measure thread: a bin's counters expected, got ${r.type}`);
      this.ready.push(r.bin);
    }
    this.binsTaken++;
    return this.ready.shift()!;
  }

  /**
   * Ends the measures: the diagrams' data (when drawn), once every bin closed has been taken. With `drawPcds`,
   * the measure thread (if any) goes on to draw the diagrams as the report shows them: take them with
   * `drawnPcds`, or stop it with `close`.
   */
  finish(drawPcds = false): { pcdActual: PcdData | undefined; pcdEngine: PcdData | undefined } {
    if (this.binsTaken !== this.binsClosed) throw new Error(`measure thread: ${this.binsClosed - this.binsTaken} bins not taken`);
    this.flush();
    this.ended = true;
    if (this.core) return { pcdActual: this.core.pcdActual, pcdEngine: this.core.pcdEngine };
    this.worker!.postMessage({ type: 'end', drawPcds } satisfies MeasureCommand);
    const r = this.next();
    if (r.type !== 'end') {
      this.stop();
      throw new Error(`measure thread: the end expected, got ${r.type}`);
    }
    this.drawing = drawPcds && r.pcdActual !== undefined && r.pcdEngine !== undefined;
    if (!this.drawing) this.stop();
    return { pcdActual: r.pcdActual as PcdData | undefined, pcdEngine: r.pcdEngine as PcdData | undefined };
  }

  /** The diagrams the measure thread drew (`finish` with `drawPcds`), waited for; undefined when it drew none. */
  drawnPcds(): PcdFigures | undefined {
    if (!this.drawing) return undefined;
    this.drawing = false;
    try {
      const r = this.next();
      if (r.type !== 'pcds') throw new Error(`measure thread: the diagrams expected, got ${r.type}`);
      return r.figures;
    } finally {
      this.stop();
    }
  }

  /** Stops the measure thread (a replay that ends early, on an error, or whose diagrams are not taken). */
  close(): void {
    this.ended = true;
    this.drawing = false;
    this.stop();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker?.terminate();
  }

  /** Index in `ops` where `k` more numbers go; sends what is queued first when they would not fit. */
  private reserve(k: number): number {
    if (this.n + k > this.ops.length) {
      this.flush();
      if (k > this.ops.length) this.ops = new Float64Array(k);
    }
    const o = this.n;
    this.n += k;
    return o;
  }

  private flush(): void {
    this.binsSent = this.binsClosed;
    if (this.n === 0) return;
    if (this.core) this.core.apply(this.ops, this.n, (bin) => this.ready.push(bin));
    else this.worker!.postMessage({ type: 'ops', ops: this.ops.slice(0, this.n) } satisfies MeasureCommand);
    this.n = 0;
  }

  /** The measure thread's next result, waited for. */
  private next(): Extract<MeasureResult, { type: 'bin' | 'end' | 'pcds' }> {
    const posted = this.posted!;
    const deadline = Date.now() + RESULT_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(posted, 0);
      const m = receiveMessageOnPort(this.results!);
      if (m) {
        const r = m.message as MeasureResult;
        if (r.type === 'error') throw new Error(`measure thread failed: ${r.message}`);
        return r;
      }
      if (Date.now() > deadline) throw new Error(`measure thread: no result within ${RESULT_TIMEOUT_MS / 1000} s`);
      Atomics.wait(posted, 0, seen, 1000);
    }
  }
}

function startWorker(workerData: MeasureWorkerData, transferList: MessagePort[]): Worker {
  return startSiblingWorker(import.meta.url, 'measure-worker', { workerData, transferList, resourceLimits: WORKER_LIMITS });
}
