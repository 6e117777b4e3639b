// People's side of a review, from outside the workflow: find reviews, read one (the `progress` query
// while it runs, its report once it has finished) and send a decision (the `decide` update). Both the
// CLI (`rollout-gate review …`) and the receiver's review API use this, so they give the same answers
// with the same stable error codes.
import {
  ApplicationFailure,
  type Client,
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { z } from 'zod';
import {
  DECISION_REFUSED,
  type DecideInput,
  decideUpdate,
  progressQuery,
  REVIEW_WORKFLOW_TYPE,
  type ReviewProgress,
  type ReviewReport,
  reviewWorkflowId,
} from '../../workflows/contract';
import { isQueryableLiteral, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { errorMessage } from '../error-message';

/** Stable codes with their HTTP status; the CLI maps them to exit codes. */
export const REVIEW_ERRORS = {
  REVIEW_NOT_FOUND: 404,
  REVIEW_ALREADY_DECIDED: 409,
  REVIEW_ALREADY_ACTED: 409,
  REVIEW_NOT_RUNNING: 409,
  REVIEW_DECISION_INVALID: 400,
  REVIEW_FILTER_INVALID: 400,
  REVIEW_DECISION_TIMEOUT: 503,
  TEMPORAL_UNAVAILABLE: 503,
} as const;

export type ReviewErrorCode = keyof typeof REVIEW_ERRORS;

export class ReviewError extends Error {
  readonly status: number;
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ReviewError';
    this.status = REVIEW_ERRORS[code];
  }
}

/** A person's decision as the CLI and the review API accept it; the workflow validates it again. */
export const decisionSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  actor: z
    .string()
    .trim()
    .min(1, 'must name the person deciding')
    .max(200, 'must be at most 200 characters'),
  reason: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
});

/** Where a review lives and what the search attributes say about it. */
export interface ReviewSummary {
  workflowId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, CANCELLED, TERMINATED, FAILED, TIMED_OUT… */
  status: string;
  startedAt: string;
  closedAt?: string;
  pipelineID?: string;
  triggerID?: string;
  phaseID?: string;
  entity?: string;
  verdict?: string;
  /** pending, waiting (for a person), approved, aborted, disabled, none or superseded. */
  decision?: string;
  /** The review in the Temporal UI, when its base URL is known. */
  uiUrl?: string;
}

export interface ReviewDetails {
  review: ReviewSummary;
  /** The workflow's own `progress` answer while it runs. */
  progress?: ReviewProgress;
  /** Why progress is missing while the review runs (no worker answered the query). */
  progressUnavailable?: string;
  /** What the review decided, once it completed. */
  report?: ReviewReport;
}

export interface ReviewFilter {
  pipelineID?: string;
  triggerID?: string;
  phaseID?: string;
  entity?: string;
  verdict?: string;
  decision?: string;
  /** Temporal execution status, e.g. Running or Completed. */
  status?: string;
}

export interface ReviewControlOptions {
  /** Base URL of the Temporal UI, for links. */
  uiUrl?: string;
  /** Deadline of a read (describe, list, result) in ms; default 5 s. */
  readTimeoutMs?: number;
  /** How long a running review's worker gets to answer `progress`; default 3 s. */
  queryTimeoutMs?: number;
  /** How long a worker gets to take a decision; default 10 s. */
  decideTimeoutMs?: number;
}

export interface DecisionAccepted {
  workflowId: string;
  decision: DecideInput['decision'];
  actor: string;
  /** The stage the review was in when it took the decision. */
  stage: string;
}

export interface ReviewControl {
  show(workflowId: string): Promise<ReviewDetails>;
  decide(workflowId: string, input: DecideInput): Promise<DecisionAccepted>;
  list(filter: ReviewFilter, limit: number): Promise<ReviewSummary[]>;
}

/** Most reviews one list answers, from the CLI or the review API: one page of Temporal's list. */
export const MAX_REVIEWS_LISTED = 100;

/** A review is named by its workflow ID, or by the trigger and phase it reviews. */
export function reviewIdOf(
  input: { workflowId: string } | { triggerID: string; phaseID: string },
): string {
  return 'workflowId' in input
    ? input.workflowId
    : reviewWorkflowId(input.triggerID, input.phaseID);
}

// gRPC status codes (from the gRPC spec) the answers depend on.
const GRPC_INVALID_ARGUMENT = 3;

