// The contract of the workflows beside the review: the catch-up a Schedule starts, and the
// notification child workflow a review starts. Split from contract.ts so each stays readable; the
// same rules hold (types and plain values only, so the workflow bundle can import it).
import type { ReviewNotification } from '../src/notify/types';

/** The suffix of the task queue whose worker sends notifications (activities/notify.ts). */
export const NOTIFY_QUEUE_SUFFIX = '-notify';
/** The catch-up workflow (a Schedule starts it) and the notification workflow a review starts. */
export const CATCH_UP_WORKFLOW_TYPE = 'catchUpReviews';
export const NOTIFY_WORKFLOW_TYPE = 'deliverReviewNotification';

/** What one catch-up run found in Statsig and did about it (activities/catch-up.ts). */
export interface CatchUpFindings {
  ranAtMs: number;
  /** Phases waiting for review in Statsig, one per waiting trigger. */
  waiting: number;
  /** Reviews this run started, by workflow ID. */
  started: string[];
  /** Waiting phases whose review ended without deciding them: a person's turn (rerun, or Statsig). */
  withoutReview: Array<{ triggerID: string; phaseID: string; workflowId: string; status: string }>;
  /** Running reviews waiting for a person, and retrying a Statsig call longer than the bound. */
  waitingForPerson: number;
  retryingStatsig: number;
}

/** Activities beside the review's own: the catch-up's, and sending a review's notification. */
export interface SideActivities {
  catchUpWaitingReviews(): Promise<CatchUpFindings>;
  sendReviewNotification(notification: ReviewNotification): Promise<{ sent: string[] }>;
}
