export interface BackoffOptions {
  /** Ceiling of the first retry delay, ms. */
  initialDelayMs: number;
  /** Largest delay, ms. */
  maxDelayMs: number;
  /** Growth of the ceiling per failed attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 });

/**
 * Delay before reconnect attempt `attempt` (0-based): "full jitter", uniform in [0, min(max, initial·factor^n)],
 * so that a fleet of devices cut off together does not reconnect in lock-step when the server comes back.
 */
export function nextBackoffMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}
