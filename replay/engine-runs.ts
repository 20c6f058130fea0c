import { Subject } from 'rxjs';
import type { NetworkFile } from '../network-models/index.js';
import { CountClock, countInstants, createEnginePipeline, resolveEngineConfig, type EngineConfigInput, type EngineCore, type EngineEvent } from '../engine/index.js';

/** The start of a live engine run, as a day file records it (a `fault` record whose event is `engine-start`). */
export interface EngineStart {
  kind: 'engine-start';
  atMs: number;
  planVersionBase: number;
  optimisationPeriodSeconds: number;
  /** The engine configuration the run was given (absent in day files recorded before it was kept). */
  engine?: unknown;
  /**
   * Set when a day file starts with the run of the day before, which the server kept running over midnight: the
   * run's start (its planning instants).
   */
  continuesRunFromMs?: number;
}

/** A day file's marks of the live engine's runs: a start, a stop, or the end of a day the run goes on past. */
export type EngineRunMark = EngineStart | { kind: 'engine-stop'; atMs: number } | { kind: 'engine-day-end'; atMs: number };

/** A day file's `fault` record read as a mark of the live engine's runs; undefined for any other event. */
export function engineRunMark(atMs: number, event: unknown): EngineRunMark | undefined {
  if (!Number.isFinite(atMs) || event === null || typeof event !== 'object') return undefined;
  const e = event as Partial<EngineStart> & { type?: unknown };
  if (e.type === 'engine-start' && Number.isSafeInteger(e.planVersionBase) && typeof e.optimisationPeriodSeconds === 'number' && e.optimisationPeriodSeconds > 0)
    return {
      kind: 'engine-start',
      atMs,
      planVersionBase: e.planVersionBase!,
      optimisationPeriodSeconds: e.optimisationPeriodSeconds,
      ...(e.engine !== undefined ? { engine: e.engine } : {}),
      ...(Number.isSafeInteger(e.continuesRunFromMs) && e.continuesRunFromMs! <= atMs ? { continuesRunFromMs: e.continuesRunFromMs } : {}),
    };
  if (e.type === 'engine-stop') return { kind: 'engine-stop', atMs };
  if (e.type === 'engine-day-end') return { kind: 'engine-day-end', atMs };
  return undefined;
}

/**
 * One engine run over the input: a day file holds one per start of the live engine (a restart within the day
 * starts a new one, with its own clock, plan versions and configuration, as the restarted server did); a bare
 * counts file holds one, from its first count's interval start.
 */
export class EngineRun {
  readonly clock: CountClock;
  private readonly input = new Subject<unknown>();
  core: EngineCore | undefined;
  private readonly maxFutureSkewMs: number;

  constructor(
    network: NetworkFile,
    readonly startMs: number,
    readonly periodSeconds: number,
    /** The run's configuration as its engine got it (optimisation period and plan version base set). */
    readonly config: EngineConfigInput,
    onEvent: (event: EngineEvent) => void,
    /** Counts go to the engine core directly, without the pipeline's input (whose rejection events are then not emitted). */
    private readonly direct: boolean,
  ) {
    this.clock = new CountClock(startMs, periodSeconds);
    this.maxFutureSkewMs = resolveEngineConfig(config).maxFutureSkewSeconds * 1000;
    createEnginePipeline(network, this.input, { scheduler: this.clock.scheduler, ticks: this.clock.ticks, config, onCore: (c) => (this.core = c) }).subscribe(onEvent);
  }

  feed(record: unknown, receivedAtMs: number | undefined): void {
    // A day file says when the live server received each count: as live, that time moves the clock on when counts
    // lag, and bounds how far a count's own timestamp may move it.
    this.clock.countReceived(record, receivedAtMs, this.maxFutureSkewMs);
    if (!this.direct) return this.input.next(record);
    const core = this.core!;
    try {
      core.ingest(record, this.clock.scheduler.now());
    } catch {
      // as the pipeline's input does with a defect that escapes `ingest`: counted, the record dropped
      core.counters.faults++;
    }
  }

  /** Moves the clock on to `untilMs` (firing the planning instants up to it). */
  advanceTo(untilMs: number): void {
    if (untilMs > this.clock.scheduler.now()) this.clock.advanceTo(untilMs);
  }

  /** Ends the run; `untilMs` moves its clock on first (the live engine's clock when it stopped). */
  end(untilMs?: number): void {
    if (untilMs !== undefined) this.advanceTo(untilMs);
    this.input.complete();
  }
}

export interface EngineRunsOptions {
  network: NetworkFile;
  /**
   * The configuration of a run starting now: `recorded` is the engine start a day file recorded for it (undefined
   * for a counts file), `recordedAt` where (a line number). The period and the plan version base are set from it
   * here; the caller says which configuration wins (a configuration file, the recorded one) and checks it.
   */
  runConfig: (recorded: EngineStart | undefined, recordedAt: number) => { config: EngineConfigInput; periodSeconds: number };
  /** Every engine event of every run, in order. */
  onEvent: (event: EngineEvent) => void;
  /** Counts straight to the engine core (see `EngineRun`): the replay, which uses no rejection events. */
  direct?: boolean;
}

