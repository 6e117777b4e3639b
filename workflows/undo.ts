// `rollout-gate review undo <id>`: puts back what a review's rollback changed, rule by rule, and
// resumes a trigger the review paused. A workflow of its own so that its writes go through the
// Statsig writes queue like every other (rate-limited, retried, each at most once), and so that a
// crash half-way finishes the undo rather than leaving some rules restored and others not.
import { workflowInfo } from '@temporalio/workflow';
import { statsigWriteActivities } from './activity-options';
import type { UndoActivities, UndoOutcome, UndoRequest } from './rollback-contract';

export async function undoReviewRollback(request: UndoRequest): Promise<UndoOutcome> {
  const writes = statsigWriteActivities<UndoActivities>();
  const outcome: UndoOutcome = {
    review: request.review,
    undoWorkflowId: workflowInfo().workflowId,
    actor: request.actor,
    restored: [],
    unpaused: false,
    refused: [],
  };
  for (const change of request.rules) {
    const result = await writes.restoreRule({ ...request.entity, change });
    if (result.status === 'restored')
      outcome.restored.push({ rule: change.rule, to: change.before });
    else outcome.refused.push({ rule: change.rule, reason: result.reason, detail: result.detail });
  }
  if (request.unpause) {
    const result = await writes.unpauseRollout(request.unpause);
    if (result.status === 'restored') outcome.unpaused = true;
    else outcome.refused.push({ reason: result.reason, detail: result.detail });
  }
  return outcome;
}
