import { Subject, type Observable } from 'rxjs';
import { isRepresentableInstant } from './format-instant.js';
import { VirtualClockScheduler } from './virtual-clock-scheduler.js';

/** The end (its timestamp) and the start of a raw count's interval, epoch ms; undefined when its time cannot be read. */
export function countInstants(raw: unknown): { endMs: number; startMs: number } | undefined {
  const endMs = countEndMs(raw);
  if (Number.isNaN(endMs)) return undefined;
  return { endMs, startMs: endMs - countIntervalMs(raw) };
}

/**
 * `countInstants(raw)?.endMs`, NaN for undefined, without making an object (this runs for every count, twice in a
 * replay).
 */
export function countEndMs(raw: unknown): number {
  if (raw === null || typeof raw !== 'object') return NaN;
  const timestamp = (raw as { timestamp?: unknown }).timestamp;
  const endMs = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  // a time no Date can hold (a device's -1e300) never moves the clock; the engine rejects the record itself
  return isRepresentableInstant(endMs) ? endMs : NaN;
}

/** Length of a raw count's interval, ms (0 when it has none that can be read). */
function countIntervalMs(raw: unknown): number {
  const intervalSeconds = (raw as { intervalSeconds?: unknown }).intervalSeconds;
  return typeof intervalSeconds === 'number' && intervalSeconds > 0 ? intervalSeconds * 1000 : 0;
}

/**
 * The engine clock driven by the counts themselves, live and offline alike, so that the same counts give the same
 * plans however fast they arrive. The planning instants are every `periodSeconds` from the engine's start; the clock
 * moves to each count's timestamp before the count is fed, firing the planning instants it passes (an instant equal
 * to the timestamp fires first: a count counts for the instants after its interval's end). The first instant is the
 * exception: a count ending on it does not fire it (a later count, or the reference, does), so the counts that end
 * on it are in. Fired first, it
 * had no count at all whenever the counts' intervals end on the planning instants (a counts file, whose engine
 * starts at the first interval's start, and the demo's simulated detectors), and the first plans were optimised
 * for the demand implied by the fallback plans instead of the traffic counted. Live, `notAfterMs` (the
 * time received plus the allowed skew) keeps a device's wrong clock from pulling the engine ahead, and
 * `advanceWithReference` keeps planning when counts lag or stop, two count intervals (the longest seen) behind the
 * time received. A replay of a recording that kept the time each count was received, and the engine's start,
 * calls the same two before each count and so reaches the same instants with the same counts in.
 */
export class CountClock {
  /** The engine's clock: what `now()` the pipeline reads. */
  readonly scheduler: VirtualClockScheduler;
  private readonly tick$ = new Subject<void>();
  private readonly periodMs: number;
  private nextTickMs: number;
  private readonly firstTickMs: number;
  private longestIntervalMs = 0;

  constructor(startMs: number, periodSeconds: number) {
    this.scheduler = new VirtualClockScheduler(startMs);
    this.periodMs = periodSeconds * 1000;
    this.nextTickMs = startMs + this.periodMs;
    this.firstTickMs = this.nextTickMs;
  }

  /** The planning instants, at the engine clock: pass as the pipeline's `ticks`. */
  get ticks(): Observable<void> {
    return this.tick$.asObservable();
  }

  /** Call before feeding a raw count to the pipeline. */
  beforeCount(raw: unknown, notAfterMs = Infinity): void {
    const endMs = countEndMs(raw);
    if (Number.isNaN(endMs)) return;
    // end less start, as `countInstants` gives them (the same rounding)
    this.longestIntervalMs = Math.max(this.longestIntervalMs, Math.min(endMs - (endMs - countIntervalMs(raw)), 3_600_000));
    if (endMs <= notAfterMs) this.move(endMs, true);
  }

  /**
   * Call before feeding a raw count received at `receivedAtMs` (undefined where that is not known: a counts file).
   * The time received moves the clock on when counts lag, and bounds how far the count's own timestamp may move it
   * (no further than `maxFutureSkewMs` ahead): live, and in `plan` and replay of a recording that kept it.
   */
  countReceived(raw: unknown, receivedAtMs: number | undefined, maxFutureSkewMs: number): void {
    if (receivedAtMs === undefined) return this.beforeCount(raw);
    this.advanceWithReference(receivedAtMs);
    this.beforeCount(raw, receivedAtMs + maxFutureSkewMs);
  }

  /** Moves the clock to `epochMs` if later, firing the planning instants up to it. */
  advanceTo(epochMs: number): void {
    this.move(epochMs, false);
  }

  private move(epochMs: number, holdFirstInstant: boolean): void {
    // at the clock's time already, the first instant may still be due (a count held it)
    if (!(epochMs >= this.scheduler.now())) return;
    while (this.nextTickMs < epochMs || (this.nextTickMs === epochMs && !(holdFirstInstant && epochMs === this.firstTickMs))) {
      this.scheduler.advanceTo(this.nextTickMs);
      this.nextTickMs += this.periodMs;
      this.tick$.next();
    }
    this.scheduler.advanceTo(epochMs);
  }

  /** Keeps the clock at most two count intervals (the longest seen) behind `referenceMs`, the time counts are stamped in. */
  advanceWithReference(referenceMs: number): void {
    this.advanceTo(referenceMs - 2 * this.longestIntervalMs);
  }
}
