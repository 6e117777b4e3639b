// The plain-Temporal baseline of the load run: a workflow that runs the same number of activities as
// a review, one after another, each doing nothing. Whatever a review costs beyond this is
// rollout-gate's own cost (receiver hop, Statsig calls, judging, search attributes).
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './activities';

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30s' });

export async function baselineReview(activityCount: number): Promise<number> {
  for (let index = 0; index < activityCount; index += 1) await noop(index);
  return activityCount;
}
