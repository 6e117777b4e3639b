// People's side of a review, from outside the workflow: find reviews, read one (the `progress` query
// while it runs, its report once it has finished) and send a decision (the `decide` update). Both the
// CLI (`rollout-gate review …`) and the receiver's review API use this, so they give the same answers
// with the same stable error codes.
import {
  ApplicationFailure,
  type Client,
  type WorkflowExecutionDescription,
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
  type ReviewSource,
  reviewWorkflowId,
} from '../../workflows/contract';
import type { UndoOutcome } from '../../workflows/rollback-contract';
import { GRPC_INVALID_ARGUMENT, grpcCode, message, ReviewError, unavailable } from './errors';
import { explainFailure, type ReviewFailure } from './failure';
import {
  FILTER_ATTRIBUTES,
  type ReviewFilter,
  reviewsQuery,
  type SearchAttributeKey,
} from './query';
import { type RerunInput, type RerunStarted, rerunReview } from './rerun';
import { findStuck, type StuckReviews } from './stuck';
import { type UndoInput, undoReview } from './undo';

export { REVIEW_ERRORS, ReviewError, type ReviewErrorCode } from './errors';
export { type ReviewFilter, reviewsQuery } from './query';
export type { UndoInput } from './undo';

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
  /** Who started it: webhook, catch-up or rerun (absent on reviews from before that was kept). */
  source?: string;
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
  /** Why it ended without deciding (failed, cancelled, terminated, timed out), from its history. */
  failure?: ReviewFailure;
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
  /** How long an undo's writes get before the answer says it is still running; default 60 s. */
  undoTimeoutMs?: number;
  /** The workers' task queue: its catch-up runs say which waiting phases have no review. */
  taskQueue?: string;
  /** Told of every review this control starts (a re-run), e.g. for metrics. */
  onStarted?: (source: ReviewSource) => void;
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
  /** Starts a new run of a review that failed or ended inconclusive without acting. */
  rerun(workflowId: string, input: RerunInput): Promise<RerunStarted>;
  /** Reviews needing a person: waiting, retrying Statsig for long, and waiting phases without one. */
  stuck(options: { retryingOverMs: number }): Promise<StuckReviews>;
  /** Puts back what a finished review rolled back (rules nobody changed since) and unpauses. */
  undo(workflowId: string, input: UndoInput): Promise<UndoOutcome>;
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

export function summarize(
  execution: DescribedExecution,
  uiUrl: string | undefined,
  namespace: string,
) {
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

  /** The review's execution as Temporal describes it; REVIEW_NOT_FOUND for anything else. */
  async function describeExecution(workflowId: string): Promise<WorkflowExecutionDescription> {
    if (workflowId.trim() === '' || workflowId.length > 1000) {
      throw new ReviewError('REVIEW_NOT_FOUND', 'a review ID is 1 to 1000 characters long', {
        workflowId,
      });
    }
    let execution: WorkflowExecutionDescription;
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
    return execution;
  }

  async function describe(workflowId: string): Promise<ReviewSummary> {
    return summarize(await describeExecution(workflowId), options.uiUrl, namespace);
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
      } else {
        details.failure = await within(readTimeoutMs, () =>
          explainFailure(client.workflow.getHandle(workflowId), review.status),
        ).catch((error: unknown) => {
          throw unavailable(error);
        });
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

    ...runControls(client, options, describeExecution),
  };
}

/** Re-running a review, finding the stuck ones, undoing one (src/reviews/rerun.ts, stuck.ts, undo.ts). */
function runControls(
  client: Client,
  options: ReviewControlOptions,
  describeExecution: (workflowId: string) => Promise<WorkflowExecutionDescription>,
): Pick<ReviewControl, 'rerun' | 'stuck' | 'undo'> {
  const readTimeoutMs = options.readTimeoutMs ?? 5_000;
  const within = <T>(ms: number, fn: () => Promise<T>) =>
    client.connection.withDeadline(Date.now() + ms, fn);
  return {
    rerun: (workflowId, input) =>
      rerunReview(client, workflowId, input, {
        describe: describeExecution,
        within: (fn) => within(readTimeoutMs, fn),
        ...(options.onStarted ? { onStarted: options.onStarted } : {}),
      }),
    undo: (workflowId, input) =>
      undoReview(client, workflowId, input, {
        describe: describeExecution,
        within: (fn) => within(readTimeoutMs, fn),
        timeoutMs: options.undoTimeoutMs ?? 60_000,
      }),
    // Each running review costs a describe: more time than one read.
    stuck: ({ retryingOverMs }) =>
      findStuck(client, {
        retryingOverMs,
        summarize: (execution) => summarize(execution, options.uiUrl, client.options.namespace),
        within: (fn) => within(readTimeoutMs * 6, fn),
        ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
      }),
  };
}
