// The sequential half of `npm run bench:load`: one review at a time, webhook → approve with a no-op
// benchmark, against a plain Temporal workflow doing only the irreducible work of a review (read the
// trigger and the config from the same Statsig sandbox, measure, approve: three activities), and
// against three activities that do nothing at all, on the same server in the same run, taking turns
// so all see the machine as it is at the moment. Also counts what one review asks of the server
// (its history's activity tasks, local activities and workflow tasks), the figure round trips are
// cut on.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { RecordedCall, SandboxTrigger } from '../src/sandbox/app';
import { fmt, median, table } from './report';
import { type BenchStack, startBenchStack } from './stack';
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
  /** Start call → the plain review's approve received by the sandbox, ms. */
  plainMs: number[];
  /** Start call → the third of three no-op activities running, ms. */
  noopMs: number[];
  history: HistoryCounts;
  /** Each run's steps up to its write, from its history (bench/timeline.ts). */
  timelines: { review: Timeline[]; plain: Timeline[]; noop: Timeline[] };
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

/** When the sandbox received the trigger's approve. */
function approvedAtMs(stack: BenchStack, trigger: SandboxTrigger): number {
  const approve = stack.sandbox.sandbox.calls.find(
    (call) => isApprove(call) && call.path.includes(`/${trigger.id}/`),
  );
  return approve?.timeMs ?? Number.NaN;
}

export async function sequentialComparison(options: {
  address: string;
  client: Client;
  plainQueue: string;
  count: number;
  say: (line: string) => void;
}): Promise<SequentialResult> {
  const { address, client, plainQueue, count, say } = options;
  // The write limit is lifted: at the shipped 0.8 writes a second, back-to-back reviews would wait
  // for Statsig's budget, and the figure is about rollout-gate's own round trips. Each review and
  // each plain review approves its own release.
  const stack = await startBenchStack({
    temporalAddress: address,
    entities: 2 * (count + 1),
    writesPerSecond: 1000,
  });
  const reviewMs: number[] = [];
  const plainMs: number[] = [];
  const noopMs: number[] = [];
  let history: HistoryCounts | undefined;
  const timelines: SequentialResult['timelines'] = { review: [], plain: [], noop: [] };
  try {
    // One of each first: the first review pays for cold caches (the pipeline read, module loads).
    for (let index = 0; index <= count; index += 1) {
      const [trigger, plainTrigger] = stack.release(2);
      if (!trigger || !plainTrigger) throw new Error('the bench stack released no trigger');
      const label = index === 0 ? 'warm-up' : String(index);
      let review: (Run & { events: temporal.api.history.v1.IHistory }) | undefined;
      let plain: Run | undefined;
      let noop: Run | undefined;
      const turns = [
        async () => {
          review = await reviewRun(stack, trigger);
        },
        async () => {
          plain = await plainReviewRun(client, plainQueue, stack, plainTrigger, label);
        },
        async () => {
          noop = await noopRun(client, plainQueue, label);
        },
      ];
      // Each round starts with the next of the three, so none always follows another's close (the
      // server still writing that history): whatever that costs falls on each alike.
      const first = index % turns.length;
      for (const turn of [...turns.slice(first), ...turns.slice(0, first)]) await turn();
      if (!review || !plain || !noop) throw new Error('a sequential round skipped a run');
      if (index === 0) continue;
      history ??= countHistory(review.events);
      for (const [ms, lines, run] of [
        [reviewMs, timelines.review, review],
        [plainMs, timelines.plain, plain],
        [noopMs, timelines.noop, noop],
      ] as const) {
        ms.push(run.ms);
        lines.push(run.timeline);
      }
    }
  } finally {
    await stack.stop();
  }
  say(
    `sequential: review median ${fmt(median(reviewMs), 0)} ms, plain review ${fmt(median(plainMs), 0)} ms, no-op activities ${fmt(median(noopMs), 0)} ms`,
  );
  return { count, reviewMs, plainMs, noopMs, history: history as HistoryCounts, timelines };
}

/** One timed run: ms from its send to its write landing, and where they went. */
interface Run {
  ms: number;
  timeline: Timeline;
}

/** One review: ms from sending its webhook to the sandbox receiving its approve. */
async function reviewRun(stack: BenchStack, trigger: SandboxTrigger) {
  const delivery = await stack.deliver(trigger);
  const handle = stack.client.workflow.getHandle(delivery.workflowId);
  return untilApproved(stack, trigger, handle, delivery.sentAtMs);
}

