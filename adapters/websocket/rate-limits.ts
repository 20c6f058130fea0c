import type { ServerLimits } from './server-limits.js';

type Limits = Pick<ServerLimits, 'maxMessagesPerSecond' | 'maxRecordsPerSecond' | 'maxErrorsPerSecond'>;

/**
 * One client's token buckets (messages, and count records) and its error-reply window, on the server's clock.
 * Buckets hold a second's worth and refill continuously.
 */
export class ClientRateLimits {
  private messageTokens: number;
  private recordTokens: number;
  private refilledAtMs: number;
  private errorsInWindow = 0;
  private errorWindowStartMs: number;

  constructor(
    private readonly limits: Limits,
    nowMs: number,
  ) {
    this.messageTokens = limits.maxMessagesPerSecond;
    this.recordTokens = limits.maxRecordsPerSecond;
    this.refilledAtMs = nowMs;
    this.errorWindowStartMs = nowMs;
  }

  /** Takes one message token; false when the client is over maxMessagesPerSecond. */
  takeMessage(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.messageTokens < 1) return false;
    this.messageTokens -= 1;
    return true;
  }

  /** Takes `n` record tokens; false (and nothing taken) when the client is over maxRecordsPerSecond. */
  takeRecords(n: number, nowMs: number): boolean {
    this.refill(nowMs);
    if (n > this.recordTokens) return false;
    this.recordTokens -= n;
    return true;
  }

  /** Whether one more error reply fits in this second's maxErrorsPerSecond. */
  takeErrorReply(nowMs: number): boolean {
    if (nowMs - this.errorWindowStartMs >= 1000) {
      this.errorWindowStartMs = nowMs;
      this.errorsInWindow = 0;
    }
    return ++this.errorsInWindow <= this.limits.maxErrorsPerSecond;
  }

  private refill(nowMs: number): void {
    const elapsedSeconds = Math.max(0, (nowMs - this.refilledAtMs) / 1000);
    this.messageTokens = Math.min(this.limits.maxMessagesPerSecond, this.messageTokens + elapsedSeconds * this.limits.maxMessagesPerSecond);
    this.recordTokens = Math.min(this.limits.maxRecordsPerSecond, this.recordTokens + elapsedSeconds * this.limits.maxRecordsPerSecond);
    this.refilledAtMs = nowMs;
  }
}
