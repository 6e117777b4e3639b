// The report store's maintenance workflow, started by a Temporal Schedule (created by the workers,
// src/temporal/report-retention.ts): one pruning pass, done by an activity, since the workflow does
// no I/O. A durable workflow rather than a timer in a worker, so that a pass survives a worker's
// restart, runs once however many workers there are, and shows in the Temporal UI with its result.
import { proxyActivities } from '@temporalio/workflow';
import type { PruneResult, RetentionActivities, RetentionSettings } from './retention-contract';

/**
 * Scanning a large store takes a while: a generous timeout, a heartbeat so that a dead worker is
 * noticed in a minute, and a few attempts; the next scheduled run tries again anyway.
 */
const { pruneReportStore } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', maximumAttempts: 3 },
});

export async function reportRetention(settings: RetentionSettings): Promise<PruneResult> {
  return pruneReportStore(settings);
}
