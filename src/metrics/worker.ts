// The worker's Prometheus metrics: reviews decided, benchmark durations and Statsig calls. Counted
// from outside the workflow and activity code: an activity interceptor sees every benchmark run and
// every review's final report, and the Statsig clients report each HTTP call they make.
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ReviewReport, RunBenchmarkResult } from '../../workflows/contract';
import type { CatchUpFindings } from '../../workflows/side-contract';
import { operationOf, type StatsigCall } from '../statsig/http';
import type { StatsigSurprise } from '../statsig/surprises';
import { catchUpMetrics } from './catch-up';
import { METRIC_PREFIX } from './registry';

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Pass to the Statsig clients' `onCall`. */
  statsigCall(call: StatsigCall): void;
  /** Pass to the Console client's `onSurprise`; answers whether this kind is new (worth a log line). */
  statsigSurprise(surprise: StatsigSurprise): boolean;
  /** Pass to `Worker.create({ interceptors: { activity: [...] } })`. */
  readonly activityInterceptor: ActivityInterceptorsFactory;
}

// Benchmarks run from milliseconds (a local check) to many minutes (an eval suite).
const BENCHMARK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const STATSIG_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const reviewsDecided = new Counter({
    name: `${METRIC_PREFIX}reviews_decided_total`,
    help: 'Reviews that reached their end, by verdict, action taken in Statsig, outcome (decided or superseded) and who decided (gate or person).',
    labelNames: ['verdict', 'action', 'outcome', 'decided_by'],
    registers: [registry],
  });
  const benchmarkDuration = new Histogram({
    name: `${METRIC_PREFIX}benchmark_duration_seconds`,
    help: 'Duration of each benchmark attempt, by suite, benchmark and status (completed, error, cancelled; reused: taken from the run cache, not measured).',
    labelNames: ['suite', 'benchmark', 'status'],
    buckets: BENCHMARK_BUCKETS,
    registers: [registry],
  });
  const statsigCalls = new Counter({
    name: `${METRIC_PREFIX}statsig_calls_total`,
    help: 'HTTP calls to Statsig, by method, operation and status (the HTTP status, or timeout / network when no answer came).',
    labelNames: ['method', 'operation', 'status'],
    registers: [registry],
  });
  const statsigDuration = new Histogram({
    name: `${METRIC_PREFIX}statsig_call_duration_seconds`,
    help: 'Duration of HTTP calls to Statsig, by method and operation.',
    labelNames: ['method', 'operation'],
    buckets: STATSIG_BUCKETS,
    registers: [registry],
  });

  const statsigSurprises = new Counter({
    name: `${METRIC_PREFIX}statsig_surprises_total`,
    help: 'Values Statsig answered beyond its documentation (a new status or action type, a missing field), by operation and field; none stops a review.',
    labelNames: ['operation', 'field'],
    registers: [registry],
  });
  const surpriseKinds = new Set<string>();
  const catchUp = catchUpMetrics(registry);

  function recordDecided(report: ReviewReport) {
    reviewsDecided.inc({
      verdict: report.verdict ?? 'none',
      action: report.action,
      outcome: report.outcome,
      decided_by: report.override ? 'person' : 'gate',
    });
  }

  const activityInterceptor: ActivityInterceptorsFactory = (context: Context) => ({
    inbound: {
      async execute(input, next) {
        const type = context.info.activityType;
        if (type === 'catchUpWaitingReviews') {
          const findings = (await next(input)) as CatchUpFindings;
          catchUp(findings);
          return findings;
        }
        if (type !== 'runBenchmark' && type !== 'recordReviewResult') return next(input);
        const started = process.hrtime.bigint();
        let status = 'completed';
        try {
          const result = await next(input);
          if (type === 'recordReviewResult') recordDecided(input.args[0] as ReviewReport);
          // A run from the run cache took no measuring: counted apart, out of the durations.
          if (type === 'runBenchmark' && (result as RunBenchmarkResult).reused) status = 'reused';
          return result;
        } catch (error) {
          status = context.cancellationSignal.aborted ? 'cancelled' : 'error';
          throw error;
        } finally {
          if (type === 'runBenchmark') {
            const { suite, benchmark } = input.args[0] as { suite: string; benchmark: string };
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            benchmarkDuration.observe({ suite, benchmark, status }, seconds);
          }
        }
      },
    },
  });

  return {
    registry,
    activityInterceptor,
    statsigCall(call) {
      const labels = { method: call.method, operation: call.operation };
      statsigCalls.inc({ ...labels, status: call.status });
      statsigDuration.observe(labels, call.durationMs / 1000);
    },
    statsigSurprise(surprise) {
      const operation = operationOf(surprise.path);
      statsigSurprises.inc({ operation, field: surprise.field });
      const kind = `${operation} ${surprise.field} ${surprise.value}`;
      if (surpriseKinds.has(kind)) return false;
      surpriseKinds.add(kind);
      return true;
    },
  };
}
