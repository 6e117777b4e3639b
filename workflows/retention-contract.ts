// The report store's retention contract: the maintenance workflow's type name, the Schedule that
// runs it, its settings and result, and the one activity it calls. The workflow, the activity and
// the worker that creates the Schedule all import this file, and nothing else of one another.
// Types apart, it holds only plain values, so the workflow bundle can import it.

/** The maintenance workflow's type name: the Schedule starts it by name. */
export const REPORT_RETENTION_WORKFLOW_TYPE = 'reportRetention';

/**
 * One Schedule per task queue: deployments sharing a namespace keep their own report stores (and
 * settings). Its scheduled runs are named after it, with the time Temporal adds.
 */
export function reportRetentionScheduleId(taskQueue: string): string {
  return `report-retention-${taskQueue}`;
}

/** GATE_REPORTS_MAX_AGE and GATE_REPORTS_MAX_BYTES; either may be absent, not both. */
export interface RetentionSettings {
  /** Reviews last written longer ago than this are removed. */
  maxAgeMs?: number;
  /** The store is brought under this size, the reviews written longest ago removed first. */
  maxBytes?: number;
}

/** What one pruning pass did, in the workflow's result (and so in the Temporal UI). */
export interface PruneResult {
  /** Reviews in the store before the pass. */
  reviews: number;
  removedForAge: number;
  removedForSize: number;
  freedBytes: number;
  /** The store's size after the pass. */
  keptBytes: number;
  /** Reviews kept because their workflow is still running, or their files were written moments ago. */
  protectedReviews: number;
  /** True when only protected reviews are left and the store is still over maxBytes. */
  overBudget: boolean;
}

export interface RetentionActivities {
  pruneReportStore(settings: RetentionSettings): Promise<PruneResult>;
}
