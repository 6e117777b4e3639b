// The sequential half of `npm run bench:load`: one review at a time, webhook → approve with a no-op
// benchmark, against a plain Temporal workflow doing only the irreducible work of a review (read,
// measure, write: three activities), on the same server in the same run, the two alternating so
// both see the machine as it is at the moment. Also counts what one review asks of the server (its
// history's activity tasks, local activities and workflow tasks), the figure round trips are cut on.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { RecordedCall } from '../src/sandbox/app';
import { fmt, median, table } from './report';
import { startBenchStack } from './stack';
import { type Timeline, timelineOf } from './timeline';

/** The work no review can skip: read Statsig, measure, write the decision. */
export const IRREDUCIBLE_ACTIVITIES = 3;

export interface HistoryCounts {
  /** Activities scheduled on the server, by type. */
  activities: Record<string, number>;
  /** Local activities (run inside a workflow task: no server round trip of their own). */
  localActivities: number;
  workflowTasks: number;
  events: number;
}

export interface SequentialResult {
  count: number;
  /** Webhook sent → approve call received by the sandbox, ms. */
  reviewMs: number[];
  /** Start call → the plain workflow's third (write) activity running, ms. */
  plainMs: number[];
  history: HistoryCounts;
  /** Each run's steps up to its write, from its history (bench/timeline.ts). */
  timelines: { review: Timeline[]; plain: Timeline[] };
}

/** What one review's history asked of the server. */
export function countHistory(history: temporal.api.history.v1.IHistory): HistoryCounts {
  const activities: Record<string, number> = {};
  let localActivities = 0;
  let workflowTasks = 0;
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) activities[scheduled] = (activities[scheduled] ?? 0) + 1;
    if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      localActivities += 1;
    }
    if (event.workflowTaskCompletedEventAttributes) workflowTasks += 1;
  }
  return { activities, localActivities, workflowTasks, events: history.events?.length ?? 0 };
}

const isApprove = (call: RecordedCall) =>
  call.method === 'PUT' && call.path.endsWith('/approve') && call.status === 200 && !call.faulted;

export async function sequentialComparison(options: {
  address: string;
  client: Client;
  plainQueue: string;
  count: number;
  say: (line: string) => void;
}): Promise<SequentialResult> {
  const { address, client, plainQueue, count, say } = options;
  // The write limit is lifted: at the shipped 0.8 writes a second, back-to-back reviews would wait
  // for Statsig's budget, and the figure is about rollout-gate's own round trips.
  const stack = await startBenchStack({
    temporalAddress: address,
    entities: count + 1,
    writesPerSecond: 1000,
  });
  const reviewMs: number[] = [];
  const plainMs: number[] = [];
  let history: HistoryCounts | undefined;
  const timelines: SequentialResult['timelines'] = { review: [], plain: [] };
  try {
    const [warmUp, ...triggers] = stack.release(count + 1);
    // One of each first: the first review pays for cold caches (the pipeline read, module loads).
    if (warmUp) {
      const delivery = await stack.deliver(warmUp);
      await stack.client.workflow.getHandle(delivery.workflowId).result();
    }
    await plainRun(client, plainQueue, 'warm-up');
    for (const [index, trigger] of triggers.entries()) {
      const delivery = await stack.deliver(trigger);
      const handle = stack.client.workflow.getHandle(delivery.workflowId);
      await handle.result();
      const approve = stack.sandbox.sandbox.calls.find(
        (call) => isApprove(call) && call.path.includes(`/${trigger.id}/`),
      );
      const approvedAtMs = approve?.timeMs ?? Number.NaN;
      reviewMs.push(approvedAtMs - delivery.sentAtMs);
      const events = await handle.fetchHistory();
      history ??= countHistory(events);
      timelines.review.push(
        timelineOf(events, {
          sentAtMs: delivery.sentAtMs,
          landedAtMs: approvedAtMs,
          isWrite: (type) => type === 'approvePhase',
        }),
      );
      const plain = await plainRun(client, plainQueue, String(index));
      plainMs.push(plain.ms);
      timelines.plain.push(plain.timeline);
    }
  } finally {
    await stack.stop();
  }
  say(
    `sequential: review median ${fmt(median(reviewMs), 0)} ms, plain ${fmt(median(plainMs), 0)} ms`,
  );
  return { count, reviewMs, plainMs, history: history as HistoryCounts, timelines };
}

