// The worker side: one worker runs reviews and benchmarks; a second, on its own task queue, makes
// every write to Statsig under a task-queue-wide rate limit that holds across all worker processes.
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type ActivityDependencies, createActivities } from '../activities';
import { STATSIG_WRITES_QUEUE_SUFFIX } from '../workflows/types';
import type { WorkerMetrics } from './metrics/worker';

/** Statsig allows ~100 mutations per 10 s per project; stay under it with room for people. */
export const STATSIG_WRITES_PER_SECOND = 8;

export interface ReviewWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt bundle (production, tests) or the source path (development). */
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  maxConcurrentActivityTaskExecutions?: number;
  /** Benchmark durations and reviews decided, counted around the activities. */
  metrics?: WorkerMetrics;
}

export interface ReviewWorkers {
  run(): Promise<void>;
  shutdown(): void;
}

export async function createReviewWorkers(options: ReviewWorkersOptions): Promise<ReviewWorkers> {
  const activities = createActivities(options.dependencies);
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
    maxTaskQueueActivitiesPerSecond: STATSIG_WRITES_PER_SECOND,
  });
  return {
    async run() {
      await Promise.all([reviews.run(), writes.run()]);
    },
    shutdown() {
      reviews.shutdown();
      writes.shutdown();
    },
  };
}
