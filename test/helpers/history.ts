// Reads a review's history the way the Temporal UI shows it: which activities ran, in which attempt,
// after which failure, with what result.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

export interface ActivityAttempts<T> {
  /** How many times the workflow scheduled the activity (retries are not new schedules). */
  scheduled: number;
  /** The attempt that finally ran for each schedule, and the failure of the attempt before it. */
  started: Array<{ attempt: number; lastFailure: string | null }>;
  results: T[];
}

export async function activityAttempts<T = unknown>(
  handle: WorkflowHandle,
  activityType: string,
): Promise<ActivityAttempts<T>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(
    events
      .filter(
        (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
      )
      .map((event) => Number(event.eventId)),
  );
  const started = events.flatMap((event) => {
    const attributes = event.activityTaskStartedEventAttributes;
    return attributes && scheduled.has(Number(attributes.scheduledEventId))
      ? [{ attempt: attributes.attempt ?? 0, lastFailure: attributes.lastFailure?.message ?? null }]
      : [];
  });
  const results = events.flatMap((event) => {
    const attributes = event.activityTaskCompletedEventAttributes;
    const payload = attributes?.result?.payloads?.[0];
    return attributes && scheduled.has(Number(attributes.scheduledEventId)) && payload
      ? [defaultPayloadConverter.fromPayload<T>(payload)]
      : [];
  });
  return { scheduled: scheduled.size, started, results };
}

/** The local activities a history recorded (their markers), in order, and whether each failed. */
export async function localActivities(
  handle: WorkflowHandle,
): Promise<Array<{ type: string; failed: boolean }>> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.details?.data?.payloads?.[0];
    if (marker?.markerName !== 'core_local_activity' || !data) return [];
    const { activity_type } = defaultPayloadConverter.fromPayload<{ activity_type: string }>(data);
    return [{ type: activity_type, failed: marker.failure != null }];
  });
}

/** The activity types a history scheduled on the server, in order. */
export async function scheduledActivities(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}
