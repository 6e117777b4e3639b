// `rollout-gate review … --url https://gate.example.com`: the same commands through a receiver's review
// API, for people who can reach the receiver but not Temporal's gRPC port. Answers and refusals are
// the API's, so they map onto the same review error codes and exit codes.

import type { UndoOutcome } from '../../workflows/rollback-contract';
import { causeMessage } from '../error-message';
import {
  type DecisionAccepted,
  REVIEW_ERRORS,
  type ReviewControl,
  type ReviewDetails,
  ReviewError,
  type ReviewErrorCode,
  type ReviewSummary,
} from '../reviews/control';
import type { RerunStarted } from '../reviews/rerun';
import type { StuckReviews } from '../reviews/stuck';
import { CliError, EXIT } from './errors';

const TIMEOUT_MS = 20_000;

function isReviewCode(code: unknown): code is ReviewErrorCode {
  return typeof code === 'string' && code in REVIEW_ERRORS;
}

export function createHttpReviewControl(baseUrl: string, token: string): ReviewControl {
  const base = baseUrl.replace(/\/+$/, '');

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = causeMessage(error);
      throw new CliError(`The review API at ${base} did not answer: ${cause}`, EXIT.unavailable);
    }
    const json = (await response.json().catch(() => undefined)) as
      | { error?: { code?: unknown; message?: string } }
      | undefined;
    if (response.ok) return json as T;
    const code = json?.error?.code;
    const message = json?.error?.message ?? `HTTP ${response.status}`;
    if (isReviewCode(code)) throw new ReviewError(code, message);
    const hint =
      response.status === 401
        ? ' (check REVIEW_API_TOKEN)'
        : code === 'REVIEW_API_DISABLED'
          ? ''
          : ` (HTTP ${response.status} from ${base}${path})`;
    throw new CliError(`${typeof code === 'string' ? `${code}: ` : ''}${message}${hint}`);
  }

  const encode = encodeURIComponent;
  return {
    show: (workflowId) => call<ReviewDetails>('GET', `/reviews/${encode(workflowId)}`),
    async decide(workflowId, input) {
      const answer = await call<DecisionAccepted & { accepted: true }>(
        'POST',
        `/reviews/${encode(workflowId)}/decision`,
        input,
      );
      const { accepted: _accepted, ...decision } = answer;
      return decision;
    },
    rerun: (workflowId, input) =>
      call<RerunStarted>('POST', `/reviews/${encode(workflowId)}/rerun`, input),
    undo: (workflowId, input) =>
      call<UndoOutcome>('POST', `/reviews/${encode(workflowId)}/undo`, input),
    stuck: ({ retryingOverMs }) =>
      call<StuckReviews>('GET', `/reviews/stuck?retryingMinutes=${retryingOverMs / 60_000}`),
    async list(filter, limit) {
      const query = new URLSearchParams({ limit: String(limit) });
      for (const [field, value] of Object.entries(filter)) {
        if (value !== undefined) query.set(field, value);
      }
      const answer = await call<{ reviews: ReviewSummary[] }>('GET', `/reviews?${query}`);
      return answer.reviews;
    },
  };
}
