// The catch-up workflow a Temporal Schedule starts every STATSIG_CATCHUP_INTERVAL (created at worker
// start: src/reviews/catch-up-schedule.ts): one activity lists the phases waiting for review in
// Statsig and starts the reviews that are missing. Its result (CatchUpFindings) is what `rollout-gate
// review list --stuck` reads for waiting phases without a review.
import { proxyActivities } from '@temporalio/workflow';
import { FAILURE } from './contract';
import type { CatchUpFindings, SideActivities } from './side-contract';

const catchUp = proxyActivities<SideActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '2m',
  retry: {
    initialInterval: '10s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [FAILURE.statsigRejected, 'CatchUpUnavailable'],
  },
});

export async function catchUpReviews(): Promise<CatchUpFindings> {
  return catchUp.catchUpWaitingReviews();
}
