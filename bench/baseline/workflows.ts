// The plain-Temporal baselines of the load run. `baselineReview` runs a number of activities one after
// another, each doing nothing. `plainReview` does what no review can skip, and nothing else: read the
// trigger and the config from Statsig, measure (a no-op), approve. Whatever a review costs beyond
// these is rollout-gate's own cost (receiver hop, snapshots, planning, judging, reconciling, the
// write's guard and rate limit, search attributes).
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities, PlainStatsig } from './activities';

const { noop, readTriggerAndConfig, approvePhase } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '30s',
});

export async function baselineReview(activityCount: number): Promise<number> {
  let lastRanAtMs = 0;
  for (let index = 0; index < activityCount; index += 1) lastRanAtMs = await noop(index);
  return lastRanAtMs;
}

export async function plainReview(statsig: PlainStatsig): Promise<void> {
  await readTriggerAndConfig(statsig);
  await noop(0);
  await approvePhase(statsig);
}
