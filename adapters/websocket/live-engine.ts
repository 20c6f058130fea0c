import { Subject, type SchedulerLike, type Subscription } from 'rxjs';
import { createEnginePipeline, type EngineConfigInput, type EngineCore, type EngineEvent, type InputError } from '../../engine/index.js';
import type { NetworkFile } from '../../network-models/index.js';

/**
 * The engine pipeline of the live server: records in one at a time, each answered with its own rejection, and every
 * other engine event handed to `onEvent`.
 */
export class LiveEngine {
  private counts$: Subject<unknown> | undefined;
  private subscription: Subscription | undefined;
  private lastInputError: InputError | undefined;
  private running: EngineCore | undefined;

  constructor(
    private readonly network: NetworkFile,
    private readonly scheduler: SchedulerLike,
    private readonly config: EngineConfigInput,
  ) {}

  start(onEvent: (event: EngineEvent) => void, onFailure: (err: unknown) => void): void {
    if (this.subscription) return;
    this.counts$ = new Subject<unknown>();
    this.subscription = createEnginePipeline(this.network, this.counts$, { scheduler: this.scheduler, config: this.config, onCore: (c) => (this.running = c) }).subscribe({
      next: (event) => {
        if (event.type === 'input-error') this.lastInputError = event.error; // routed to the sender by ingest()
        else onEvent(event);
      },
      error: onFailure,
    });
  }

  /**
   * Feeds one record to the engine and returns its rejection. The pipeline handles `next` synchronously, so an
   * input-error emitted during the call belongs to this record.
   */
  ingest(record: unknown): InputError | undefined {
    this.lastInputError = undefined;
    this.counts$!.next(record);
    const error = this.lastInputError;
    this.lastInputError = undefined;
    return error;
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
    this.counts$?.complete();
    this.subscription?.unsubscribe();
  }
}
