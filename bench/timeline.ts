// Where one review's time goes, read from its history's event times: the receiver hop (webhook sent
// → workflow started), each activity's wait for a worker (scheduled → started) and its own run
// (started → completed), the workflow tasks (scheduled → completed, local activities included), and
// what is left to the approve reaching Statsig. bench:load's sequential section reports the medians,
// so a slower review shows which step grew.

import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';

/** One review's steps, in ms. Activities are keyed by type; a type run twice sums its runs. */
export interface ReviewTimeline {
  receiverMs: number;
  workflowTasksMs: number;
  activities: Record<string, { waitMs: number; runMs: number }>;
  /** From the approve activity starting to the sandbox receiving the approve call. */
  approveCallMs: number;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const eventMs = (event: HistoryEvent): number => tsToMs(event.eventTime);

export function reviewTimeline(
  history: temporal.api.history.v1.IHistory,
  sentAtMs: number,
  approveAtMs: number,
): ReviewTimeline {
  const events = history.events ?? [];
  const byId = new Map<string, HistoryEvent>();
  for (const event of events) byId.set(String(event.eventId), event);
  const started = events[0] ? eventMs(events[0]) : Number.NaN;
  const activities: ReviewTimeline['activities'] = {};
  let workflowTasksMs = 0;
  let approveStartedMs = Number.NaN;
  for (const event of events) {
    const completedTask = event.workflowTaskCompletedEventAttributes;
    if (completedTask) {
      const scheduled = byId.get(String(completedTask.scheduledEventId));
      if (scheduled) workflowTasksMs += eventMs(event) - eventMs(scheduled);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) continue;
    const scheduled = byId.get(String(completed.scheduledEventId));
    const start = byId.get(String(completed.startedEventId));
    const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name;
    if (!scheduled || !start || !type) continue;
    const entry = activities[type] ?? { waitMs: 0, runMs: 0 };
    activities[type] = entry;
    entry.waitMs += eventMs(start) - eventMs(scheduled);
    entry.runMs += eventMs(event) - eventMs(start);
    if (type === 'approvePhase') approveStartedMs = eventMs(start);
  }
  return {
    receiverMs: started - sentAtMs,
    workflowTasksMs,
    activities,
    approveCallMs: approveAtMs - approveStartedMs,
  };
}
