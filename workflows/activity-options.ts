// Every way the review calls activities, in one place: timeouts, retries and task queues per kind of
// work. Changing one changes what running reviews do on their next attempt, so each says why.
import {
  ActivityFailure,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { errorMessage } from '../src/error-message';
import type { RunRole } from '../src/gate/types';
import type { PlannedBenchmark } from '../src/gate/wire';
import { FAILURE, type ReviewActivities, STATSIG_WRITES_QUEUE_SUFFIX } from './contract';
import type { RollbackActivities } from './rollback-contract';

/** Failures no retry can mend: Statsig refused the request, or the gate config has no such benchmark. */
const NON_RETRYABLE: string[] = [
  FAILURE.statsigRejected,
  FAILURE.triggerHasNoEntity,
  FAILURE.benchmarkNotFound,
];

const readOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
} as const;

/** Reads ride out a Statsig outage for a while with capped backoff; 4xx answers fail at once. */
export const statsigReads = proxyActivities<ReviewActivities>(readOptions);

/** Planning a rollback reads the phase's rules and the baseline: a read like the others. */
export const rollbackReads = proxyActivities<RollbackActivities>(readOptions);

/**
 * Planning is quick and in memory (the gate config lives on the worker, not in the workflow). Reviews
 * recorded before local steps plan, and judge, with these ordinary activities: a short timeout lets a
 * dead worker's attempt be retried soon.
 */
export const planning = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Judging reads every stored run and may bootstrap thousands of cases: more time than planning, with
 * a heartbeat so that a dead worker is noticed in a minute rather than at the ten-minute mark.
 */
export const judging = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * The same steps as local activities, run by the worker that runs the review's workflow task: no
 * server round trip each (workflows/local-steps.ts says when). One attempt each: a local step that
 * fails hands over to its ordinary activity above, which retries where the Temporal UI, the stuck
 * reviews and the failure notifications see it, as before.
 */
const localAttempt = { maximumAttempts: 1 };
export const localPlanning = proxyLocalActivities<ReviewActivities>({
  startToCloseTimeout: '10s',
  retry: localAttempt,
});
export const localJudging = proxyLocalActivities<ReviewActivities>({
  startToCloseTimeout: '1m',
  retry: localAttempt,
});
/**
 * Statsig reads (the trigger, the entity and the pipeline; reconciling: two at once), each bounded
 * by STATSIG_TIMEOUT_MS (10 s by default), and for the load the snapshot's write and the plan. A
 * last judging that fits in memory takes its reconciling reads along, under localJudging.
 */
export const localReads = proxyLocalActivities<ReviewActivities>({
  startToCloseTimeout: '30s',
  retry: localAttempt,
});

const writeRetry = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '2m',
  nonRetryableErrorTypes: NON_RETRYABLE,
};

/**
 * Every Console API write (approve, abort, disable) goes through one task queue whose workers cap the
 * rate, so all workers together stay under Statsig's mutation limits. Retried for hours: a lost
 * decision is worse than a late one. Built per review because the queue's name follows the review's
 * own task queue.
 */
export function statsigWriteActivities<Activities extends object = ReviewActivities>() {
  return proxyActivities<Activities>({
    taskQueue: `${workflowInfo().taskQueue}${STATSIG_WRITES_QUEUE_SUFFIX}`,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '6h',
    retry: writeRetry,
  });
}

/**
 * Recording: the stored report, and log_event to Statsig's Events API, which is not a Console API
 * mutation and so takes none of the writes queue's slots. The decision is made by then: an Events
 * API outage may delay the review's end a little, never for hours.
 */
export const recording = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '15m',
  retry: writeRetry,
});

/** One benchmark run: the benchmark's own timeout, heartbeat and retries, named in the Temporal UI. */
export function benchmarkRunActivities(planned: PlannedBenchmark, role: RunRole, repeat: number) {
  return proxyActivities<ReviewActivities>({
    startToCloseTimeout: planned.timeoutMs,
    heartbeatTimeout: planned.heartbeatTimeoutMs,
    summary: `benchmark ${planned.suite}/${planned.benchmark}${role === 'baseline' ? ' (baseline)' : ''}${planned.maxRepeats > 1 ? ` #${repeat + 1}` : ''}`,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumAttempts: planned.retries + 1,
      nonRetryableErrorTypes: [...NON_RETRYABLE, FAILURE.benchmarkInvalidResult],
    },
  });
}

/** What a failed activity said: its cause, without the wrapping Temporal adds. */
export function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return errorMessage(error);
}
