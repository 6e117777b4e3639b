// `npm run bench:gate`: the framework's own cost around benchmarks, in real reviews (fresh in-memory
// Temporal dev server, a worker in this process, the Statsig sandbox), read from each review's
// workflow history.
//   (a) Fan-out: N benchmarks that each sleep S ms. Their stage should take about S, not N × S.
//   (b) Overhead per benchmark activity: schedule-to-completion of each runBenchmark activity minus
//       the time its benchmark ran, against the schedule-to-completion of the review's own
//       recordReviewResult (a small report write) in the same reviews: about Temporal's round trip.
//       Judging is a local activity (workflows/local-steps.ts): its cost is inside the workflow task
//       that follows the last run, timed from that task's start to its completion.
// Fixed counts; it stops by itself and writes its section of bench/RESULTS.md.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/config';
import { defineGate } from '../src/gate/define';
import type { SuiteDefinition } from '../src/gate/types';
import type { SandboxSeed } from '../src/sandbox/app';
import { type StartedSandbox, startSandbox } from '../src/sandbox/app';
import { StatsigConsoleClient } from '../src/statsig/console-client';

type SeedConfig = NonNullable<SandboxSeed['dynamicConfigs']>[number];
type SeedPipeline = NonNullable<SandboxSeed['pipelines']>[number];

import { connectWorker, createClient } from '../src/temporal/connection';
import { createReviewWorkers } from '../src/worker';
import { type ReviewRequest, reviewWorkflowId } from '../workflows/contract';
import { fmt, machine, quantile, RESULTS, table, writeResults } from './report';
import { progressLog, startBenchDevServer } from './stack';

const SLEEP_MS = 2_000;
const FAN_OUT = [1, 10, 50];
const FAN_OUT_REVIEWS = 3;
const OVERHEAD = [
  { benchmarks: 1, reviews: 20 },
  { benchmarks: 50, reviews: 3 },
];
const API_KEY = 'console-bench-key';

/** Suites `n<N>` with N benchmarks each, selected by the tag of the same name. */
function benchGate() {
  const suites: SuiteDefinition[] = [
    ...new Set([...FAN_OUT, ...OVERHEAD.map((o) => o.benchmarks)]),
  ].map((count) => ({
    name: `n${count}`,
    targets: { tags: [`n${count}`] },
    benchmarks: Array.from({ length: count }, (_, index) => ({
      name: `sleep-${index}`,
      retries: 0,
      run: async ({ target, signal }) => {
        const ms = Number((target.value as { sleepMs: number }).sleepMs);
        if (ms > 0) await sleep(ms, undefined, { signal });
        return { metrics: { slept: ms } };
      },
    })),
    criteria: [{ metric: 'slept', op: '>=', threshold: 0 }],
  }));
  return defineGate({ suites, policy: { dryRun: true } });
}

interface Seeded {
  configs: SeedConfig[];
  pipelines: SeedPipeline[];
}

function seed(
  groups: Array<{ count: number; reviews: number; sleepMs: number; label: string }>,
): Seeded {
  const configs: SeedConfig[] = [];
  const pipelines: SeedPipeline[] = [];
  for (const group of groups) {
    for (let index = 0; index < group.reviews; index += 1) {
      const id = `${group.label}_${index}`;
      pipelines.push({
        id: `rp_${id}`,
        name: id,
        phases: [
          {
            id: `rp_${id}_p1`,
            name: 'p1',
            timeIntervalMs: 60_000,
            requiredReview: true,
            rules: [],
          },
        ],
      });
      configs.push({
        id,
        name: id,
        isEnabled: true,
        version: 1,
        defaultValue: { sleepMs: group.sleepMs },
        rules: [],
        releasePipelineID: `rp_${id}`,
        tags: [`n${group.count}`],
      });
    }
  }
  return { configs, pipelines };
}

