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
