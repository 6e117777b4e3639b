// A review that started before entity snapshots were stored holds whole Targets in its history
// (loadReviewTarget's and loadBaseline's results carried `target`, value and all). Deployed onto
// the current code it must go on as it began: the workflow passes those Targets on under their old
// field names, and planning, every run and judging use them as they are, never the store. Here the
// worker's reads answer in the earlier shape and the snapshots are removed at once, so any reliance
// on the store would fail the review.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { defineGate } from '../../src/gate/define';
import { ReportStore } from '../../src/gate/report/store';
import type { RunRole } from '../../src/gate/types';
import type { TargetRef } from '../../src/gate/wire';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import {
  type ReviewActivities,
  type ReviewReport,
  STATSIG_WRITES_QUEUE_SUFFIX,
} from '../../workflows/contract';
import { startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { testTemporalAddress, workflowBundleOption } from '../helpers/temporal';

const seen: Array<{ role: RunRole; quality: unknown; baseline: unknown }> = [];

const gate = defineGate({
  policy: { maxReruns: 0 },
  suites: [
    {
      name: 'quality',
      benchmarks: [
        {
          name: 'score',
          retries: 0,
          run: async ({ target, baseline, role }) => {
            const quality = (target.value as { quality: number }).quality;
            seen.push({ role, quality, baseline: baseline?.value });
            return { metrics: { quality } };
          },
        },
      ],
      criteria: [
        { metric: 'quality', op: '>=', threshold: 0.8 },
        { metric: 'quality', op: '>=', threshold: -0.1, compare: 'delta', test: 'none' },
      ],
    },
  ],
});

let stack: Stack;
let connection: NativeConnection;
const stops: Array<() => Promise<void>> = [];

/** The current activities, except that the reads answer as they did before snapshots. */
function earlierReads(): ReviewActivities {
  const activities = createActivities({
    statsig: new StatsigConsoleClient({
      baseUrl: stack.sandbox.consoleApiUrl,
      apiKey: stack.consoleApiKey,
      timeoutMs: 5_000,
    }),
    gate,
    reportsDir: stack.reportsDir,
  });
  const store = new ReportStore(stack.reportsDir);
  const whole = async (ref: TargetRef) => {
    const target = await store.readSnapshot(ref);
    await rm(path.join(stack.reportsDir, 'snapshots'), { recursive: true, force: true });
    return target;
  };
  const loadReviewTarget: ReviewActivities['loadReviewTarget'] = async (request) => {
    const { targetRef, ...loaded } = await activities.loadReviewTarget(request);
    return targetRef ? { ...loaded, target: await whole(targetRef) } : loaded;
  };
  return {
    ...activities,
    loadReviewTarget,
    // Workers from before snapshots had no such step: the review falls back to the ordinary load
    // above and plans from the whole Target the workflow carries on.
    async loadAndPlanReview() {
      throw ApplicationFailure.nonRetryable('no loadAndPlanReview before snapshots');
    },
    async loadBaseline(input) {
      const { targetRef, ...baseline } = await activities.loadBaseline(input);
      return targetRef ? { ...baseline, target: await whole(targetRef) } : baseline;
    },
  };
}

beforeAll(async () => {
  stack = await startStack({ gate, seed: testSeed(), worker: false });
  connection = await NativeConnection.connect({ address: testTemporalAddress() });
  const activities = earlierReads();
  for (const taskQueue of [stack.taskQueue, `${stack.taskQueue}${STATSIG_WRITES_QUEUE_SUFFIX}`]) {
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      activities,
      ...(taskQueue === stack.taskQueue ? workflowBundleOption() : {}),
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
  }
});

afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  await connection?.close();
  await stack?.stop();
});

it('goes on with the whole Targets its history holds, without the snapshot store', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const handle = await startReview(stack, trigger);
  const report = (await handle.result()) as ReviewReport;
  expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
  expect(report.target).toMatchObject({ id: trigger.dynamicConfigID, version: 2 });
  expect(seen).toEqual([
    { role: 'candidate', quality: 0.9, baseline: { quality: 0.85 } },
    { role: 'baseline', quality: 0.85, baseline: { quality: 0.85 } },
  ]);

  // The runs were given the whole versions, under the names the earlier code used.
  const inputs = ((await handle.fetchHistory()).events ?? []).flatMap((event) => {
    const attributes = event.activityTaskScheduledEventAttributes;
    const payload = attributes?.input?.payloads?.[0];
    return attributes?.activityType?.name === 'runBenchmark' && payload
      ? [defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload)]
      : [];
  });
  expect(inputs).toHaveLength(2);
  for (const input of inputs) {
    expect(input).not.toHaveProperty('targetRef');
    expect(input).not.toHaveProperty('baselineRef');
    expect(input).toMatchObject({
      target: { value: { quality: 0.9 }, raw: expect.any(Object) },
      baseline: { value: { quality: 0.85 } },
    });
  }
});
