// Starts the durable pre-commit validation for a webhook. The workflow ID comes from Statsig's review
// ID and Temporal refuses a second start with it (running or finished), so a redelivered webhook
// starts nothing and the review is answered once.
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import {
  PRE_COMMIT_WORKFLOW_TYPE,
  type PreCommitRequest,
  preCommitWorkflowId,
} from '../../workflows/pre-commit-contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { type StartResult, TemporalUnavailableError } from './review-starter';

export interface PreCommitStarter {
  start(request: PreCommitRequest): Promise<StartResult>;
}

export function createPreCommitStarter(
  client: Client,
  options: { taskQueue: string; startTimeoutMs?: number },
): PreCommitStarter {
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  return {
    async start(request) {
      const workflowId = preCommitWorkflowId(request.reviewID);
      try {
        // Statsig waits 2 minutes for the whole validation: a start that hangs must not eat them.
        await client.connection.withDeadline(Date.now() + startTimeoutMs, () =>
          client.workflow.start(PRE_COMMIT_WORKFLOW_TYPE, {
            taskQueue: options.taskQueue,
            workflowId,
            args: [request],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
            typedSearchAttributes: [
              { key: SEARCH_ATTRIBUTES.entity, value: request.configName },
              { key: SEARCH_ATTRIBUTES.decision, value: 'pending' },
            ],
            staticSummary: `Pre-commit validation of ${request.configType} ${request.configName} (review ${request.reviewID})`,
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
  };
}
