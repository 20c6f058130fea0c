import { Subject, interval, type SchedulerLike, type Subscription } from 'rxjs';
import { CountClock, createEnginePipeline, resolveEngineConfig, type EngineConfigInput, type EngineCore, type EngineEvent, type InputError } from '../../engine/index.js';
import type { NetworkFile } from '../../network-models/index.js';

/** How often the server's clock may move the count clock on when no count does, server-clock ms. */
const REFERENCE_STEP_MS = 1000;

/**
 * The engine pipeline of the live server: records in one at a time, each answered with its own rejection, and every
 * other engine event handed to `onEvent`. The engine runs on the count clock, as `greenwave plan` and replays do:
 * its planning instants come from the counts' intervals, not from a timer of the server, so the same counts give
 * the same plans live and offline (docs/protocol.md, "Engine time"). `engineTimeMs` is the time the counts are
 * stamped in: the server's clock, or the demo's simulated clock.
 */
export class LiveEngine {
  private counts$: Subject<unknown> | undefined;
  private subscription: Subscription | undefined;
  private follow: Subscription | undefined;
  private lastInputError: InputError | undefined;
  private running: EngineCore | undefined;
  private clock: CountClock | undefined;
  private readonly maxFutureSkewMs: number;
  private readonly periodSeconds: number;
  /** Engine time when this run started (its fallback plans, and the origin of a detector's silence). */
  startedAtMs: number | undefined;

  constructor(
    private readonly network: NetworkFile,
    private readonly scheduler: SchedulerLike,
    private readonly config: EngineConfigInput,
    readonly engineTimeMs: () => number = () => scheduler.now(),
    /** Set when `engineTimeMs` is a simulated clock: how much faster than real time it runs. */
    readonly simulatedSpeedup?: number,
  ) {
    const resolved = resolveEngineConfig(config);
    this.maxFutureSkewMs = resolved.maxFutureSkewSeconds * 1000;
    this.periodSeconds = resolved.optimisationPeriodSeconds;
  }

  start(onEvent: (event: EngineEvent) => void, onFailure: (err: unknown) => void): void {
    if (this.subscription) return;
    this.startedAtMs = this.engineTimeMs();
    const clock = new CountClock(this.startedAtMs, this.periodSeconds);
    this.clock = clock;
    this.counts$ = new Subject<unknown>();
    this.subscription = createEnginePipeline(this.network, this.counts$, { scheduler: clock.scheduler, ticks: clock.ticks, config: this.config, onCore: (c) => (this.running = c) }).subscribe({
      next: (event) => {
        if (event.type === 'input-error') this.lastInputError = event.error; // routed to the sender by ingest()
        else onEvent(event);
      },
      error: onFailure,
    });
    // when counts stop, the planning instants still come, a little behind the server's clock
    this.follow = interval(REFERENCE_STEP_MS, this.scheduler).subscribe(() => clock.advanceWithReference(this.engineTimeMs()));
  }

  /**
   * Feeds one record to the engine and returns its rejection. The pipeline handles `next` synchronously, so an
   * input-error emitted during the call belongs to this record. Its timestamp first moves the engine clock (no
   * further than the allowed skew ahead of `receivedAtMs`, the time it was received in engine time), firing the
   * planning instants it passes. A recording keeps `receivedAtMs`, so a replay bounds the clock the same way.
   */
  ingest(record: unknown, receivedAtMs = this.engineTimeMs()): InputError | undefined {
    this.lastInputError = undefined;
    this.clock!.countReceived(record, receivedAtMs, this.maxFutureSkewMs);
    this.counts$!.next(record);
    const error = this.lastInputError;
    this.lastInputError = undefined;
    return error;
  }

  /** The engine's clock: the latest count time, or planning instant, it has reached. */
  now(): number {
    return this.clock ? this.clock.scheduler.now() : this.engineTimeMs();
  }

  get optimisationPeriodSeconds(): number {
    return this.periodSeconds;
  }

  /** The running engine core (read-only queries), once started. */
  get core(): EngineCore {
    if (!this.running) throw new Error('the engine is not running');
    return this.running;
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  stop(): void {
    this.follow?.unsubscribe();
    this.counts$?.complete();
    this.subscription?.unsubscribe();
  }
}