const timeOf = (event: temporal.api.history.v1.IHistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;

interface ReviewTimings {
  reviewMs: number;
  /** First runBenchmark scheduled → last completed. */
  benchmarkStageMs: number;
  /** Per runBenchmark: schedule-to-completion minus the benchmark's own duration. */
  benchmarkOverheadMs: number[];
  /** recordReviewResult's schedule-to-completion: an activity doing a small report write. */
  noopActivityMs: number;
  /** The workflow task after the last run: judging and reconciling (local activities). */
  judgingTaskMs: number;
}

async function timings(client: Client, workflowId: string): Promise<ReviewTimings> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const benchmarkRuns: Array<{ scheduledAt: number; completedAt: number; durationMs: number }> = [];
  let noopActivityMs = Number.NaN;
  let judgingTaskMs = Number.NaN;
  let lastRunCompleted = Number.POSITIVE_INFINITY;
  let judgingTaskStart: number | undefined;
  for (const event of events) {
    if (event.workflowTaskStartedEventAttributes && timeOf(event) >= lastRunCompleted) {
      judgingTaskStart ??= timeOf(event);
    }
    if (
      event.workflowTaskCompletedEventAttributes &&
      judgingTaskStart !== undefined &&
      Number.isNaN(judgingTaskMs)
    ) {
      judgingTaskMs = timeOf(event) - judgingTaskStart;
    }
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(id, {
        type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '',
        at: timeOf(event),
      });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const from = scheduled.get(String(completed.scheduledEventId));
      if (!from) continue;
      const tookMs = timeOf(event) - from.at;
      if (from.type === 'recordReviewResult') noopActivityMs = tookMs;
      if (from.type === 'runBenchmark') {
        lastRunCompleted = timeOf(event);
        const payload = completed.result?.payloads?.[0];
        const result = payload
          ? (defaultPayloadConverter.fromPayload(payload) as { durationMs: number })
          : undefined;
        benchmarkRuns.push({
          scheduledAt: from.at,
          completedAt: timeOf(event),
          durationMs: result?.durationMs ?? 0,
        });
      }
    }
  }
  const first = events[0];
  const last = events.at(-1);
  return {
    reviewMs: first && last ? timeOf(last) - timeOf(first) : Number.NaN,
    benchmarkStageMs:
      Math.max(...benchmarkRuns.map((run) => run.completedAt)) -
      Math.min(...benchmarkRuns.map((run) => run.scheduledAt)),
    benchmarkOverheadMs: benchmarkRuns.map(
      (run) => run.completedAt - run.scheduledAt - run.durationMs,
    ),
    noopActivityMs,
    judgingTaskMs,
  };
}

