// The worker side: one worker runs reviews and benchmarks; a second, on its own task queue, makes
// every write to Statsig under a task-queue-wide rate limit that holds across all worker processes;
// a third, on its own queue too, sends notifications, so a slow chat service never takes a slot a
// benchmark or a Statsig write needs. Workers also keep the report store's retention Schedule in step
// with their settings.
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDependencies, createActivities } from '../activities';
import { STATSIG_WRITES_QUEUE_SUFFIX } from '../workflows/contract';
import { NOTIFY_QUEUE_SUFFIX } from '../workflows/side-contract';
import { DEFAULT_STATSIG_WRITES_PER_SECOND } from './config';
import type { WorkerMetrics } from './metrics/worker';
import { createReviewDirectory } from './reviews/directory';
import {
  ensureRetentionSchedule,
  type RetentionScheduleOptions,
  type RetentionScheduleOutcome,
} from './temporal/report-retention';

export interface ReviewWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt bundle (production, tests) or the source path (development). */
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  maxConcurrentActivityTaskExecutions?: number;
  /** Task-queue-wide cap on Statsig writes (STATSIG_WRITES_PER_SECOND). */
  statsigWritesPerSecond?: number;
  /** Benchmark durations and reviews decided, counted around the activities. */
  metrics?: WorkerMetrics;
  /**
   * The report store's retention (GATE_REPORTS_MAX_AGE, GATE_REPORTS_MAX_BYTES): its Schedule is
   * created, updated or (both limits off) deleted. Absent, the Schedule is left alone.
   */
  retention?: Omit<RetentionScheduleOptions, 'taskQueue'>;
  /** Starts the catch-up's reviews and counts stuck ones; without it the catch-up cannot run. */
  client?: Client;
}

export interface ReviewWorkers {
  /** What became of the retention Schedule, when `retention` was given. */
  retentionSchedule: RetentionScheduleOutcome | undefined;
  run(): Promise<void>;
  shutdown(): void;
}

export async function createReviewWorkers(options: ReviewWorkersOptions): Promise<ReviewWorkers> {
  const activities = createActivities({
    ...options.dependencies,
    ...(options.client
      ? { reviews: createReviewDirectory(options.client, { taskQueue: options.taskQueue }) }
      : {}),
  });
  const interceptors = options.metrics
    ? { interceptors: { activity: [options.metrics.activityInterceptor] } }
    : {};
  const reviews = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...options.workflows,
    activities,
    ...interceptors,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 50,
  });
  const writes = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: `${options.taskQueue}${STATSIG_WRITES_QUEUE_SUFFIX}`,
    activities,
    ...interceptors,
    // Enforced by the Temporal server for the whole task queue, so it holds across worker processes.
    maxTaskQueueActivitiesPerSecond:
      options.statsigWritesPerSecond ?? DEFAULT_STATSIG_WRITES_PER_SECOND,
  });
  const retentionSchedule = options.retention
    ? await ensureRetentionSchedule(
        // Over the workers' own connection; closing the workers closes it.
        new Client({ connection: options.connection, namespace: options.namespace }),
        { ...options.retention, taskQueue: options.taskQueue },
      )
    : undefined;
  const notify = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: `${options.taskQueue}${NOTIFY_QUEUE_SUFFIX}`,
    activities,
    maxConcurrentActivityTaskExecutions: 20,
  });
  return {
    retentionSchedule,
    async run() {
      await Promise.all([reviews.run(), writes.run(), notify.run()]);
    },
    shutdown() {
      reviews.shutdown();
      writes.shutdown();
      notify.shutdown();
    },
  };
}
