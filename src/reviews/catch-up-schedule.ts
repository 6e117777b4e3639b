// The catch-up's Temporal Schedule: created (or brought up to date) each time a worker starts, so it
// exists once per task queue whatever the number of workers, shows in the Temporal UI (Schedules),
// and can be triggered or paused there. Every STATSIG_CATCHUP_INTERVAL it starts the catch-up
// workflow (workflows/catch-up.ts); with the interval `off` the worker deletes it.
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleHandle,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { CATCH_UP_WORKFLOW_TYPE } from '../../workflows/side-contract';

export function catchUpScheduleId(taskQueue: string): string {
  return `rollout-gate-catch-up-${taskQueue}`;
}

export type ScheduleChange = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

function action(taskQueue: string, intervalMs: number) {
  return {
    type: 'startWorkflow' as const,
    workflowType: CATCH_UP_WORKFLOW_TYPE,
    taskQueue,
    workflowId: `catch-up-${taskQueue}`,
    args: [],
    // A run that no worker picks up (all stopped) gives way to the next one.
    workflowExecutionTimeout: Math.max(intervalMs, 10 * 60 * 1000),
    staticSummary: 'rollout-gate: start the reviews of phases waiting in Statsig without one',
  };
}

/**
 * Makes the schedule match the settings: created when missing, its interval and action updated when
 * they differ, deleted when the interval is `off` (undefined). Safe to call from every worker at once.
 */
export async function ensureCatchUpSchedule(
  client: Client,
  options: { taskQueue: string; intervalMs: number | undefined },
): Promise<{ change: ScheduleChange; handle: ScheduleHandle }> {
  const { taskQueue, intervalMs } = options;
  const scheduleId = catchUpScheduleId(taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (intervalMs === undefined) {
    try {
      await handle.delete();
      return { change: 'deleted', handle };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return { change: 'absent', handle };
      throw error;
    }
  }
  try {
    const created = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: intervalMs }] },
      action: action(taskQueue, intervalMs),
      // A catch-up still running when the next is due makes the next one pointless.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      state: {
        note: `rollout-gate catch-up for task queue ${taskQueue}: every STATSIG_CATCHUP_INTERVAL`,
      },
    });
    return { change: 'created', handle: created };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const described = await handle.describe();
  const every = described.spec.intervals?.[0]?.every;
  const current = described.action;
  if (
    every === intervalMs &&
    described.spec.intervals?.length === 1 &&
    current.workflowType === CATCH_UP_WORKFLOW_TYPE &&
    current.taskQueue === taskQueue
  ) {
    return { change: 'unchanged', handle };
  }
  await handle.update((previous) => ({
    ...previous,
    spec: { intervals: [{ every: intervalMs }] },
    action: action(taskQueue, intervalMs),
    state: { ...previous.state },
  }));
  return { change: 'updated', handle };
}
