import { asyncScheduler, defer, interval, Observable, type SchedulerLike } from 'rxjs';
import type { NetworkFile } from '../../network-models/index.js';
import { causeOf, EngineCore } from './engine-core.js';
import { resolveEngineConfig, type EngineConfigInput } from './engine-config.js';
import type { EngineEvent, InputError } from './engine-events.js';

export interface EnginePipelineOptions {
  /** Clock and timers: asyncScheduler live, a VirtualClockScheduler in replay and tests. */
  scheduler?: SchedulerLike;
  config?: EngineConfigInput;
  /** Receives the engine core once subscribed, for read-only queries (plans in force, health, counters). */
  onCore?: (core: EngineCore) => void;
  /**
   * When to optimise, instead of every `optimisationPeriodSeconds` on the scheduler: each emission runs one
   * optimisation interval at `scheduler.now()`. The live server derives its planning instants from the counts'
   * intervals this way, so that they are the instants a replay of the same counts runs at.
   */
  ticks?: Observable<unknown>;
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
        // core.tick and core.ingest catch their own faults; these guards keep a defect that escapes them (or a
        // clock that cannot be read) from ever erroring the stream, which would stop the engine for good.
        const ticks = (options.ticks ?? interval(config.optimisationPeriodSeconds * 1000, scheduler)).subscribe(() => {
          let events: EngineEvent[];
          const now = scheduler.now();
          try {
            events = core.tick(now);
          } catch (err) {
            core.counters.faults++;
            events = [{ type: 'engine-fault', atMs: now, stage: 'optimise', intersectionIds: [], cause: causeOf(err) }];
          }
          for (const event of events) subscriber.next(event);
        });
        const input = counts$.subscribe({
          next(raw) {
            const now = scheduler.now();
            let error: InputError | undefined;
            try {
              error = core.ingest(raw, now);
            } catch (err) {
              core.counters.faults++;
              error = { code: 'GW_ERR_INTERNAL', field: '(record)', value: null, reason: `could not be processed (${causeOf(err)}); the record was dropped` };
            }
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
