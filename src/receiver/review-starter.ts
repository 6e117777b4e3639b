// Starts the durable review for a webhook, through the start every source shares
// (src/reviews/start.ts). The workflow ID is derived from the trigger and phase: a redelivered webhook
// finds its review (`duplicate`) without any state in the receiver, and starts a new run only after
// a run that failed, never after one that decided.
import type { Client } from '@temporalio/client';
import { startReview, TemporalUnavailableError } from '../reviews/start';
import { temporalAnswers } from '../temporal/connection';
import type { ReviewTrigger } from './events';

export { TemporalUnavailableError };

export type StartResult = { status: 'accepted' | 'duplicate'; workflowId: string };

export interface ReviewStarter {
  start(review: ReviewTrigger, receivedAtMs: number): Promise<StartResult>;
  /** Whether Temporal answers right now; backs /readyz. */
  ready(): Promise<boolean>;
}

export function createReviewStarter(
  client: Client,
  options: { taskQueue: string; startTimeoutMs?: number },
): ReviewStarter {
  return {
    async start(review, receivedAtMs) {
      const { status, workflowId } = await startReview(
        client,
        { ...review, receivedAtMs },
        {
          taskQueue: options.taskQueue,
          source: 'webhook',
          ...(options.startTimeoutMs === undefined
            ? {}
            : { startTimeoutMs: options.startTimeoutMs }),
        },
      );
      return { status, workflowId };
    },
    ready: () => temporalAnswers(client),
  };
}
