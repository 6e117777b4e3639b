// The webhook route's two budgets, kept apart so that unsigned traffic cannot starve signed traffic:
// - the review budget (WEBHOOK_RATE_LIMIT_PER_MINUTE), one TokenBucket for the whole receiver, spent
//   only by deliveries whose signature checked out (Statsig posts from many addresses, so its point
//   is to shed load, not to police a client);
// - the unverified budget (WEBHOOK_UNVERIFIED_PER_MINUTE), one bucket per source address, taken
//   before a body is read and given back once the request proves its signature, so a source sending
//   forged or unsigned requests is refused before it costs a body read and an HMAC, while a source
//   that signs (Statsig) keeps its budget however much it sends.
// Each bucket holds a minute's worth of requests and refills continuously.
import { isIPv6 } from 'node:net';

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

  private refill(): void {
    const nowMs = this.now();
    const elapsed = Math.max(0, nowMs - this.updatedAtMs);
    this.tokens = Math.min(this.perMinute, this.tokens + elapsed * this.refillPerMs);
    this.updatedAtMs = nowMs;
  }

  take(): TakeResult {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitMs = (1 - this.tokens) / this.refillPerMs;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Gives back a token taken for a request that turned out not to count. */
  refund(): void {
    this.refill();
    this.tokens = Math.min(this.perMinute, this.tokens + 1);
  }

  /** Whether the bucket is back to full: nothing to remember about its source. */
  full(): boolean {
    this.refill();
    return this.tokens >= this.perMinute;
  }
}

/** Expands an IPv6 address to its eight groups (`::` filled in, an IPv4 tail converted). */
function ipv6Groups(address: string): string[] {
  let text = address.split('%')[0] ?? address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * The budget a request is counted against. IPv4 by address; IPv6 by its /64, since one host is
 * usually handed a whole /64 and could otherwise take a fresh budget per address.
 */
export function sourceKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** Sources remembered at most: a flood from many addresses cannot grow the map without bound. */
export const MAX_SOURCES = 10_000;

/** One TokenBucket per source, forgotten once refilled or when the oldest must make room. */
export class SourceBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxSources = MAX_SOURCES,
  ) {
    // Validated here too, so a bad setting fails at build time rather than on the first request.
    new TokenBucket(perMinute, now);
  }

  take(source: string): TakeResult {
    let bucket = this.buckets.get(source);
    if (bucket) {
      // Re-inserted so that Map order is least recently used first.
      this.buckets.delete(source);
    } else {
      if (this.buckets.size >= this.maxSources) this.evict();
      bucket = new TokenBucket(this.perMinute, this.now);
    }
    this.buckets.set(source, bucket);
    return bucket.take();
  }

  refund(source: string): void {
    const bucket = this.buckets.get(source);
    if (!bucket) return;
    bucket.refund();
    if (bucket.full()) this.buckets.delete(source);
  }

  get size(): number {
    return this.buckets.size;
  }

  /**
   * Drops the least recently used source: O(1), so a flood from many addresses costs no scan. What
   * it forgets is at worst a partly spent budget, which the source gets back in full.
   */
  private evict(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
