// The activities beside the review's own, as the review's contract (./contract.ts) re-exports them:
// the catch-up's, and sending a review's notification. Types only.
import type { ReviewNotification } from '../src/notify/types';

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
