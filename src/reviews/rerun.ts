// `rollout-gate review rerun <id>` and POST /reviews/:id/rerun: a fresh run of a review that ended
// without a decision in Statsig: failed, cancelled, terminated, timed out, or inconclusive with no
// action (nobody decided in time, so the phase still waits). One that approved, aborted or disabled,
// was superseded, or decided with no action on purpose (a dry run, a report-only policy) is refused:
// a second run could decide twice. (The Temporal UI's reset is the other way to run one again; every
// write re-reads the trigger first, so even a reset never approves or aborts twice.)
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ReviewReport, ReviewRequest, ReviewSource } from '../../workflows/contract';
import { ReviewError, unavailable } from './errors';
import { startReview } from './start';

export interface RerunInput {
  /** Who asked, kept in the new run's memo. */
  actor?: string;
  reason?: string;
}

export interface RerunStarted {
  workflowId: string;
  runId: string;
  /** The run it follows: its run ID, how it ended, and why that allows a re-run. */
  previous: { runId: string; status: string; why: string };
}

export interface RerunDependencies {
  describe(workflowId: string): Promise<WorkflowExecutionDescription>;
  within<T>(fn: () => Promise<T>): Promise<T>;
  onStarted?: (source: ReviewSource) => void;
}

const ACTED = new Set(['approved', 'aborted', 'disabled', 'paused', 'rolled-back']);

function refused(workflowId: string, reason: string, details: Record<string, unknown> = {}) {
  return new ReviewError('REVIEW_RERUN_REFUSED', `review ${workflowId} ${reason}`, {
    workflowId,
    ...details,
  });
}

/** Why this run may be followed by another, or the refusal that says why not. */
function rerunnable(workflowId: string, status: string, report: ReviewReport | undefined): string {
  if (status === 'RUNNING') {
    throw refused(
      workflowId,
      'is still running: decide it (approve or reject) or cancel it first',
      {
        status,
      },
    );
  }
  if (status !== 'COMPLETED') {
    if (status === 'CONTINUED_AS_NEW')
      throw refused(workflowId, 'continued as a new run', { status });
    return `it ended ${status} without deciding`;
  }
  const { outcome, action, verdict, reason } = report ?? { outcome: 'decided', action: 'none' };
  if (outcome === 'superseded') {
    throw refused(workflowId, `was superseded (${reason}): the phase no longer waits for it`, {
      status,
      outcome,
    });
  }
  if (ACTED.has(action)) {
    throw refused(
      workflowId,
      `already ${action} the phase (${reason}): a re-run could decide twice; act in Statsig instead`,
      { status, action },
    );
  }
  if (verdict !== 'inconclusive') {
    throw refused(
      workflowId,
      `decided ${verdict ?? 'without a verdict'} and took no action on purpose (${reason}): nothing to re-run`,
      { status, action, verdict: verdict ?? null },
    );
  }
  return 'it ended inconclusive without acting';
}

/** The request the run was started with, from the first event of its history. */
async function requestOf(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<ReviewRequest> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const payload =
    history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`review ${workflowId} has no start input in its history`);
  return defaultPayloadConverter.fromPayload<ReviewRequest>(payload);
}

export async function rerunReview(
  client: Client,
  workflowId: string,
  input: RerunInput,
  deps: RerunDependencies,
): Promise<RerunStarted> {
  const execution = await deps.describe(workflowId);
  const status = execution.status.name;
  let report: ReviewReport | undefined;
  let request: ReviewRequest;
  try {
    if (status === 'COMPLETED') {
      report = (await deps.within(() =>
        client.workflow.getHandle(workflowId, execution.runId).result(),
      )) as ReviewReport;
    }
  } catch (error) {
    throw unavailable(error);
  }
  const why = rerunnable(workflowId, status, report);
  try {
    request = await deps.within(() => requestOf(client, workflowId, execution.runId));
  } catch (error) {
    throw unavailable(error);
  }
  const started = await startReview(
    client,
    // A new start: changes saved after now are new versions, as for a fresh webhook.
    { ...request, receivedAtMs: Date.now() },
    {
      taskQueue: execution.taskQueue,
      source: 'rerun',
      memo: {
        rerunOf: {
          runId: execution.runId,
          status,
          ...(input.actor ? { by: input.actor } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
        },
      },
    },
  ).catch((error: unknown) => {
    throw unavailable(error);
  });
  if (started.status !== 'accepted') {
    throw refused(started.workflowId, 'was started again meanwhile (a webhook or another re-run)');
  }
  deps.onStarted?.('rerun');
  return {
    workflowId: started.workflowId,
    runId: started.runId,
    previous: { runId: execution.runId, status, why },
  };
}