/** Waits for the run to close; times it from `sentAtMs` to the sandbox receiving its approve. */
async function untilApproved(
  stack: BenchStack,
  trigger: SandboxTrigger,
  handle: WorkflowHandle,
  sentAtMs: number,
): Promise<Run & { events: temporal.api.history.v1.IHistory }> {
  await handle.result();
  const landedAtMs = approvedAtMs(stack, trigger);
  const events = await handle.fetchHistory();
  const timeline = timelineOf(events, {
    sentAtMs,
    landedAtMs,
    isWrite: (type) => type === 'approvePhase',
  });
  return { ms: landedAtMs - sentAtMs, timeline, events };
}

/**
 * One plain review (bench/baseline/workflows.ts: read, measure, approve against the same sandbox);
 * ms from the start call to the sandbox receiving its approve, the review's own end point.
 */
async function plainReviewRun(
  client: Client,
  taskQueue: string,
  stack: BenchStack,
  trigger: SandboxTrigger,
  label: string,
): Promise<Run> {
  const sentAtMs = Date.now();
  const handle = await client.workflow.start('plainReview', {
    taskQueue,
    workflowId: `plain-review-${taskQueue}-${label}`,
    args: [
      {
        consoleApiUrl: stack.sandbox.consoleApiUrl,
        apiKey: stack.consoleApiKey,
        triggerID: trigger.id,
        phaseID: stack.sandbox.sandbox.waitingPhase(trigger.id) ?? '',
        dynamicConfigID: trigger.dynamicConfigID ?? '',
      },
    ],
  });
  return untilApproved(stack, trigger, handle, sentAtMs);
}

/** Three activities that do nothing; ms from the start call to the third one running. */
async function noopRun(client: Client, taskQueue: string, label: string): Promise<Run> {
  const sentAtMs = Date.now();
  const handle = await client.workflow.start('baselineReview', {
    taskQueue,
    workflowId: `noop-seq-${taskQueue}-${label}`,
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
  const noop = median(result.noopMs);
  const { activities, localActivities, workflowTasks, events } = result.history;
  const scheduled = Object.values(activities).reduce((sum, n) => sum + n, 0);
  return [
    `Sequential, ${result.count} rounds of one of each, each round starting with the next of the three (after one warm-up round), Statsig's write limit lifted:`,
    '',
    table(
      ['run', 'median ms', 'min ms', 'max ms'],
      [
        ['rollout-gate: webhook → approve (no-op benchmark)', result.reviewMs],
        ['plain Temporal review: start → approve (read, measure, write)', result.plainMs],
        [`plain Temporal: start → ${IRREDUCIBLE_ACTIVITIES} no-op activities ran`, result.noopMs],
      ].map(([name, values]) => [
        name as string,
        fmt(median(values as number[]), 0),
        fmt(Math.min(...(values as number[])), 0),
        fmt(Math.max(...(values as number[])), 0),
      ]),
    ),
    '',
    `- Ratio: **${fmt(review / plain, 2)}×** the plain review (of the medians; goal ≤ 1.3×), ${fmt(pairedRatio(result.reviewMs, result.plainMs), 2)}× as the median of each round's own ratio; ${fmt(review / noop, 2)}× the ${IRREDUCIBLE_ACTIVITIES} no-op activities, which call no Statsig at all.`,
    `- One review's history: ${scheduled} activity tasks (${Object.entries(activities)
      .map(([type, n]) => (n > 1 ? `${type} × ${n}` : type))
      .join(
        ', ',
      )}), ${localActivities} local activities, ${workflowTasks} workflow tasks, ${events} events.`,
    '',
    "Where the time goes up to the write (medians of each step, from the histories' event times; the",
    "steps of one run need not add up to its median). Activities on the workflow's own task queue are",
    "handed to the worker with the workflow task that schedules them (no wait); the review's approve",
    'runs on the rate-limited Statsig writes queue, shared by every worker, so it waits for a poll:',
    '',
    timelineTable(result.timelines),
  ].join('\n');
}

/** The median of each round's review over the same round's plain run: runs of one round share the machine's moment. */
function pairedRatio(reviewMs: readonly number[], plainMs: readonly number[]): number {
  return median(reviewMs.map((ms, round) => ms / (plainMs[round] ?? Number.NaN)));
}

/** The median of each step, the review's beside the plain workflows'. */
function timelineTable({ review, plain, noop }: SequentialResult['timelines']): string {
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
    cell(noop, pick),
  ];
  const types = [...new Set(review.flatMap((timeline) => Object.keys(timeline.activities)))];
  const activitiesMs = (timeline: Timeline, key: 'waitMs' | 'runMs') =>
    Object.values(timeline.activities).reduce((sum, activity) => sum + activity[key], 0);
  return table(
    ['step', 'review ms', 'plain review ms', 'no-op ms'],
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
        '–',
      ]),
      row('the write: wait for a worker', (t) => t.write.waitMs),
      row('the write: started → landed (Statsig got the approve)', (t) => t.write.landedMs),
    ],
  );
}
