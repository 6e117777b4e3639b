// Telling people about a review without ever holding its decision up. A review starts a small child
// workflow per event (it waits for a person, decided, was superseded, failed) whose one activity
// sends to Slack and the signed webhook from the notification task queue, with retries for an hour.
//
// Why a child workflow, not an activity of the review: the review never awaits the delivery, only
// the child's start (a Temporal server step, no worker or target involved), and the child is
// abandoned when the review closes, so a target that is down or slow neither delays the decision nor
// changes the review's result, and the delivery still finishes after the review has. Its workflow
// ID is per review run and event, so each event is sent once, and the notification's key (the same
// on every retry) lets receivers drop a repeat.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  TimeoutFailure,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { NotificationEvent, ReviewNotification } from '../src/notify/types';
import { failureMessage } from './activity-options';
import type { PlannedPolicy, ReviewReport } from './contract';
import { actionOfSetting } from './decide';
import { NOTIFY_QUEUE_SUFFIX, NOTIFY_WORKFLOW_TYPE, type SideActivities } from './side-contract';
import type { ReviewState } from './state';

/**
 * Histories recorded before notifications existed start no notification workflow: replaying them
 * must not add one, so every new command here sits behind this patch (Temporal's `patched`).
 */
const NOTIFICATIONS_PATCH = 'notifications';

/** The notification workflow: one activity on the notification queue, retried for up to an hour. */
export async function deliverReviewNotification(
  notification: ReviewNotification,
): Promise<{ sent: string[] }> {
  const delivery = proxyActivities<SideActivities>({
    taskQueue: `${workflowInfo().taskQueue}${NOTIFY_QUEUE_SUFFIX}`,
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '1h',
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
  });
  return delivery.sendReviewNotification(notification);
}

/** What people read: why the review waits for them, when it stands waiting. */
function waitingReason(state: ReviewState): string {
  const judgement = state.progress.judgement;
  const open = (judgement?.criteria ?? []).filter((criterion) => criterion.verdict !== 'pass');
  const why = open.map((criterion) => `${criterion.suite}: ${criterion.reason}`).join('; ');
  return `the verdict is inconclusive${why ? `: ${why}` : ''}; a person decides`;
}

function notificationOf(
  state: ReviewState,
  event: NotificationEvent,
  ending: { report?: ReviewReport; reason?: string; failure?: ReviewNotification['failure'] },
): ReviewNotification {
  const { workflowId, runId } = workflowInfo();
  const { progress, target, policy } = state;
  const judgement = progress.judgement;
  const criteria = (judgement?.criteria ?? [])
    .filter((criterion) => criterion.verdict !== 'pass')
    .map(({ suite, metric, name, verdict, reason }) => ({
      suite,
      metric,
      verdict,
      reason,
      ...(name ? { name } : {}),
    }));
  const suites = new Set([
    ...progress.benchmarks.map((entry) => entry.suite),
    ...(judgement?.criteria ?? []).map((criterion) => criterion.suite),
  ]);
  const waiting = event === 'waiting' && progress.decisionDeadlineMs !== undefined;
  return {
    key: `${workflowId}/${runId}/${event}`,
    event,
    workflowId,
    runId,
    request: state.request,
    stage: progress.stage,
    ...(target ? { target } : {}),
    ...(judgement ? { verdict: judgement.verdict } : {}),
    ...(ending.report ? { action: ending.report.action } : {}),
    reason: ending.report?.reason ?? ending.reason ?? waitingReason(state),
    criteria,
    suites: [...suites],
    ...(waiting
      ? {
          decisionDeadlineMs: progress.decisionDeadlineMs,
          ...(policy ? { onDeadline: actionOfSetting(policy.onDecisionTimeout) } : {}),
        }
      : {}),
    ...(progress.evaluation ? { report: progress.evaluation.report } : {}),
    ...(ending.failure ? { failure: ending.failure } : {}),
    atMs: Date.now(),
  };
}

/**
 * Starts the event's notification workflow; resolves once Temporal has started it (or refused a
 * second start of the same event), never on its delivery, and never rejects.
 */
export function notify(
  state: ReviewState,
  event: NotificationEvent,
  ending: { report?: ReviewReport; reason?: string; failure?: ReviewNotification['failure'] } = {},
): Promise<void> {
  // Planning tells whether any target applies to this review; before planning it is not known.
  if ((state.policy as PlannedPolicy | undefined)?.notify === false) return Promise.resolve();
  if (!patched(NOTIFICATIONS_PATCH)) return Promise.resolve();
  const notification = notificationOf(state, event, ending);
  const { workflowId, runId } = notification;
  // Not cancellable: a review cancelled meanwhile still tells what it did.
  return CancellationScope.nonCancellable(() =>
    startChild(NOTIFY_WORKFLOW_TYPE, {
      workflowId: `${workflowId}-notify-${event}-${runId}`,
      args: [notification],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      cancellationType: ChildWorkflowCancellationType.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowExecutionTimeout: '2h',
      staticSummary: `Notify: ${event} (${workflowId})`,
    }),
  ).then(
    () => undefined,
    () => undefined,
  );
}

/** The failure notification: the stage that failed, the activity, the failure's type and message. */
export function notifyFailure(state: ReviewState, error: unknown): Promise<void> {
  let type: string | undefined;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type) type = cause.type;
    else if (cause instanceof TimeoutFailure) type ??= `Timeout (${cause.timeoutType})`;
  }
  const activity = error instanceof ActivityFailure ? error.activityType : undefined;
  return notify(state, 'failed', {
    reason: failureMessage(error),
    failure: { ...(activity ? { activity } : {}), ...(type ? { type } : {}) },
  });
}
