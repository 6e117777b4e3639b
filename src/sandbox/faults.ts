// Fault injection: rules that make matching requests slow, fail, or answer 2xx with a surprising body,
// so clients can be tested against the rate limits, outages, timeouts and drift the real Statsig has.
import { z } from 'zod';

/**
 * A 2xx answer the client does not expect, sent after the request was handled (the state changed
 * as in Statsig; only the answer is odd):
 * - `malformed-json`: a body that is not JSON;
 * - `wrong-shape`: valid JSON that is not the documented envelope;
 * - `unknown-enums`: the real answer with `status` and every action `type` replaced by values
 *   Statsig does not document (yet).
 */
export const CORRUPT_MODES = ['malformed-json', 'wrong-shape', 'unknown-enums'] as const;
export type CorruptMode = (typeof CORRUPT_MODES)[number];

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
  /** Handle the request, then answer its 2xx with a surprising body; not combined with `status`. */
  corrupt?: CorruptMode;
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
    corrupt: z.enum(CORRUPT_MODES).optional(),
    times: z.number().int().positive().optional(),
    forMs: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
  })
  .refine(
    (rule) =>
      rule.status !== undefined ||
      rule.delayMs !== undefined ||
      rule.responseDelayMs !== undefined ||
      rule.corrupt !== undefined,
    { message: 'a fault rule needs a status, a delayMs, a responseDelayMs or a corrupt' },
  )
  .refine((rule) => rule.status === undefined || rule.corrupt === undefined, {
    message: 'a fault rule answers either with its status or with a corrupted answer, not both',
  });

// Statuses and action types no Statsig document lists: what a client meets when Statsig adds one.
export const UNKNOWN_STATUS = 'RAMPING';
export const UNKNOWN_ACTION_TYPE = 'AUTO_APPROVED';

function withUnknownEnums(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const document = { ...(value as Record<string, unknown>) };
  if (typeof document.status === 'string') document.status = UNKNOWN_STATUS;
  if (Array.isArray(document.actions)) {
    document.actions = document.actions.map((action: unknown) =>
      action !== null && typeof action === 'object'
        ? { ...action, type: UNKNOWN_ACTION_TYPE }
        : action,
    );
  }
  return document;
}

/** The body a corrupt rule sends instead of `payload` (the serialized real answer). */
export function corruptPayload(mode: CorruptMode, payload: string): string {
  if (mode === 'malformed-json') return `${payload.slice(0, Math.floor(payload.length / 2))}<html>`;
  if (mode === 'wrong-shape') return JSON.stringify({ ok: true });
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (body === null || typeof body !== 'object') return payload;
  const { data } = body as { data?: unknown };
  const replaced = Array.isArray(data) ? data.map(withUnknownEnums) : withUnknownEnums(data);
  return JSON.stringify(data === undefined ? body : { ...body, data: replaced });
}

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
