// The run cache in real reviews (Temporal dev server, real workers, the Statsig sandbox): a release
// reviewed at its first phase, then at its second. An unchanged candidate and its baseline are not
// measured again, across a worker restart, while a suite asking for fresh runs is; the report names
// the runs reused and the review that measured them. A run is never served for another snapshot,
// another benchmark definition, or once older than the max age.
import { readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { Registry } from 'prom-client';
import { defineGate } from '../../src/gate/define';
import type { StoredReport } from '../../src/gate/report/document';
import type { BenchmarkContext, BenchmarkOutput, GateDefinition } from '../../src/gate/types';
import { createWorkerMetrics } from '../../src/metrics/worker';
import type { SandboxTrigger } from '../../src/sandbox';
import type { ReviewReport } from '../../workflows/contract';
import { inConsole, startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack, type WorkerHandle } from '../helpers/stack';

const HOUR = 3_600_000;

/** Benchmark executions, by suite, entity and side: what the cache saves. */
const executions = new Map<string, number>();
function count({ target, role }: BenchmarkContext, suite: string): void {
  const key = `${suite}|${target.id}|${role}`;
  executions.set(key, (executions.get(key) ?? 0) + 1);
}
const executed = (suite: string, entityID: string, role: 'candidate' | 'baseline') =>
  executions.get(`${suite}|${entityID}|${role}`) ?? 0;

const quality = ({ target }: BenchmarkContext) =>
  Number((target.value as { quality?: number } | null)?.quality ?? 0);

/**
 * A suite compared with the released version (two runs a side), and a `fresh` one measuring
 * something that drifts. `score` is given as an argument so a second gate can differ in it only.
 */
function gateWith(score: (context: BenchmarkContext) => Promise<BenchmarkOutput>): GateDefinition {
  return defineGate({
    version: 'run-cache-test',
    suites: [
      {
        name: 'quality',
        benchmarks: [{ name: 'score', repeats: 2, run: score }],
        criteria: [
          { metric: 'quality', op: '>=', threshold: 0.8 },
          { metric: 'quality', op: '>=', threshold: -0.2, compare: 'delta', test: 'none' },
        ],
      },
      {
        name: 'live',
        fresh: true,
        benchmarks: [
          {
            name: 'probe',
            run: async (context) => {
              count(context, 'live');
              return { metrics: { up: 1 } };
            },
          },
        ],
        criteria: [{ metric: 'up', op: '==', threshold: 1 }],
      },
    ],
  });
}

async function measureQuality(context: BenchmarkContext): Promise<BenchmarkOutput> {
  count(context, 'quality');
  return { metrics: { quality: quality(context) } };
}

const gate = gateWith(measureQuality);

let stack: Stack;
let worker: WorkerHandle | undefined;

const registry = new Registry();

beforeAll(async () => {
  stack = await startStack({
    gate,
    seed: testSeed(),
    worker: false,
    runCache: { maxAgeMs: HOUR },
    workerMetrics: createWorkerMetrics(registry),
  });
});

/** Benchmark runs the worker metrics counted, by status, for one suite. */
async function runsCounted(suite: string, status: string): Promise<number> {
  const metric = await registry.getSingleMetric('rollout_gate_benchmark_duration_seconds')?.get();
  // A histogram's values carry the name of the series each belongs to (_bucket, _sum, _count).
  const values = (metric?.values ?? []) as Array<{
    metricName?: string;
    labels: Record<string, string | number>;
    value: number;
  }>;
  return values
    .filter(
      (value) =>
        value.metricName === 'rollout_gate_benchmark_duration_seconds_count' &&
        value.labels.suite === suite &&
        value.labels.status === status,
    )
    .reduce((sum, value) => sum + value.value, 0);
}
afterAll(async () => {
  await stack?.stop();
});

/** Stops the running worker and starts another (a restart, or a deploy of other settings). */
async function restartWorker(...options: Parameters<Stack['startWorker']>): Promise<void> {
  await worker?.stop();
  worker = await stack.startWorker(...options);
}

/** Reviews the phase waiting now, to its end. */
async function review(trigger: SandboxTrigger): Promise<{
  report: ReviewReport;
  handle: WorkflowHandle;
}> {
  const handle = await startReview(stack, trigger);
  return { report: (await handle.result()) as ReviewReport, handle };
}

/** The first phase reviewed and approved; its timer runs out and the second phase waits. */
async function firstPhaseReviewed(trigger: SandboxTrigger) {
  const first = await review(trigger);
  expect(first.report).toMatchObject({ verdict: 'pass', action: 'approved' });
  stack.sandbox.sandbox.advanceTrigger(trigger.id);
  return first;
}

it('reuses an unchanged candidate and its baseline at the next phase, across a worker restart, and measures a fresh suite again', async () => {
  await restartWorker();
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const entity = trigger.dynamicConfigID as string;
  const first = await firstPhaseReviewed(trigger);
  expect(first.report.evaluation?.reused).toBeUndefined();
  expect([
    executed('quality', entity, 'candidate'),
    executed('quality', entity, 'baseline'),
    executed('live', entity, 'candidate'),
  ]).toEqual([2, 2, 1]);

  // A restart: a new worker process would have nothing of the old one but the report store.
  await restartWorker();
  const second = await review(trigger);

  // The same decision, from the same runs: none of `quality` measured again; `live` was.
  expect(second.report).toMatchObject({ verdict: 'pass', action: 'approved' });
  expect([
    executed('quality', entity, 'candidate'),
    executed('quality', entity, 'baseline'),
    executed('live', entity, 'candidate'),
  ]).toEqual([2, 2, 2]);
  const source = {
    workflowId: first.handle.workflowId,
    runId: (await first.handle.describe()).runId,
  };
  expect(second.report.evaluation).toMatchObject({
    runs: 5,
    reused: { runs: 4, from: [{ ...source, runs: 4 }] },
  });
  expect(second.report.benchmarks).toEqual([
    expect.objectContaining({
      suite: 'quality',
      runs: {
        candidate: { completed: 2, errored: 0, reused: 2 },
        baseline: { completed: 2, errored: 0, reused: 2 },
      },
    }),
    expect.objectContaining({ suite: 'live', status: 'completed' }),
  ]);
  expect(second.report.benchmarks[1]).not.toHaveProperty('runs');
  // The worker's metrics count the reused runs apart from the measured ones and their durations.
  expect([
    await runsCounted('quality', 'completed'),
    await runsCounted('quality', 'reused'),
  ]).toEqual([4, 4]);

  // report.json, run by run; report.md, in a fact and a column.
  const stored = JSON.parse(
    await readFile(second.report.evaluation?.report.json ?? '', 'utf8'),
  ) as StoredReport;
  const reused = stored.runs.filter((run) => run.status === 'completed' && run.reused);
  expect(reused.map((run) => `${run.suite} ${run.role} ${run.repeat}`).sort()).toEqual([
    'quality baseline 0',
    'quality baseline 1',
    'quality candidate 0',
    'quality candidate 1',
  ]);
  for (const run of reused) {
    expect(run).toMatchObject({ reused: { ...source, measuredAt: expect.any(String) } });
  }
  const markdown = await readFile(second.report.evaluation?.report.markdown ?? '', 'utf8');
  expect(markdown).toContain(
    `- **Reused runs:** 4 of 5, taken from the run cache instead of measured: 4 from ${source.workflowId} (run ${source.runId})`,
  );
  expect(markdown).toMatch(
    new RegExp(
      `\\| quality \\| score \\| candidate \\| 0 \\| .* \\| ${source.workflowId} at \\S+ \\(reused\\) \\|`,
    ),
  );
  expect(markdown).toMatch(/\| live \| probe \| candidate \| 0 \| .* \| this review \|/);
}, 120_000);

describe('never serves a run of another', () => {
  it('snapshot: the entity saved again with the same value and rules', async () => {
    // Judged on its own: no baseline in the key, so only the snapshot measured tells runs apart.
    const absolute = defineGate({
      version: 'run-cache-test',
      suites: [
        {
          name: 'quality',
          benchmarks: [{ name: 'score', repeats: 2, run: measureQuality }],
          criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
        },
      ],
    });
    await restartWorker(absolute);
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const entity = trigger.dynamicConfigID as string;
    const first = await firstPhaseReviewed(trigger);
    // A person turns the config off and on: what it serves is the same, its snapshot is not.
    await inConsole(stack, 'PUT', `/dynamic_configs/${entity}/disable`);
    await inConsole(stack, 'PUT', `/dynamic_configs/${entity}/enable`);
    const second = await review(trigger);
    expect(second.report).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(second.report.target?.configHash).toBe(first.report.target?.configHash);
    expect(second.report.target?.version).not.toBe(first.report.target?.version);
    expect(second.report.evaluation?.reused).toBeUndefined();
    expect(executed('quality', entity, 'candidate')).toBe(4);
  }, 120_000);

  it('benchmark definition: the same names and gate version, other code', async () => {
    await restartWorker();
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const entity = trigger.dynamicConfigID as string;
    await firstPhaseReviewed(trigger);
    const edited = gateWith(async (context) => {
      count(context, 'quality');
      return { metrics: { quality: Math.round(quality(context) * 100) / 100 } };
    });
    await restartWorker(edited);
    const second = await review(trigger);
    expect(second.report).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(second.report.evaluation?.reused).toBeUndefined();
    expect([
      executed('quality', entity, 'candidate'),
      executed('quality', entity, 'baseline'),
    ]).toEqual([4, 4]);
  }, 120_000);

  it('age: measured longer ago than GATE_CACHE_MAX_AGE', async () => {
    await restartWorker();
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const entity = trigger.dynamicConfigID as string;
    await firstPhaseReviewed(trigger);
    // The next phase two hours later, by the worker's clock: the runs are an hour too old.
    await restartWorker(gate, { runCache: { maxAgeMs: HOUR, now: () => Date.now() + 2 * HOUR } });
    const second = await review(trigger);
    expect(second.report.evaluation?.reused).toBeUndefined();
    expect([
      executed('quality', entity, 'candidate'),
      executed('quality', entity, 'baseline'),
    ]).toEqual([4, 4]);
  }, 120_000);
});
