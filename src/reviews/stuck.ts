// Reviews that need a person: those waiting for a decision, those retrying a Statsig call for longer
// than a bound (from each running review's pending activities and its history), and phases waiting
// in Statsig without a review (from the latest catch-up run; finding those needs Statsig's list,
// which only the workers' catch-up reads). `review list --stuck` and the worker's metrics use it.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { REVIEW_WORKFLOW_TYPE } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { CATCH_UP_WORKFLOW_TYPE, type CatchUpFindings } from '../../workflows/side-contract';
import type { ReviewSummary } from './control';
import { unavailable } from './errors';
import { STATSIG_ACTIVITIES } from './failure';

export interface RetryingReview {
  workflowId: string;
  activity: string;
  attempt: number;
  /** When the call was first scheduled: it has been retried since. */
  retryingSince: string;
  lastFailure?: string;
}

export interface StuckReviews {
  waitingForPerson: ReviewSummary[];
  retrying: RetryingReview[];
  /** From the latest catch-up run, or why that is not known. */
  withoutReview:
    | { checkedAt: string; waiting: number; phases: CatchUpFindings['withoutReview'] }
    | { unknown: string };
}

/** Running reviews looked at per call: each costs a describe. */
const MAX_RUNNING = 200;

function runningQuery(taskQueue: string | undefined, extra = ''): string {
  const queue = taskQueue ? ` AND TaskQueue = "${taskQueue}"` : '';
  return `WorkflowType = "${REVIEW_WORKFLOW_TYPE}" AND ExecutionStatus = "Running"${queue}${extra}`;
}

const waitingClause = ` AND ${SEARCH_ATTRIBUTES.decision.name} = "waiting"`;

/** A running review's Statsig calls that have been retrying for longer than `overMs`. */
async function retryingCalls(
  client: Client,
  workflowId: string,
  overMs: number,
  nowMs: number,
): Promise<RetryingReview[]> {
  const handle = client.workflow.getHandle(workflowId);
  const pending = ((await handle.describe()).raw.pendingActivities ?? []).filter(
    (activity) =>
      STATSIG_ACTIVITIES.has(activity.activityType?.name ?? '') && (activity.attempt ?? 1) > 1,
  );
  if (pending.length === 0) return [];
  // Retries make no new events: the first schedule's time is when the call began.
  const events = (await handle.fetchHistory()).events ?? [];
  return pending.flatMap((activity) => {
    const scheduled = events.find(
      (event) => event.activityTaskScheduledEventAttributes?.activityId === activity.activityId,
    );
    const since = scheduled?.eventTime ? tsToMs(scheduled.eventTime) : undefined;
    if (since === undefined || nowMs - since <= overMs) return [];
    return [
      {
        workflowId,
        activity: activity.activityType?.name ?? '',
        attempt: activity.attempt ?? 1,
        retryingSince: new Date(since).toISOString(),
        ...(activity.lastFailure?.message ? { lastFailure: activity.lastFailure.message } : {}),
      },
    ];
  });
}

export async function retryingReviews(
  client: Client,
  options: { taskQueue?: string; overMs: number },
): Promise<RetryingReview[]> {
  const retrying: RetryingReview[] = [];
  const nowMs = Date.now();
  let seen = 0;
  const query = runningQuery(options.taskQueue);
  for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
    retrying.push(...(await retryingCalls(client, execution.workflowId, options.overMs, nowMs)));
    seen += 1;
    if (seen >= MAX_RUNNING) break;
  }
  return retrying;
}

/** What the worker's metrics show, from its catch-up run. */
export async function countStuck(
  client: Client,
  options: { taskQueue?: string; overMs: number },
): Promise<{ waitingForPerson: number; retryingStatsig: number }> {
  const { count } = await client.workflow.count(runningQuery(options.taskQueue, waitingClause));
  const retrying = await retryingReviews(client, options);
  return {
    waitingForPerson: count,
    retryingStatsig: new Set(retrying.map((r) => r.workflowId)).size,
  };
}

/** The findings of the latest completed catch-up run on this task queue. */
export async function latestCatchUp(
  client: Client,
  taskQueue: string,
): Promise<CatchUpFindings | undefined> {
  const query = `WorkflowType = "${CATCH_UP_WORKFLOW_TYPE}" AND ExecutionStatus = "Completed" AND TaskQueue = "${taskQueue}"`;
  let latest: { workflowId: string; runId: string; closedMs: number } | undefined;
  let seen = 0;
  for await (const execution of client.workflow.list({ query, pageSize: 20 })) {
    const closedMs = execution.closeTime?.getTime() ?? 0;
    if (!latest || closedMs > latest.closedMs) {
      latest = { workflowId: execution.workflowId, runId: execution.runId, closedMs };
    }
    seen += 1;
    if (seen >= 20) break;
  }
  if (!latest) return undefined;
  return (await client.workflow
    .getHandle(latest.workflowId, latest.runId)
    .result()) as CatchUpFindings;
}

export async function findStuck(
  client: Client,
  options: {
    retryingOverMs: number;
    taskQueue?: string;
    summarize(execution: WorkflowExecutionInfo): ReviewSummary;
    within<T>(fn: () => Promise<T>): Promise<T>;
  },
): Promise<StuckReviews> {
  try {
    return await options.within(async () => {
      const waitingForPerson: ReviewSummary[] = [];
      const query = runningQuery(undefined, waitingClause);
      for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
        waitingForPerson.push(options.summarize(execution));
        if (waitingForPerson.length >= MAX_RUNNING) break;
      }
      const retrying = await retryingReviews(client, { overMs: options.retryingOverMs });
      const findings = options.taskQueue
        ? await latestCatchUp(client, options.taskQueue)
        : undefined;
      const withoutReview: StuckReviews['withoutReview'] = findings
        ? {
            checkedAt: new Date(findings.ranAtMs).toISOString(),
            waiting: findings.waiting,
            phases: findings.withoutReview,
          }
        : {
            unknown: options.taskQueue
              ? `no catch-up has run on task queue ${options.taskQueue} yet (STATSIG_CATCHUP_INTERVAL; the first runs one interval after the worker starts)`
              : 'the task queue is not known, so neither is its catch-up',
          };
      return { waitingForPerson, retrying, withoutReview };
    });
  } catch (error) {
    throw unavailable(error);
  }
}
