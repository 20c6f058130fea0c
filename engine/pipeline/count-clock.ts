import { Subject, type Observable } from 'rxjs';
import { isRepresentableInstant } from './format-instant.js';
import { VirtualClockScheduler } from './virtual-clock-scheduler.js';

/** The end (its timestamp) and the start of a raw count's interval, epoch ms; undefined when its time cannot be read. */
export function countInstants(raw: unknown): { endMs: number; startMs: number } | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { timestamp, intervalSeconds } = raw as { timestamp?: unknown; intervalSeconds?: unknown };
  const endMs = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  // a time no Date can hold (a device's -1e300) never moves the clock; the engine rejects the record itself
  if (!isRepresentableInstant(endMs)) return undefined;
  const startMs = typeof intervalSeconds === 'number' && intervalSeconds > 0 ? endMs - intervalSeconds * 1000 : endMs;
  return { endMs, startMs };
}

/**
 * The engine clock driven by the counts themselves, live and offline alike, so that the same counts give the same
 * plans however fast they arrive. The planning instants start at the first readable count's interval start and
 * follow every `periodSeconds`; the clock moves to each count's timestamp before the count is fed, firing the
 * planning instants it passes (an instant equal to the timestamp fires first: a count counts for the instants
 * after its interval's end). Live, `notAfterMs` (the server's clock plus the allowed skew) keeps a device's wrong
 * clock from pulling the engine ahead, and `advanceWithReference` keeps planning when counts stop, a count
 * interval (the longest seen) behind the server's clock, twice over for counts still in flight.
 */
export class CountClock {
  /** The engine's clock: what `now()` the pipeline reads. */
  readonly scheduler: VirtualClockScheduler;
  private readonly tick$ = new Subject<void>();
  private readonly periodMs: number;
  private nextTickMs = NaN;
  private longestIntervalMs = 0;
  private origin = NaN;

  constructor(startMs: number, periodSeconds: number) {
    this.scheduler = new VirtualClockScheduler(startMs);
    this.periodMs = periodSeconds * 1000;
  }

  /** The planning instants, at the engine clock: pass as the pipeline's `ticks`. */
  get ticks(): Observable<void> {
    return this.tick$.asObservable();
  }

  /** Start of the planning instants (the first readable count's interval start), or undefined before it. */
  get originMs(): number | undefined {
    return Number.isNaN(this.origin) ? undefined : this.origin;
  }

  /** Call before feeding a raw count to the pipeline. */
  beforeCount(raw: unknown, notAfterMs = Infinity): void {
    const t = countInstants(raw);
    if (!t) return;
    if (Number.isNaN(this.nextTickMs)) {
      this.origin = t.startMs;
      // a count stamped before the engine started (a device's backlog) starts the instants at the first one after
      const now = this.scheduler.now();
      this.nextTickMs = t.startMs + this.periodMs * Math.max(1, Math.floor((now - t.startMs) / this.periodMs) + 1);
    }
    this.longestIntervalMs = Math.max(this.longestIntervalMs, t.endMs - t.startMs);
    if (t.endMs <= notAfterMs) this.advanceTo(t.endMs);
  }

  /** Moves the clock to `epochMs` if later, firing the planning instants up to it; before the first count, nothing. */
  advanceTo(epochMs: number): void {
    if (Number.isNaN(this.nextTickMs) || !(epochMs > this.scheduler.now())) return;
    while (this.nextTickMs <= epochMs) {
      this.scheduler.advanceTo(this.nextTickMs);
      this.nextTickMs += this.periodMs;
      this.tick$.next();
    }
    this.scheduler.advanceTo(epochMs);
  }

  /** Live: keeps the clock at most two count intervals behind the server's clock when no count moves it. */
  advanceWithReference(referenceMs: number): void {
    this.advanceTo(referenceMs - 2 * this.longestIntervalMs);
  }
}
