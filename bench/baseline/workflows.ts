// The plain-Temporal baseline of the load run: a workflow that runs a number of activities one after
// another, each doing nothing. Whatever a review costs beyond this is rollout-gate's own cost
// (receiver hop, Statsig calls, judging, search attributes). It answers when its last activity ran.
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30s' });

export async function baselineReview(activityCount: number): Promise<number> {
  let lastRanAtMs = 0;
  for (let index = 0; index < activityCount; index += 1) lastRanAtMs = await noop(index);
  return lastRanAtMs;
}