type SearchAttributeKey = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

/** The review fields kept in search attributes: a filter can name them, a summary shows them. */
const FILTER_ATTRIBUTES: Record<Exclude<keyof ReviewFilter, 'status'>, SearchAttributeKey> = {
  pipelineID: SEARCH_ATTRIBUTES.pipelineID,
  triggerID: SEARCH_ATTRIBUTES.triggerID,
  phaseID: SEARCH_ATTRIBUTES.phaseID,
  entity: SEARCH_ATTRIBUTES.entity,
  verdict: SEARCH_ATTRIBUTES.verdict,
  decision: SEARCH_ATTRIBUTES.decision,
};

const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
];

/** The visibility query for a filter; throws REVIEW_FILTER_INVALID for a value it cannot carry. */
export function reviewsQuery(filter: ReviewFilter): string {
  const clauses = [`WorkflowType = "${REVIEW_WORKFLOW_TYPE}"`];
  for (const [field, attribute] of Object.entries(FILTER_ATTRIBUTES)) {
    const value = filter[field as keyof typeof FILTER_ATTRIBUTES];
    if (value === undefined) continue;
    // A value a query literal cannot carry as it is gets refused rather than guessed at.
    if (!isQueryableLiteral(value)) {
      throw new ReviewError(
        'REVIEW_FILTER_INVALID',
        `${field} may hold letters, digits and . : / @ + - _ and spaces only`,
        { field },
      );
    }
    clauses.push(`${attribute.name} = "${value}"`);
  }
  if (filter.status !== undefined) {
    const status = EXECUTION_STATUSES.find(
      (known) => known.toLowerCase() === filter.status?.toLowerCase(),
    );
    if (!status) {
      throw new ReviewError(
        'REVIEW_FILTER_INVALID',
        `status must be one of ${EXECUTION_STATUSES.join(', ')}`,
        { field: 'status' },
      );
    }
    clauses.push(`ExecutionStatus = "${status}"`);
  }
  return clauses.join(' AND ');
}

/** Temporal's ServiceError wraps the gRPC error that says what went wrong. */
function message(error: unknown): string {
  if (error instanceof ServiceError && error.cause) return message(error.cause);
  return errorMessage(error);
}

function unavailable(error: unknown): ReviewError {
  return new ReviewError('TEMPORAL_UNAVAILABLE', `Temporal did not answer: ${message(error)}`);
}

function grpcCode(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (error instanceof ServiceError && isGrpcServiceError(error.cause)) return error.cause.code;
  return undefined;
}

interface DescribedExecution {
  workflowId: string;
  type: string;
  status: { name: string };
  startTime: Date;
  closeTime?: Date | undefined;
  typedSearchAttributes: {
    get(key: SearchAttributeKey): unknown;
  };
}

function summarize(execution: DescribedExecution, uiUrl: string | undefined, namespace: string) {
  const summary: ReviewSummary = {
    workflowId: execution.workflowId,
    status: execution.status.name,
    startedAt: execution.startTime.toISOString(),
  };
  if (execution.closeTime) summary.closedAt = execution.closeTime.toISOString();
  for (const [field, key] of Object.entries(FILTER_ATTRIBUTES)) {
    const value = execution.typedSearchAttributes.get(key);
    if (typeof value === 'string') summary[field as keyof typeof FILTER_ATTRIBUTES] = value;
  }
  if (uiUrl) {
    summary.uiUrl = `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(execution.workflowId)}`;
  }
  return summary;
}

function closedError(review: ReviewSummary): ReviewError {
  if (review.status === 'COMPLETED') {
    return new ReviewError(
      'REVIEW_ALREADY_ACTED',
      `review ${review.workflowId} has already finished (${review.decision ?? 'decided'})`,
      { workflowId: review.workflowId, decision: review.decision ?? null },
    );
  }
  return new ReviewError(
    'REVIEW_NOT_RUNNING',
    `review ${review.workflowId} is ${review.status}: nothing can be decided any more`,
    { workflowId: review.workflowId, status: review.status },
  );
}

