// Errors leave the activities as Temporal failures with stable types, so the workflow's retry
// policies (not ad-hoc loops) decide what is retried.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { StatsigApiError } from '../src/statsig/errors';
import { FAILURE } from '../workflows/contract';

/** Longest wait after a 429 that named no time, before jitter. */
const RATE_LIMIT_BACKOFF_CAP_MS = 60_000;

/**
 * How long to wait after a 429: Statsig's Retry-After when it names one; else exponential backoff
 * with jitter, so workers that were refused together do not all come back in the same second.
 */
function rateLimitDelayMs(error: StatsigApiError): number | undefined {
  if (error.details.retryAfterMs !== undefined) return error.details.retryAfterMs;
  if (error.code !== 'STATSIG_RATE_LIMITED') return undefined;
  const attempt = Context.current().info.attempt;
  const backoff = Math.min(RATE_LIMIT_BACKOFF_CAP_MS, 1000 * 2 ** (attempt - 1));
  return Math.round(backoff * (0.5 + Math.random()));
}

/** Statsig's retryable answers stay retryable; the rest fail the activity for good. */
export function toFailure(error: unknown): never {
  if (error instanceof StatsigApiError) {
    if (error.retryable) {
      throw ApplicationFailure.create({
        type: error.code,
        message: error.message,
        nextRetryDelay: rateLimitDelayMs(error),
        // Statsig's answer, for `review show` of a review whose retries ran out.
        details: [{ code: error.code, status: error.details.status ?? null }],
      });
    }
    throw ApplicationFailure.create({
      type: FAILURE.statsigRejected,
      message: error.message,
      nonRetryable: true,
      details: [{ code: error.code, status: error.details.status ?? null }],
    });
  }
  throw error;
}
