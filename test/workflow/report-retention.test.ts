// Retention of the report store on the run's real dev server: two workers start at once with the
// same settings and make one Temporal Schedule; triggered, it runs the maintenance workflow, whose
// activity removes reviews older than the age limit, then the reviews written longest ago while the
// store is over the size cap, and never a running review's files or ones written moments ago.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { segment } from '../../src/gate/report/store';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { createClient } from '../../src/temporal/connection';
import { ensureRetentionSchedule } from '../../src/temporal/report-retention';
import { createReviewWorkers, type ReviewWorkers } from '../../src/worker';
import * as workflows from '../../workflows';
import {
  type PruneResult,
  REPORT_RETENTION_WORKFLOW_TYPE,
  reportRetentionScheduleId,
} from '../../workflows/retention-contract';
import { qualityGate } from '../helpers/gates';
import { testTemporalAddress, workflowBundleOption } from '../helpers/temporal';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const settings = { maxAgeMs: 30 * DAY, maxBytes: 10_000 };
const taskQueue = `retention-${randomUUID()}`;
const scheduleId = reportRetentionScheduleId(taskQueue);

let client: Client;
let reportsDir: string;
let runningReview: { workflowId: string; runId: string };
const started: Array<{ workers: ReviewWorkers; running: Promise<void>; close(): Promise<void> }> =
  [];

/** A review's directory with one file of `bytes`, last written `ageMs` ago. */
async function review(dir: string, bytes: number, ageMs: number): Promise<void> {
  const full = path.join(reportsDir, dir);
  await mkdir(path.join(full, 'round-0'), { recursive: true });
  const file = path.join(full, 'round-0', 'candidate-0.json');
  await writeFile(file, 'x'.repeat(bytes));
  const when = new Date(Date.now() - ageMs);
  // Files first, then their directories: writing a file touches its directory.
  for (const target of [file, path.join(full, 'round-0'), full]) await utimes(target, when, when);
}

/** A file of `bytes` outside any review (a snapshot, a cached run), last written `ageMs` ago. */
async function storeFile(file: string, bytes: number, ageMs: number): Promise<string> {
  const full = path.join(reportsDir, file);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, 'x'.repeat(bytes));
  const when = new Date(Date.now() - ageMs);
  await utimes(full, when, when);
  return full;
}

async function startWorker(): Promise<ReviewWorkers> {
  const connection = await NativeConnection.connect({ address: testTemporalAddress() });
  const workers = await createReviewWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    dependencies: {
      // Never called: no review runs here.
      statsig: new StatsigConsoleClient({
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'unused',
        timeoutMs: 1000,
      }),
      gate: qualityGate(),
      reportsDir,
    },
    workflows: workflowBundleOption(),
    retention: { settings, intervalMs: 3_600_000 },
  });
  const running = workers.run();
  started.push({
    workers,
    running,
    async close() {
      workers.shutdown();
      await running;
      await connection.close();
    },
  });
  return workers;
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  client = createClient({ address: testTemporalAddress(), namespace: 'default' });
  reportsDir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-retention-'));
  // A review that is still running: a workflow on a task queue nobody polls.
  const handle = await client.workflow.start('releasePipelineReview', {
    taskQueue: `nobody-${randomUUID()}`,
    workflowId: `review-running-${randomUUID()}`,
    args: [],
  });
  runningReview = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
});

afterAll(async () => {
  await client?.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await Promise.all(started.map((worker) => worker.close()));
  await client?.workflow
    .getHandle(runningReview.workflowId)
    .terminate()
    .catch(() => undefined);
  await client?.connection.close();
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true });
});

const runningDir = () => `${segment(runningReview.workflowId)}/${segment(runningReview.runId)}`;

describe('the retention Schedule', () => {
  let outcomes: string[];

  beforeAll(async () => {
    const workers = await Promise.all([startWorker(), startWorker()]);
    outcomes = workers.map((worker) => worker.retentionSchedule ?? 'none');
  });

  it('is created once when two workers start together', async () => {
    expect(outcomes.sort()).toEqual(['created', 'unchanged']);
    const description = await client.schedule.getHandle(scheduleId).describe();
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: REPORT_RETENTION_WORKFLOW_TYPE,
      taskQueue,
      args: [settings],
    });
    // Never rewritten by the second worker.
    expect(description.info.lastUpdatedAt).toBeUndefined();
    expect(description.state.note).toContain('GATE_REPORTS_MAX_AGE');
    // The type the Schedule starts is the workflow the bundle registers.
    expect(Object.keys(workflows)).toContain(REPORT_RETENTION_WORKFLOW_TYPE);
  });

  it('prunes by age and by size, oldest first, and keeps running and fresh reviews', async () => {
    await review('review-a/run-old', 1_000, 40 * DAY); // too old
    await review(runningDir(), 3_000, 40 * DAY); // as old, but its workflow runs
    await review('review-b/run-1', 3_000, 3 * DAY); // the oldest of the rest: over the size cap
    await review('review-a/run-new', 3_000, 2 * DAY);
    await review('review-c/run-1', 3_000, 1 * DAY);
    await review('review-d/run-1', 500, 0); // written a moment ago
    // Beside the reviews, as old and as large: a snapshot a running review may still read, and a
    // cached run. Neither is a review: not counted, never removed.
    const snapshot = await storeFile(
      `snapshots/dynamic_config/model/${'a'.repeat(64)}.json`,
      8_000,
      40 * DAY,
    );
    const cached = await storeFile(
      `run-cache/quality/eval/${'b'.repeat(64)}.json`,
      8_000,
      40 * DAY,
    );

    const schedule = client.schedule.getHandle(scheduleId);
    await schedule.trigger();
    const workflowId = await eventually(async () => {
      const { info } = await schedule.describe();
      const action = info.recentActions.at(-1)?.action;
      return action?.type === 'startWorkflow' ? action.workflow.workflowId : undefined;
    });
    const result = (await client.workflow.getHandle(workflowId).result()) as PruneResult;

    expect(result).toEqual({
      reviews: 6,
      removedForAge: 1,
      removedForSize: 1,
      freedBytes: 4_000,
      keptBytes: 9_500,
      protectedReviews: 2,
      overBudget: false,
    });
    const present = (dir: string) => existsSync(path.join(reportsDir, dir));
    expect(['review-a/run-old', 'review-b/run-1'].filter(present)).toEqual([]);
    expect(
      [runningDir(), 'review-a/run-new', 'review-c/run-1', 'review-d/run-1'].every(present),
    ).toBe(true);
    expect([snapshot, cached].every((file) => existsSync(file))).toBe(true);
    // A workflow's directory goes with its last review, not before.
    expect((await readdir(reportsDir)).sort()).toEqual(
      [
        segment(runningReview.workflowId),
        'review-a',
        'review-c',
        'review-d',
        'run-cache',
        'snapshots',
      ].sort(),
    );
  });

  it('follows a worker started with other settings, and goes when retention is turned off', async () => {
    const changed = { maxAgeMs: 7 * DAY };
    const options = { taskQueue, settings: changed, intervalMs: 3_600_000 };
    expect(await ensureRetentionSchedule(client, options)).toBe('updated');
    const description = await client.schedule.getHandle(scheduleId).describe();
    expect(description.action).toMatchObject({ args: [changed] });
    expect(await ensureRetentionSchedule(client, options)).toBe('unchanged');

    const off = { taskQueue, settings: {}, intervalMs: 3_600_000 };
    expect(await ensureRetentionSchedule(client, off)).toBe('deleted');
    await expect(client.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
    expect(await ensureRetentionSchedule(client, off)).toBe('off');
  });
});

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
