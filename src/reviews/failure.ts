// Why a review ended without deciding, read from its history as the Temporal UI shows it: the stage
// and the activity that failed, the failure's type and message, and Statsig's last answer. Needs no
// worker (no query replays anything), so it answers for reviews whose workers are gone.
import type { WorkflowHandle } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { ReviewStage } from '../../workflows/contract';

/** The stage each activity runs in (workflows/review.ts). */
export const STAGE_OF_ACTIVITY: Record<string, ReviewStage> = {
  loadReviewTarget: 'load target',
  planReview: 'plan',
  loadBaseline: 'plan',
  runBenchmark: 'run benchmarks',
  evaluateReview: 'evaluate',
  reconcileReview: 'reconcile',
  readTrigger: 'reconcile',
  approvePhase: 'act',
  abortRollout: 'act',
  disableEntity: 'act',
  pauseRollout: 'act',
  planRollback: 'act',
  rollbackRule: 'act',
  recordReviewResult: 'record',
};

/** Activities that call Statsig (the Console API, or the Events API for recording). */
export const STATSIG_ACTIVITIES = new Set([
  'loadReviewTarget',
  'loadBaseline',
  'reconcileReview',
  'readTrigger',
  'approvePhase',
  'abortRollout',
  'disableEntity',
  'pauseRollout',
  'planRollback',
  'rollbackRule',
  'recordReviewResult',
]);

export interface ReviewFailure {
  /** How the run closed: FAILED, CANCELLED, TERMINATED or TIMED_OUT. */
  status: string;
  /** The stage it was in: the failing activity's, else the last activity's. */
  stage?: ReviewStage;
  activity?: string;
  /** The attempt the activity gave up on. */
  attempt?: number;
  /** The failure's type (StatsigRejected, STATSIG_SERVER_ERROR, Timeout (SCHEDULE_TO_CLOSE)…). */
  type?: string;
  message: string;
  /** The HTTP status of Statsig's last answer to that call; null when none came (timeout, network). */
  statsigStatus?: number | null;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const converter = new DefaultFailureConverter();

/** Statsig's status: the failure's details (activities/failures.ts), else its message (`→ 503:`). */
function statsigStatusOf(failure: ApplicationFailure): number | null | undefined {
  const detail = failure.details?.[0] as { status?: unknown } | undefined;
  if (detail && (typeof detail.status === 'number' || detail.status === null)) return detail.status;
  const match = / → (\d{3})\b/.exec(failure.message);
  return match ? Number(match[1]) : undefined;
}

/** Walks a converted failure: the activity, then the deepest application or timeout failure. */
function describeError(error: Error, failure: ReviewFailure, events: HistoryEvent[]): void {
  failure.message = error.message;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ActivityFailure) {
      failure.activity = cause.activityType;
      failure.stage = STAGE_OF_ACTIVITY[cause.activityType] ?? failure.stage;
      const activityId = cause.activityId;
      const scheduled = events.find(
        (event) => event.activityTaskScheduledEventAttributes?.activityId === activityId,
      );
      const started = events.find(
        (event) =>
          scheduled !== undefined &&
          Number(event.activityTaskStartedEventAttributes?.scheduledEventId) ===
            Number(scheduled.eventId),
      );
      const attempt = started?.activityTaskStartedEventAttributes?.attempt;
      if (attempt) failure.attempt = attempt;
    } else if (cause instanceof TimeoutFailure) {
      failure.type ??= `Timeout (${cause.timeoutType})`;
      failure.message = cause.message || failure.message;
    } else if (cause instanceof ApplicationFailure) {
      // The innermost cause says most: a timeout's cause is the last attempt's own failure.
      failure.type = cause.type ?? failure.type;
      failure.message = cause.message;
      const status = statsigStatusOf(cause);
      if (status !== undefined) failure.statsigStatus = status;
    } else if (cause instanceof TerminatedFailure) {
      failure.type = 'Terminated';
    }
  }
  if (
    failure.activity &&
    STATSIG_ACTIVITIES.has(failure.activity) &&
    failure.statsigStatus === undefined &&
    failure.type?.startsWith('Timeout')
  ) {
    failure.statsigStatus = null;
  }
}

/** Explains a closed review that did not decide; `status` is Temporal's (FAILED, CANCELLED…). */
export async function explainFailure(
  handle: WorkflowHandle,
  status: string,
): Promise<ReviewFailure> {
  const events = (await handle.fetchHistory()).events ?? [];
  const failure: ReviewFailure = { status, message: `the review's run ended ${status}` };
  const lastActivity = [...events]
    .reverse()
    .find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)
    ?.activityTaskScheduledEventAttributes?.activityType?.name;
  if (lastActivity) failure.stage = STAGE_OF_ACTIVITY[lastActivity];
  const closing = events.at(-1);
  const failed = closing?.workflowExecutionFailedEventAttributes?.failure;
  if (failed) {
    describeError(converter.failureToError(failed, defaultPayloadConverter), failure, events);
  } else if (closing?.workflowExecutionTerminatedEventAttributes) {
    const { reason, identity } = closing.workflowExecutionTerminatedEventAttributes;
    failure.type = 'Terminated';
    failure.message = `terminated${identity ? ` by ${identity}` : ''}${reason ? `: ${reason}` : ''}`;
  } else if (closing?.workflowExecutionCanceledEventAttributes) {
    failure.type = 'Cancelled';
    failure.message = 'cancelled (the Temporal UI, `temporal workflow cancel`, or an operator)';
  } else if (closing?.workflowExecutionTimedOutEventAttributes) {
    failure.type = 'Timeout (workflow execution)';
    failure.message = "the review's execution timeout passed";
  }
  return failure;
}
