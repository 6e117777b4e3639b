// Fault injection: rules that make matching requests slow, fail, or both, so clients can be tested
// against the rate limits, outages and timeouts the real Statsig can produce.
import { z } from 'zod';

export interface FaultRule {
  /** HTTP method to match (any case); every method when absent. */
  method?: string;
  /** RegExp source matched against the URL path (no query string). */
  path: string;
  /** Respond with this status instead of handling the request. */
  status?: number;
  /** Body of the fault response; defaults to Statsig's error shape `{ status, message }`. */
  body?: unknown;
  /** Extra headers on the fault response, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Wait this long before handling the request (or before the fault response). */
  delayMs?: number;
  /**
   * Handle the request as usual (its effect happens), then hold the answer this long: a call that
   * succeeded in Statsig but whose answer the client never saw. Ignored when `status` is set.
   */
  responseDelayMs?: number;
  /** Apply this many times, then drop the rule; unlimited when absent. */
  times?: number;
  /** Apply for this long after the rule is added, then drop it (e.g. a 429 window); forever when absent. */
  forMs?: number;
  /** Chance (0..1) that a matching request is affected; 1 when absent. */
  probability?: number;
}

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const faultRuleSchema = z
  .object({
    method: z.string().min(1).optional(),
    path: z.string().min(1).refine(compiles, 'must be a valid regular expression'),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    delayMs: z.number().int().min(0).optional(),
    responseDelayMs: z.number().int().min(0).optional(),
    times: z.number().int().positive().optional(),
    forMs: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
  })
  .refine(
    (rule) =>
      rule.status !== undefined || rule.delayMs !== undefined || rule.responseDelayMs !== undefined,
    { message: 'a fault rule needs a status, a delayMs or a responseDelayMs' },
  );

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp;
  remaining: number;
  expiresAtMs: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(
    private readonly random: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Validates and adds a rule; throws a ZodError when it is malformed. */
  add(rule: FaultRule): FaultRule {
    const parsed = faultRuleSchema.parse(rule);
    this.rules.push({
      rule: parsed,
      pattern: new RegExp(parsed.path),
      remaining: parsed.times ?? Number.POSITIVE_INFINITY,
      expiresAtMs:
        parsed.forMs === undefined ? Number.POSITIVE_INFINITY : this.now() + parsed.forMs,
    });
    return parsed;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The first rule, in the order added, that matches and wins its probability roll; one of its
   * uses is consumed. Rules that do not match never consume a use or a random number.
   */
  take(method: string, path: string): FaultRule | undefined {
    const now = this.now();
    if (this.rules.some((active) => active.expiresAtMs <= now)) {
      this.rules = this.rules.filter((active) => active.expiresAtMs > now);
    }
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!active.pattern.test(path)) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && !(this.random() < probability)) continue;
      active.remaining -= 1;
      if (active.remaining <= 0) this.rules = this.rules.filter((other) => other !== active);
      return rule;
    }
    return undefined;
  }
}
