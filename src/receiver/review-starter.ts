// Starts the durable review for a webhook. The workflow ID is derived from the trigger and phase, and
// Temporal refuses a second start with that ID (running or finished), which is what makes redelivered
// webhooks harmless without any state in the receiver.
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import {
  REVIEW_WORKFLOW_TYPE,
  type ReviewRequest,
  reviewWorkflowId,
} from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { errorMessage } from '../error-message';
import { temporalAnswers } from '../temporal/connection';
import type { ReviewTrigger } from './events';

export type StartResult = { status: 'accepted' | 'duplicate'; workflowId: string };

export interface ReviewStarter {
  start(review: ReviewTrigger, receivedAtMs: number): Promise<StartResult>;
  /** Whether Temporal answers right now; backs /readyz. */
  ready(): Promise<boolean>;
}

export class TemporalUnavailableError extends Error {
  readonly code = 'TEMPORAL_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`Temporal did not accept the review: ${errorMessage(cause)}`);
    this.name = 'TemporalUnavailableError';
  }
}

export function createReviewStarter(
  client: Client,
  options: { taskQueue: string; startTimeoutMs?: number },
): ReviewStarter {
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  return {
    async start(review, receivedAtMs) {
      const workflowId = reviewWorkflowId(review.triggerID, review.phaseID);
      const request: ReviewRequest = { ...review, receivedAtMs };
      try {
        // A deadline keeps the answer fast when Temporal is down, so Statsig retries the delivery
        // instead of timing out on us.
        await client.connection.withDeadline(Date.now() + startTimeoutMs, () =>
          client.workflow.start(REVIEW_WORKFLOW_TYPE, {
            taskQueue: options.taskQueue,
            workflowId,
            args: [request],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
            typedSearchAttributes: [
              { key: SEARCH_ATTRIBUTES.pipelineID, value: review.releasePipelineID },
              { key: SEARCH_ATTRIBUTES.triggerID, value: review.triggerID },
              { key: SEARCH_ATTRIBUTES.phaseID, value: review.phaseID },
              { key: SEARCH_ATTRIBUTES.decision, value: 'pending' },
            ],
            staticSummary: `Review of trigger ${review.triggerID}, phase ${review.phaseID}`,
          }),
        );
        return { status: 'accepted', workflowId };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          return { status: 'duplicate', workflowId };
        }
        throw new TemporalUnavailableError(error);
      }
    },
    ready: () => temporalAnswers(client),
  };
}
