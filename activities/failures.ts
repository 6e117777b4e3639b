// Errors leave the activities as Temporal failures with stable types, so the workflow's retry
// policies (not ad-hoc loops) decide what is retried.
import { ApplicationFailure } from '@temporalio/activity';
import { StatsigApiError } from '../src/statsig/errors';
import { FAILURE } from '../workflows/contract';

/** Statsig's retryable answers stay retryable; the rest fail the activity for good. */
export function toFailure(error: unknown): never {
  if (error instanceof StatsigApiError) {
    if (error.retryable) {
      throw ApplicationFailure.create({
        type: error.code,
        message: error.message,
        // Honour Retry-After over the policy's own backoff when Statsig names a time.
        nextRetryDelay: error.details.retryAfterMs,
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
