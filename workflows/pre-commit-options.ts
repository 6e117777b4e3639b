// How the pre-commit validation calls its own activities: planning on the review's queue, and its
// two Statsig writes (progress messages, the answer) on the rate-limited writes queue, with limits
// set by Statsig's 2-minute wait rather than the hours a release review may take.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { FAILURE, STATSIG_WRITES_QUEUE_SUFFIX } from './contract';
import { PRE_COMMIT_FAILURE, type PreCommitActivities } from './pre-commit-contract';

/** Planning is quick and in memory; a dead worker's attempt is retried soon. */
export const preCommitPlanning = proxyActivities<PreCommitActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: [FAILURE.benchmarkNotFound] },
});

/**
 * Built per validation because the writes queue's name follows the workflow's own task queue.
 * Progress messages are worth little late: a short bound, so the answer never waits long on one.
 * The answer is retried only while no attempt can have reached Statsig: an attempt whose outcome is
 * unknown ends the retries (see activities/pre-commit.ts), and so does a refusal.
 */
export function preCommitWrites() {
  const taskQueue = `${workflowInfo().taskQueue}${STATSIG_WRITES_QUEUE_SUFFIX}`;
  return {
    progress: proxyActivities<PreCommitActivities>({
      taskQueue,
      startToCloseTimeout: '5s',
      scheduleToCloseTimeout: '10s',
      retry: { initialInterval: '1s', maximumAttempts: 2 },
    }),
    answer: proxyActivities<PreCommitActivities>({
      taskQueue,
      startToCloseTimeout: '15s',
      scheduleToCloseTimeout: '2m',
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumInterval: '10s',
        nonRetryableErrorTypes: [FAILURE.statsigRejected, PRE_COMMIT_FAILURE.answerOutcomeUnknown],
      },
    }),
  };
}