async function review(
  client: Client,
  sandbox: StartedSandbox,
  taskQueue: string,
  configID: string,
): Promise<ReviewTimings> {
  const config = sandbox.sandbox.getDynamicConfig(configID);
  const trigger = sandbox.sandbox.startRelease({
    pipelineID: config?.releasePipelineID ?? '',
    entity: { kind: 'dynamic_config', id: configID, defaultValue: config?.defaultValue },
  });
  const phaseID = trigger.currentPhaseID ?? '';
  const workflowId = reviewWorkflowId(trigger.id, phaseID);
  const request: ReviewRequest = {
    releasePipelineID: trigger.releasePipelineID,
    triggerID: trigger.id,
    phaseID,
    receivedAtMs: Date.now(),
  };
  const handle = await client.workflow.start('releasePipelineReview', {
    workflowId,
    taskQueue,
    args: [request],
  });
  await handle.result();
  return timings(client, workflowId);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const say = progressLog('bench:gate');
  const devServer = await startBenchDevServer();
  say(`Temporal dev server at ${devServer.address}`);
  const reportsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-gate-reports-'));
  const groups = [
    ...FAN_OUT.map((count) => ({
      count,
      reviews: FAN_OUT_REVIEWS,
      sleepMs: SLEEP_MS,
      label: `fan_${count}`,
    })),
    ...OVERHEAD.map(({ benchmarks, reviews }) => ({
      count: benchmarks,
      reviews,
      sleepMs: 0,
      label: `zero_${benchmarks}`,
    })),
  ];
  const seeded = seed(groups);
  const sandbox = await startSandbox({
    consoleApiKey: API_KEY,
    seed: { dynamicConfigs: seeded.configs, pipelines: seeded.pipelines },
  });
  const client = createClient({ address: devServer.address, namespace: 'default' });
  const connection = await connectWorker({ address: devServer.address, namespace: 'default' });
  const taskQueue = 'bench-gate';
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const workers = await createReviewWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    workflows: { workflowBundle: bundle },
    dependencies: {
      statsig: new StatsigConsoleClient({
        baseUrl: sandbox.consoleApiUrl,
        apiKey: API_KEY,
        timeoutMs: 10_000,
      }),
      gate: benchGate(),
      reportsDir,
    },
  });
  const running = workers.run();
  try {
    // Warm-up: the first review pays for connections and the workflow's first tasks.
    await review(client, sandbox, taskQueue, 'zero_1_0');

    const fanOut: Array<{ count: number; stage: number[]; review: number[] }> = [];
    for (const count of FAN_OUT) {
      const stage: number[] = [];
      const total: number[] = [];
      for (let index = 0; index < FAN_OUT_REVIEWS; index += 1) {
        const measured = await review(client, sandbox, taskQueue, `fan_${count}_${index}`);
        stage.push(measured.benchmarkStageMs);
        total.push(measured.reviewMs);
      }
      say(`(a) ${count} × ${SLEEP_MS} ms: stage ${stage.map((ms) => fmt(ms, 0)).join(', ')} ms`);
      fanOut.push({ count, stage, review: total });
    }

    const overhead: Array<{
      benchmarks: number;
      perActivity: number[];
      noop: number[];
      judging: number[];
      stage: number[];
    }> = [];
    for (const { benchmarks, reviews } of OVERHEAD) {
      const perActivity: number[] = [];
      const noop: number[] = [];
      const judging: number[] = [];
      const stage: number[] = [];
      // Index 0 of the 1-benchmark group served as the warm-up.
      for (let index = benchmarks === 1 ? 1 : 0; index < reviews; index += 1) {
        const measured = await review(client, sandbox, taskQueue, `zero_${benchmarks}_${index}`);
        perActivity.push(...measured.benchmarkOverheadMs);
        noop.push(measured.noopActivityMs);
        judging.push(measured.judgingTaskMs);
        stage.push(measured.benchmarkStageMs);
      }
      say(
        `(b) ${benchmarks} benchmark(s): overhead p50 ${fmt(quantile(perActivity, 0.5), 1)} ms, no-op activity p50 ${fmt(quantile(noop, 0.5), 1)} ms`,
      );
      overhead.push({ benchmarks, perActivity, noop, judging, stage });
    }

    const section = [
      '## Gate framework overhead (`npm run bench:gate`)',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine()}`,
      '- Command: `npm run bench:gate` (`tsx bench/gate.ts`)',
      `- Setup: a fresh in-memory \`temporal server start-dev\`, one worker in the bench process (up to 50 activities at once, the default), the Statsig sandbox; reviews started with \`client.workflow.start\` and timed from their workflow histories (event times are the server's). Gate: N benchmarks per suite, each sleeping S ms, one run each, no baseline; dryRun, so no Statsig writes. One warm-up review first.`,
      '',
      `(a) N benchmarks that each sleep S = ${SLEEP_MS} ms, ${FAN_OUT_REVIEWS} reviews each; the stage runs from the first benchmark scheduled to the last completed. Baselines in the same run: S (all in parallel, zero overhead) and N × S (one after another).`,
      '',
      table(
        [
          'N',
          'stage, median ms',
          'stage − S, ms',
          'N × S, ms',
          'stage / (N × S)',
          'whole review, median ms',
        ],
        fanOut.map(({ count, stage, review }) => {
          const median = quantile(stage, 0.5);
          return [
            String(count),
            fmt(median, 0),
            fmt(median - SLEEP_MS, 0),
            String(count * SLEEP_MS),
            fmt(median / (count * SLEEP_MS), 3),
            fmt(quantile(review, 0.5), 0),
          ];
        }),
      ),
      '',
      '(b) Overhead per benchmark activity (S = 0): schedule-to-completion minus the benchmark’s own duration, against the review’s recordReviewResult activity (a small report write: about Temporal’s round trip) in the same reviews. Judging and reconciling run as local activities in the workflow task after the last run: that task, start to completion.',
      '',
      table(
        [
          'benchmarks per review',
          'activities',
          'overhead p50 ms',
          'overhead p95 ms',
          'record activity p50 ms',
          'benchmark stage median ms',
          'stage / benchmarks, ms',
          'judging task p50 ms',
        ],
        overhead.map(({ benchmarks, perActivity, noop, judging, stage }) => {
          const stageMedian = quantile(stage, 0.5);
          return [
            String(benchmarks),
            String(perActivity.length),
            fmt(quantile(perActivity, 0.5), 1),
            fmt(quantile(perActivity, 0.95), 1),
            fmt(quantile(noop, 0.5), 1),
            fmt(stageMedian, 0),
            fmt(stageMedian / benchmarks, 1),
            fmt(quantile(judging, 0.5), 1),
          ];
        }),
      ),
      '',
      'With 50 benchmarks at once, each activity’s schedule-to-completion includes waiting behind the others for the worker’s pollers and the two cores; what a review pays per benchmark is the stage divided by the number of benchmarks.',
    ].join('\n');
    process.stdout.write(`${section}\n`);
    await writeResults('gate', section);
    say(`results written to ${path.relative(PROJECT_ROOT, RESULTS)}`);
  } finally {
    workers.shutdown();
    await running;
    await connection.close();
    await client.connection.close();
    await sandbox.close();
    await devServer.stop();
    await fs.rm(reportsDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
