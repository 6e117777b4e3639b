// The report store's pruning pass: removes reviews older than GATE_REPORTS_MAX_AGE, then the
// reviews written longest ago while the store is over GATE_REPORTS_MAX_BYTES. Never a running
// review's files: running workflows are asked of Temporal first (a pass that cannot ask fails and is
// retried rather than guess), and anything written in the last minutes is kept too, since Temporal's
// visibility may not list a review started a moment ago yet.
import { Context } from '@temporalio/activity';
import { planPrune, removeReviews, scanReviews } from '../src/gate/report/retention';
import { type ReportStore, segment } from '../src/gate/report/store';
import type { RetentionActivities } from '../workflows/retention-contract';

/** Reviews written this recently are kept whatever the settings (see above). */
export const FRESH_REVIEW_MS = 10 * 60_000;

/** The store directories of every workflow execution Temporal lists as running. */
async function runningReviewDirs(): Promise<Set<string>> {
  const { client } = Context.current();
  const dirs = new Set<string>();
  for await (const execution of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    dirs.add(`${segment(execution.workflowId)}/${segment(execution.runId)}`);
  }
  return dirs;
}

export function createReportRetention(reports: ReportStore): RetentionActivities {
  return {
    async pruneReportStore(settings) {
      const context = Context.current();
      const running = await runningReviewDirs();
      const nowMs = Date.now();
      const reviews = await scanReviews(reports.dir, () => context.heartbeat());
      const plan = planPrune(reviews, {
        ...settings,
        nowMs,
        isProtected: (review) =>
          running.has(review.dir) || nowMs - review.lastWrittenMs < FRESH_REVIEW_MS,
      });
      await removeReviews(reports.dir, plan.remove);
      const removed = (reason: 'age' | 'size') =>
        plan.remove.filter((review) => review.reason === reason).length;
      const result = {
        reviews: reviews.length,
        removedForAge: removed('age'),
        removedForSize: removed('size'),
        freedBytes: plan.remove.reduce((sum, review) => sum + review.bytes, 0),
        keptBytes: plan.keptBytes,
        protectedReviews: plan.protectedReviews,
        overBudget: plan.overBudget,
      };
      if (plan.overBudget) {
        context.log.warn(
          'report store still over GATE_REPORTS_MAX_BYTES: only running or fresh reviews are left',
          {
            ...result,
          },
        );
      } else {
        context.log.info('report store pruned', { ...result });
      }
      return result;
    },
  };
}
