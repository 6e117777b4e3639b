// The Temporal Schedule that prunes the report store (workflows/report-retention.ts), created by every
// worker at start and left as it is when it already says what this worker's settings say, so that
// any number of workers starting together make one Schedule. The settings travel in the Schedule's
// action, so the Temporal UI shows what the pass applies; a worker started with other settings
// updates them, and one started with retention off deletes the Schedule: give every worker the same.
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import {
  REPORT_RETENTION_WORKFLOW_TYPE,
  type RetentionSettings,
  reportRetentionScheduleId,
} from '../../workflows/retention-contract';

export interface RetentionScheduleOptions {
  taskQueue: string;
  settings: RetentionSettings;
  /** GATE_REPORTS_PRUNE_INTERVAL. */
  intervalMs: number;
}

export type RetentionScheduleOutcome = 'created' | 'unchanged' | 'updated' | 'deleted' | 'off';

/** The settings as the Schedule stores them: only the limits that are set, in one key order. */
function normalized(settings: RetentionSettings): RetentionSettings {
  return {
    ...(settings.maxAgeMs === undefined ? {} : { maxAgeMs: settings.maxAgeMs }),
    ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
  };
}

function describeSettings(settings: RetentionSettings): string {
  const age = settings.maxAgeMs === undefined ? 'off' : `${settings.maxAgeMs} ms`;
  const size = settings.maxBytes === undefined ? 'off' : `${settings.maxBytes} bytes`;
  return `GATE_REPORTS_MAX_AGE ${age}, GATE_REPORTS_MAX_BYTES ${size}`;
}

function sameSchedule(
  description: ScheduleDescription,
  options: RetentionScheduleOptions,
): boolean {
  const { action, spec } = description;
  return (
    action.type === 'startWorkflow' &&
    action.workflowType === REPORT_RETENTION_WORKFLOW_TYPE &&
    action.taskQueue === options.taskQueue &&
    JSON.stringify(action.args) === JSON.stringify([normalized(options.settings)]) &&
    spec.intervals?.length === 1 &&
    Number(spec.intervals[0]?.every) === options.intervalMs
  );
}

export async function ensureRetentionSchedule(
  client: Client,
  options: RetentionScheduleOptions,
): Promise<RetentionScheduleOutcome> {
  const scheduleId = reportRetentionScheduleId(options.taskQueue);
  const settings = normalized(options.settings);
  if (Object.keys(settings).length === 0) {
    try {
      await client.schedule.getHandle(scheduleId).delete();
      return 'deleted';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'off';
      throw error;
    }
  }
  const spec = { intervals: [{ every: options.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: REPORT_RETENTION_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [settings],
  };
  const note = `Prunes GATE_REPORTS_DIR: ${describeSettings(settings)}`;
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // One pass at a time; a pass missed while the cluster was down is not worth catching up on.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      state: { note },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  if (sameSchedule(await handle.describe(), options)) return 'unchanged';
  await handle.update((previous) => ({
    ...previous,
    spec,
    action,
    state: { ...previous.state, note },
  }));
  return 'updated';
}