/** Why the review refused a decision, or undefined when the update never reached a worker. */
function refusal(
  error: unknown,
  workflowId: string,
  decideTimeoutMs: number,
): ReviewError | undefined {
  if (error instanceof WorkflowUpdateFailedError) {
    // The workflow's validator refused it: its failure type says why, its message for whom.
    const reason = error.cause?.message ?? error.message;
    const type = error.cause instanceof ApplicationFailure ? error.cause.type : undefined;
    if (type === DECISION_REFUSED.alreadyDecided || type === DECISION_REFUSED.alreadyActed) {
      return new ReviewError(type, reason, { workflowId });
    }
    return new ReviewError('REVIEW_DECISION_INVALID', reason, { workflowId });
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ReviewError(
      'REVIEW_DECISION_TIMEOUT',
      `no worker confirmed the decision within ${decideTimeoutMs} ms: check that workers are running, then read the review before deciding again`,
      { workflowId },
    );
  }
  return undefined;
}

export function createReviewControl(
  client: Client,
  options: ReviewControlOptions = {},
): ReviewControl {
  const readTimeoutMs = options.readTimeoutMs ?? 5_000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 3_000;
  const decideTimeoutMs = options.decideTimeoutMs ?? 10_000;
  const namespace = client.options.namespace;
  const within = <T>(ms: number, fn: () => Promise<T>) =>
    client.connection.withDeadline(Date.now() + ms, fn);

  async function describe(workflowId: string): Promise<ReviewSummary> {
    if (workflowId.trim() === '' || workflowId.length > 1000) {
      throw new ReviewError('REVIEW_NOT_FOUND', 'a review ID is 1 to 1000 characters long', {
        workflowId,
      });
    }
    let execution: DescribedExecution;
    try {
      execution = await within(readTimeoutMs, () =>
        client.workflow.getHandle(workflowId).describe(),
      );
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || grpcCode(error) === GRPC_INVALID_ARGUMENT) {
        throw new ReviewError('REVIEW_NOT_FOUND', `no review ${workflowId}`, { workflowId });
      }
      throw unavailable(error);
    }
    // Other workflows may share the namespace: they are not reviews, and not ours to steer.
    if (execution.type !== REVIEW_WORKFLOW_TYPE) {
      throw new ReviewError('REVIEW_NOT_FOUND', `no review ${workflowId}`, { workflowId });
    }
    return summarize(execution, options.uiUrl, namespace);
  }

  return {
    async show(workflowId) {
      const review = await describe(workflowId);
      const details: ReviewDetails = { review };
      if (review.status === 'RUNNING') {
        try {
          details.progress = await within(queryTimeoutMs, () =>
            client.workflow.getHandle(workflowId).query(progressQuery),
          );
        } catch (error) {
          // Temporal answered describe: a silent query means no worker is polling for this review.
          details.progressUnavailable = `no worker answered the progress query within ${queryTimeoutMs} ms (${message(error)})`;
        }
      } else if (review.status === 'COMPLETED') {
        try {
          details.report = (await within(readTimeoutMs, () =>
            client.workflow.getHandle(workflowId).result(),
          )) as ReviewReport;
        } catch (error) {
          throw unavailable(error);
        }
      }
      return details;
    },

    async decide(workflowId, input) {
      const review = await describe(workflowId);
      if (review.status !== 'RUNNING') throw closedError(review);
      try {
        const answer = await within(decideTimeoutMs, () =>
          client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, { args: [input] }),
        );
        return { workflowId, decision: input.decision, actor: input.actor, stage: answer.stage };
      } catch (error) {
        const refused = refusal(error, workflowId, decideTimeoutMs);
        if (refused) throw refused;
        // The review may have closed between describe and the update.
        const now = await describe(workflowId).catch(() => undefined);
        if (now && now.status !== 'RUNNING') throw closedError(now);
        throw unavailable(error);
      }
    },

    async list(filter, limit) {
      const query = reviewsQuery(filter);
      const reviews: ReviewSummary[] = [];
      try {
        await within(readTimeoutMs, async () => {
          for await (const execution of client.workflow.list({ query, pageSize: limit })) {
            reviews.push(summarize(execution, options.uiUrl, namespace));
            if (reviews.length >= limit) break;
          }
        });
      } catch (error) {
        if (grpcCode(error) === GRPC_INVALID_ARGUMENT) {
          throw new ReviewError(
            'REVIEW_FILTER_INVALID',
            `Temporal refused the query: ${message(error)}`,
          );
        }
        throw unavailable(error);
      }
      return reviews;
    },
  };
}