/**
 * The engine runs of an input, as `greenwave plan` and `greenwave replay` both run them: feed its lines in order
 * (`mark` for a day file's engine marks, `count` for counts), then `end`. A run starts where the live engine
 * started (the day file's `engine-start`: its time, configuration and plan version base), else at the first
 * count's interval start; a restart ends the run before it where its records end; a stop ends it at the stop; a
 * day file that continues a run from the day before starts it at that run's next planning instant, unless the
 * run is going on already (its earlier days read first).
 */
export class EngineRuns {
  readonly runs: EngineRun[] = [];
  private run: EngineRun | undefined;
  private liveStart: EngineStart | undefined;
  private liveStartAt = 0;
  /** Counts read before the first run could start (no count with a readable time yet), with where they were. */
  private waiting: Array<{ record: unknown; receivedAtMs?: number; at: number }> = [];
  /** Where the count being fed was read (the caller's line number): for the messages of its events. */
  feedingAt = 0;

  constructor(private readonly o: EngineRunsOptions) {}

  /** The run counts go to now, if any. */
  get current(): EngineRun | undefined {
    return this.run;
  }

  /** A mark of the live engine's runs, read at `at`; `earlierDay`: from a day before the input (read to reach its state). */
  mark(mark: EngineRunMark, at: number, earlierDay = false): void {
    if (mark.kind === 'engine-start' && mark.continuesRunFromMs !== undefined) {
      // a new day of the same run: it goes on (read from the days before), or starts here without them
      if (this.run && this.run.startMs === mark.continuesRunFromMs) return;
      this.run?.end();
      const period = mark.optimisationPeriodSeconds;
      const fromMs = mark.continuesRunFromMs + Math.max(0, Math.floor((mark.atMs - mark.continuesRunFromMs) / (period * 1000))) * period * 1000;
      this.startRun(fromMs, mark, at);
      return;
    }
    if (mark.kind === 'engine-day-end') {
      // the day before ends; the run goes on into the next (which a day file of its own holds)
      if (earlierDay) this.run?.advanceTo(mark.atMs);
      else this.stop(mark.atMs);
      return;
    }
    if (mark.kind === 'engine-start') {
      // the live server (re)started: the run before it ended where its records end
      this.run?.end();
      this.run = undefined;
      this.liveStart = mark;
      this.liveStartAt = at;
      return;
    }
    this.stop(mark.atMs);
  }

  /** A count (`receivedAtMs`: when the live server received it, where the day file says), read at `at`. */
  count(record: unknown, receivedAtMs: number | undefined, at: number): void {
    if (!this.run) {
      const startMs = this.liveStart?.atMs ?? countInstants(record)?.startMs;
      if (startMs === undefined) {
        this.waiting.push({ record, receivedAtMs, at });
        return;
      }
      this.startRun(startMs, this.liveStart, this.liveStartAt);
      for (const w of this.waiting) {
        this.feedingAt = w.at;
        this.run!.feed(w.record, w.receivedAtMs);
      }
      this.waiting = [];
    }
    this.feedingAt = at;
    this.run!.feed(record, receivedAtMs);
  }

  /** Ends the input: the last run plans one period past its last count. */
  end(): void {
    const run = this.run;
    if (run) run.end(run.clock.scheduler.now() + run.periodSeconds * 1000);
  }

  /** Where the runs of what is read from now on begin in `runs`: the run going on, else the next to start. */
  get currentIndex(): number {
    return this.run ? this.runs.indexOf(this.run) : this.runs.length;
  }

  /** Sums a counter over the runs (`since`: a run's counters to subtract, e.g. at the start of the given day). */
  sum(f: (counters: EngineCore['counters']) => number, since?: { run: EngineRun; counters: EngineCore['counters'] }): number {
    return this.runs.reduce((total, r) => total + (r.core ? f(r.core.counters) - (since?.run === r ? f(since.counters) : 0) : 0), 0);
  }

  private stop(atMs: number): void {
    this.run?.end(atMs);
    this.run = undefined;
    this.liveStart = undefined;
  }

  private startRun(startMs: number, recorded: EngineStart | undefined, recordedAt: number): void {
    const { config, periodSeconds } = this.o.runConfig(recorded, recordedAt);
    // a day file's plan versions continue the live run's
    const runConfig = { ...config, optimisationPeriodSeconds: periodSeconds, ...(recorded ? { planVersionBase: recorded.planVersionBase } : {}) };
    this.run = new EngineRun(this.o.network, startMs, periodSeconds, runConfig, this.o.onEvent, this.o.direct ?? false);
    this.runs.push(this.run);
  }
}
