// A token bucket for the webhook route: one bucket for the whole receiver (Statsig posts from many
// addresses, so the point is to shed load, not to police a client). The bucket holds a minute's
// worth of requests and refills continuously.

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBucket {
  private tokens: number;
  private updatedAtMs: number;
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isInteger(perMinute) && perMinute > 0)) {
      throw new Error('TokenBucket needs a positive whole number of requests per minute');
    }
    this.tokens = perMinute;
    this.updatedAtMs = now();
    this.refillPerMs = perMinute / 60_000;
  }

  take(): TakeResult {
    const nowMs = this.now();
    const elapsed = Math.max(0, nowMs - this.updatedAtMs);
    this.tokens = Math.min(this.perMinute, this.tokens + elapsed * this.refillPerMs);
    this.updatedAtMs = nowMs;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitMs = (1 - this.tokens) / this.refillPerMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
