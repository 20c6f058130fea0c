/**
 * Logs a repeated cause at most once per window: the first occurrence is logged at once, the repeats within the
 * window are only counted and reported with the next occurrence logged after it. The cause map is bounded, so
 * causes made up by clients cannot grow it.
 */
export class LogRateLimiter {
  private readonly windows = new Map<string, { startedAtMs: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxCauses = 1000,
  ) {}

  /** Whether to log this occurrence now, and how many occurrences of the cause were suppressed since the last log. */
  admit(cause: string, nowMs: number): { log: boolean; suppressed: number } {
    const w = this.windows.get(cause);
    if (w && nowMs - w.startedAtMs < this.windowMs) {
      w.suppressed++;
      return { log: false, suppressed: w.suppressed };
    }
    const suppressed = w?.suppressed ?? 0;
    if (!w && this.windows.size >= this.maxCauses) this.evictExpired(nowMs);
    if (!w && this.windows.size >= this.maxCauses) this.windows.delete(this.windows.keys().next().value!);
    this.windows.set(cause, { startedAtMs: nowMs, suppressed: 0 });
    return { log: true, suppressed };
  }

  private evictExpired(nowMs: number): void {
    for (const [cause, w] of this.windows) if (nowMs - w.startedAtMs >= this.windowMs) this.windows.delete(cause);
  }
}
