// Where one workflow's time goes up to its write, read from its history's event times: the start hop
// (webhook or start call sent → workflow started), the workflow tasks before the write is scheduled
// (their wait for a worker, and their run, local activities included), each activity's wait for a
// worker (scheduled → started) and its run (started → completed), and the write itself (its wait,
// then started → the write landed). bench:load's sequential section sets a review's steps beside
// the plain workflow's, so the figure says which step costs what.
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';

/** Steps in ms. Activities are keyed by type; a type run twice sums its runs. */
export interface Timeline {
  startMs: number;
  workflowTasks: { count: number; waitMs: number; runMs: number };
  /** The activities that completed before the write was scheduled. */
  activities: Record<string, { waitMs: number; runMs: number }>;
  /** The write: its wait for a worker, and from its start to the write landing. */
  write: { waitMs: number; landedMs: number };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const eventMs = (event: HistoryEvent): number => tsToMs(event.eventTime);

export function timelineOf(
  history: temporal.api.history.v1.IHistory,
  options: {
    sentAtMs: number;
    /** When the write landed: the sandbox got the approve, or the plain write activity ran. */
    landedAtMs: number;
    /** Which scheduled activity is the write: its type and how many of that type came before. */
    isWrite: (type: string, earlier: number) => boolean;
  },
): Timeline {
  const events = history.events ?? [];
  const byId = new Map<string, HistoryEvent>();
  for (const event of events) byId.set(String(event.eventId), event);
  const seen: Record<string, number> = {};
  const timeline: Timeline = {
    startMs: (events[0] ? eventMs(events[0]) : Number.NaN) - options.sentAtMs,
    workflowTasks: { count: 0, waitMs: 0, runMs: 0 },
    activities: {},
    write: { waitMs: Number.NaN, landedMs: Number.NaN },
  };
  let writeId: string | undefined;
  for (const event of events) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type && writeId === undefined) {
      if (options.isWrite(type, seen[type] ?? 0)) writeId = String(event.eventId);
      seen[type] = (seen[type] ?? 0) + 1;
    }
    const completedTask = event.workflowTaskCompletedEventAttributes;
    const scheduledTask = completedTask && byId.get(String(completedTask.scheduledEventId));
    const startedTask = completedTask && byId.get(String(completedTask.startedEventId));
    if (scheduledTask && startedTask && writeId === undefined) {
      timeline.workflowTasks.count += 1;
      timeline.workflowTasks.waitMs += eventMs(startedTask) - eventMs(scheduledTask);
      timeline.workflowTasks.runMs += eventMs(event) - eventMs(startedTask);
    }
    const started = event.activityTaskStartedEventAttributes;
    const activity = started && byId.get(String(started.scheduledEventId));
    if (activity && String(activity.eventId) === writeId) {
      timeline.write = {
        waitMs: eventMs(event) - eventMs(activity),
        landedMs: options.landedAtMs - eventMs(event),
      };
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const scheduled = completed && byId.get(String(completed.scheduledEventId));
    const start = completed && byId.get(String(completed.startedEventId));
    const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name;
    if (!scheduled || !start || !name || writeId !== undefined) continue;
    const entry = timeline.activities[name] ?? { waitMs: 0, runMs: 0 };
    timeline.activities[name] = entry;
    entry.waitMs += eventMs(start) - eventMs(scheduled);
    entry.runMs += eventMs(event) - eventMs(start);
  }
  return timeline;
}
