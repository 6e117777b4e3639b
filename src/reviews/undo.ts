// `rollout-gate review undo <id>` and POST /reviews/:id/undo: puts back what a finished review's
// rollback changed (each rule only while it still shows what the rollback set) and resumes a trigger
// it paused. The writes run in an undo workflow (workflows/undo.ts) on the review's task queue, so
// they are rate-limited and made at most once like every other; this waits for its answer.
import {
  type Client,
  type WorkflowExecutionDescription,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import type { ReviewReport } from '../../workflows/contract';
import {
  UNDO_WORKFLOW_TYPE,
  type UndoOutcome,
  type UndoRequest,
  undoWorkflowId,
} from '../../workflows/rollback-contract';
import { ReviewError, unavailable } from './errors';

export interface UndoInput {
  /** Who asked, recorded in the undo's result. */
  actor: string;
  reason?: string;
}

export interface UndoDependencies {
  describe(workflowId: string): Promise<WorkflowExecutionDescription>;
  within<T>(fn: () => Promise<T>): Promise<T>;
  /** How long to wait for the undo's answer before saying it is still running. */
  timeoutMs: number;
}

function refused(workflowId: string, reason: string, details: Record<string, unknown> = {}) {
  return new ReviewError('REVIEW_UNDO_REFUSED', `review ${workflowId} ${reason}`, {
    workflowId,
    ...details,
  });
}

/** What the review's report says to undo, or the refusal that says why there is nothing. */
export function undoRequestOf(
  workflowId: string,
  report: ReviewReport,
  input: UndoInput,
): UndoRequest {
  const rules = (report.rollback?.rules ?? []).map(({ rule, before, after }) => ({
    rule,
    before,
    after,
  }));
  const paused = report.action === 'paused' || report.rollback?.afterwards === 'paused';
  if (rules.length === 0 && !paused) {
    throw refused(
      workflowId,
      `has nothing to undo: it ${report.action === 'none' ? 'took no action' : report.action} (${report.reason}); only a rollback or a pause can be undone`,
      { action: report.action },
    );
  }
  const entity =
    report.rollback?.entity ??
    (report.target ? { kind: report.target.kind, id: report.target.id } : undefined);
  if (!entity) throw refused(workflowId, 'names no entity to undo on');
  const { triggerID, phaseID } = report.request;
  return {
    review: workflowId,
    actor: input.actor,
    ...(input.reason ? { reason: input.reason } : {}),
    entity,
    rules,
    ...(paused ? { unpause: { triggerID, phaseID } } : {}),
  };
}

export async function undoReview(
  client: Client,
  workflowId: string,
  input: UndoInput,
  deps: UndoDependencies,
): Promise<UndoOutcome> {
  const execution = await deps.describe(workflowId);
  if (execution.status.name !== 'COMPLETED') {
    throw refused(
      workflowId,
      execution.status.name === 'RUNNING'
        ? 'is still running: nothing to undo before it has acted'
        : `ended ${execution.status.name} without acting: nothing to undo`,
      { status: execution.status.name },
    );
  }
  let report: ReviewReport;
  try {
    report = (await deps.within(() =>
      client.workflow.getHandle(workflowId, execution.runId).result(),
    )) as ReviewReport;
  } catch (error) {
    throw unavailable(error);
  }
  const request = undoRequestOf(workflowId, report, input);
  const id = undoWorkflowId(workflowId);
  let handle: Awaited<ReturnType<Client['workflow']['start']>>;
  try {
    handle = await deps.within(() =>
      client.workflow.start(UNDO_WORKFLOW_TYPE, {
        taskQueue: execution.taskQueue,
        workflowId: id,
        args: [request],
        // Asked again after an undo finished: a new run (rules already back are refused as such).
        // Asked while one runs: the same run.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        staticSummary: `Undo of ${workflowId}'s rollback (by ${input.actor})`,
      }),
    );
  } catch (error) {
    throw unavailable(error);
  }
  try {
    return (await client.connection.withDeadline(Date.now() + deps.timeoutMs, () =>
      handle.result(),
    )) as UndoOutcome;
  } catch (error) {
    throw new ReviewError(
      'REVIEW_UNDO_TIMEOUT',
      `the undo ${id} did not answer within ${deps.timeoutMs} ms (${error instanceof Error ? error.message : String(error)}): it goes on; read it in the Temporal UI, or ask again to see what it did`,
      { workflowId, undoWorkflowId: id },
    );
  }
}