/** One plain workflow of the irreducible activities; ms from the start call to its write. */
async function plainRun(
  client: Client,
  taskQueue: string,
  label: string,
): Promise<{ ms: number; timeline: Timeline }> {
  const sentAtMs = Date.now();
  const handle = await client.workflow.start('baselineReview', {
    taskQueue,
    workflowId: `plain-seq-${taskQueue}-${label}`,
    args: [IRREDUCIBLE_ACTIVITIES],
  });
  const wroteAtMs = (await handle.result()) as number;
  const timeline = timelineOf(await handle.fetchHistory(), {
    sentAtMs,
    landedAtMs: wroteAtMs,
    // The last of the activities is the write.
    isWrite: (_type, earlier) => earlier === IRREDUCIBLE_ACTIVITIES - 1,
  });
  return { ms: wroteAtMs - sentAtMs, timeline };
}

export function sequentialSection(result: SequentialResult): string {
  const review = median(result.reviewMs);
  const plain = median(result.plainMs);
  const { activities, localActivities, workflowTasks, events } = result.history;
  const scheduled = Object.values(activities).reduce((sum, n) => sum + n, 0);
  return [
    `Sequential, ${result.count} of each, alternating (after one warm-up of each), Statsig's write limit lifted:`,
    '',
    table(
      ['run', 'median ms', 'min ms', 'max ms'],
      [
        ['rollout-gate: webhook → approve (no-op benchmark)', result.reviewMs],
        [`plain Temporal: start → write (${IRREDUCIBLE_ACTIVITIES} activities)`, result.plainMs],
      ].map(([name, values]) => [
        name as string,
        fmt(median(values as number[]), 0),
        fmt(Math.min(...(values as number[])), 0),
        fmt(Math.max(...(values as number[])), 0),
      ]),
    ),
    '',
    `- Ratio: **${fmt(review / plain, 2)}×** the plain workflow (goal ≤ 1.3×).`,
    `- One review's history: ${scheduled} activity tasks (${Object.entries(activities)
      .map(([type, n]) => (n > 1 ? `${type} × ${n}` : type))
      .join(
        ', ',
      )}), ${localActivities} local activities, ${workflowTasks} workflow tasks, ${events} events.`,
    '',
    "Where the time goes up to the write (medians of each step, from the histories' event times; the",
    "steps of one run need not add up to its median). Activities on the workflow's own task queue are",
    'handed to the worker with the workflow task that schedules them (no wait); the approve runs on',
    'the rate-limited Statsig writes queue, shared by every worker, so it waits for a poll:',
    '',
    timelineTable(result.timelines),
  ].join('\n');
}

/** The median of each step, the review's beside the plain workflow's. */
function timelineTable({ review, plain }: SequentialResult['timelines']): string {
  const cell = (
    timelines: readonly Timeline[],
    pick: (timeline: Timeline) => number | undefined,
  ) => {
    const values = timelines.map(pick).filter((value): value is number => value !== undefined);
    return values.length > 0 ? fmt(median(values), 0) : '–';
  };
  const row = (step: string, pick: (timeline: Timeline) => number | undefined) => [
    step,
    cell(review, pick),
    cell(plain, pick),
  ];
  const types = [...new Set(review.flatMap((timeline) => Object.keys(timeline.activities)))];
  const activitiesMs = (timeline: Timeline, key: 'waitMs' | 'runMs') =>
    Object.values(timeline.activities).reduce((sum, activity) => sum + activity[key], 0);
  return table(
    ['step', 'review ms', 'plain ms'],
    [
      row('sent (webhook / start call) → workflow started', (t) => t.startMs),
      row('workflow tasks before the write (count)', (t) => t.workflowTasks.count),
      row('… their wait for a worker', (t) => t.workflowTasks.waitMs),
      row('… their run (local activities inside)', (t) => t.workflowTasks.runMs),
      row('activities before the write: wait', (t) => activitiesMs(t, 'waitMs')),
      row('activities before the write: run', (t) => activitiesMs(t, 'runMs')),
      ...types.map((type) => [
        `… ${type}: run`,
        cell(review, (t) => t.activities[type]?.runMs),
        '–',
      ]),
      row('the write: wait for a worker', (t) => t.write.waitMs),
      row('the write: started → landed (Statsig got the approve)', (t) => t.write.landedMs),
    ],
  );
}
