import { asyncScheduler, defer, interval, Observable, type SchedulerLike } from 'rxjs';
import type { NetworkFile } from '../../network-models/index.js';
import { EngineCore } from './engine-core.js';
import { resolveEngineConfig, type EngineConfigInput } from './engine-config.js';
import type { EngineEvent } from './engine-events.js';

export interface EnginePipelineOptions {
  /** Clock and timers: asyncScheduler live, a VirtualClockScheduler in replay and tests. */
  scheduler?: SchedulerLike;
  config?: EngineConfigInput;
  /** Receives the engine core once subscribed, for read-only queries (plans in force, health, counters). */
  onCore?: (core: EngineCore) => void;
}

/**
 * The engine as an RxJS pipeline: raw detector counts in, engine events out (plans that changed, rejected
 * input, detector faults, KPIs). Invalid input becomes an 'input-error' event and never ends the stream.
 * Optimisation runs every `optimisationPeriodSeconds` on the injected scheduler, so live and virtual time share
 * this code. Each subscription runs its own engine, until its input completes.
 */
export function createEnginePipeline(network: NetworkFile, counts$: Observable<unknown>, options: EnginePipelineOptions = {}): Observable<EngineEvent> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const config = resolveEngineConfig(options.config);
  return defer(
    () =>
      new Observable<EngineEvent>((subscriber) => {
        const core = new EngineCore(network, config);
        core.plans(scheduler.now());
        options.onCore?.(core);
        // Timers first: a synchronous input (a replayed day) moves the clock while it is being read.
        const ticks = interval(config.optimisationPeriodSeconds * 1000, scheduler).subscribe(() => {
          for (const event of core.tick(scheduler.now())) subscriber.next(event);
        });
        const input = counts$.subscribe({
          next(raw) {
            const now = scheduler.now();
            const error = core.ingest(raw, now);
            if (error) subscriber.next({ type: 'input-error', atMs: now, error });
          },
          error: (err) => subscriber.error(err),
          complete: () => subscriber.complete(),
        });
        return () => {
          ticks.unsubscribe();
          input.unsubscribe();
        };
      }),
  );
}
