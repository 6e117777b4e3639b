// Judging single-number outcomes (one run per benchmark), as the first gate API did: a thin layer
// over the full judge in evaluate.ts, kept for callers that have outcomes rather than runs.
import { evaluate, type RunData } from './evaluate';
import type { BenchmarkOutcome, Criterion, Judgement } from './types';

export { compare, overallVerdict } from './evaluate';

/**
 * A criterion passes or fails on its suite's metric. When no completed benchmark of the suite
 * reported the metric (the benchmark errored or timed out after its retries) the criterion is
 * inconclusive by default: an error is never read as a pass, and only read as a fail when the
 * policy says so (`onError: 'fail'`).
 */
export function judge(
  criteria: ReadonlyArray<Criterion & { suite: string }>,
  outcomes: readonly BenchmarkOutcome[],
  { onError = 'inconclusive' }: { onError?: 'inconclusive' | 'fail' } = {},
): Judgement {
  const runs: RunData[] = outcomes.map((outcome) =>
    outcome.status === 'completed'
      ? {
          suite: outcome.suite,
          benchmark: outcome.benchmark,
          role: 'candidate',
          repeat: 0,
          status: 'completed',
          output: { metrics: outcome.metrics },
        }
      : {
          suite: outcome.suite,
          benchmark: outcome.benchmark,
          role: 'candidate',
          repeat: 0,
          status: 'error',
          error: outcome.error,
        },
  );
  return evaluate({
    criteria,
    suites: [],
    runs,
    baseline: { version: null, reason: 'single outcomes carry no baseline' },
    onError,
    seed: 'judge',
  }).judgement;
}
