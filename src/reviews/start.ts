// Starting a review, for every way one starts: a webhook (src/receiver/review-starter.ts), the
// catch-up (activities/catch-up.ts, through the worker's ReviewDirectory) and a re-run
// (src/reviews/rerun.ts). One workflow ID per trigger and phase; who may start another run under it
// depends on who asks:
// - a webhook: a new run only after a failed, cancelled, terminated or timed-out one
//   (ALLOW_DUPLICATE_FAILED_ONLY), never after a review that completed;
// - the catch-up: only where no review exists at all (REJECT_DUPLICATE), so a failing review is not
//   restarted every interval: it waits for a person (`review rerun`);
// - a re-run: any closed run (ALLOW_DUPLICATE), after src/reviews/rerun.ts checked it did not act.
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  REVIEW_WORKFLOW_TYPE,
  type ReviewRequest,
  type ReviewSource,
  reviewWorkflowId,
} from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { errorMessage } from '../error-message';

export class TemporalUnavailableError extends Error {
  readonly code = 'TEMPORAL_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`Temporal did not accept the review: ${errorMessage(cause)}`);
    this.name = 'TemporalUnavailableError';
  }
}

export type StartResult =
  | { status: 'accepted'; workflowId: string; runId: string }
  | { status: 'duplicate'; workflowId: string };

export interface StartOptions {
  taskQueue: string;
  source: ReviewSource;
  /** Deadline of the start in ms; default 5 s, so a receiver answers fast while Temporal is down. */
  startTimeoutMs?: number;
  /** Extra memo (a re-run names the run it repeats and who asked). */
  memo?: Record<string, unknown>;
}

const REUSE: Record<ReviewSource, WorkflowIdReusePolicy> = {
  webhook: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  'catch-up': WorkflowIdReusePolicy.REJECT_DUPLICATE,
  rerun: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
};

const UNDECIDED = new Set(['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);

/**
 * Before `-` and `~` were escaped in review IDs, `review-<trigger>-<phase>` was used as it was. A
 * review started then under that ID for this very trigger and phase (its search attributes say) is
 * this review: found, not started twice. Only IDs holding those characters look.
 */
async function legacyReview(
  client: Client,
  request: ReviewRequest,
  source: ReviewSource,
): Promise<string | undefined> {
  const legacyId = `review-${request.triggerID}-${request.phaseID}`;
  if (legacyId === reviewWorkflowId(request.triggerID, request.phaseID)) return undefined;
  try {
    const described = await client.workflow.getHandle(legacyId).describe();
    const attributes = described.typedSearchAttributes;
    const same =
      described.type === REVIEW_WORKFLOW_TYPE &&
      attributes.get(SEARCH_ATTRIBUTES.triggerID) === request.triggerID &&
      attributes.get(SEARCH_ATTRIBUTES.phaseID) === request.phaseID;
    if (!same) return undefined;
    // A webhook may start a new run after a failed one, under the new ID.
    if (source === 'webhook' && UNDECIDED.has(described.status.name)) return undefined;
    return legacyId;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** Starts the review of `request`'s trigger and phase, or finds that one exists. */
export async function startReview(
  client: Client,
  request: ReviewRequest,
  options: StartOptions,
): Promise<StartResult> {
  const workflowId = reviewWorkflowId(request.triggerID, request.phaseID);
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  try {
    // A deadline keeps the answer fast when Temporal is down, so Statsig retries the delivery
    // instead of timing out on us.
    return await client.connection.withDeadline(Date.now() + startTimeoutMs, async () => {
      if (options.source !== 'rerun') {
        const legacy = await legacyReview(client, request, options.source);
        if (legacy) return { status: 'duplicate', workflowId: legacy };
      }
      const handle = await client.workflow.start(REVIEW_WORKFLOW_TYPE, {
        taskQueue: options.taskQueue,
        workflowId,
        args: [request],
        workflowIdReusePolicy: REUSE[options.source],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.pipelineID, value: request.releasePipelineID },
          { key: SEARCH_ATTRIBUTES.triggerID, value: request.triggerID },
          { key: SEARCH_ATTRIBUTES.phaseID, value: request.phaseID },
          { key: SEARCH_ATTRIBUTES.decision, value: 'pending' },
          { key: SEARCH_ATTRIBUTES.source, value: options.source },
        ],
        ...(options.memo ? { memo: options.memo } : {}),
        staticSummary: `Review of trigger ${request.triggerID}, phase ${request.phaseID} (${options.source})`,
      });
      return { status: 'accepted', workflowId, runId: handle.firstExecutionRunId };
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return { status: 'duplicate', workflowId };
    }
    throw new TemporalUnavailableError(error);
  }
}
