// Turns benchmark outcomes into a verdict. Pure and deterministic: the workflow runs it directly, so
// the judgement is part of the review's durable history rather than an activity's side effect.
import type {
  BenchmarkOutcome,
  Criterion,
  CriterionResult,
  Judgement,
  Operator,
  Verdict,
} from './types';

export function compare(observed: number, op: Operator, threshold: number): boolean {
  switch (op) {
    case '>=':
      return observed >= threshold;
    case '>':
      return observed > threshold;
    case '<=':
      return observed <= threshold;
    case '<':
      return observed < threshold;
    case '==':
      return observed === threshold;
  }
}

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
  const results: CriterionResult[] = criteria.map((criterion) => {
    const suiteOutcomes = outcomes.filter((outcome) => outcome.suite === criterion.suite);
    const reporting = suiteOutcomes.filter(
      (outcome) => outcome.status === 'completed' && criterion.metric in outcome.metrics,
    );
    const base = {
      suite: criterion.suite,
      metric: criterion.metric,
      op: criterion.op,
      threshold: criterion.threshold,
    };
    if (reporting.length === 0) {
      const errors = suiteOutcomes.flatMap((outcome) =>
        outcome.status === 'error' ? [`${outcome.benchmark}: ${outcome.error}`] : [],
      );
      if (errors.length > 0) {
        const verdict: Verdict = onError === 'fail' ? 'fail' : 'inconclusive';
        return {
          ...base,
          observed: null,
          verdict,
          reason: `no measurement: ${errors.join('; ')}`,
          error: true,
        };
      }
      const reason = `no benchmark in suite '${criterion.suite}' reported '${criterion.metric}'`;
      return { ...base, observed: null, verdict: 'inconclusive', reason };
    }
    // Several benchmarks may report the same metric; each must meet the threshold on its own.
    const observations = reporting.map((outcome) =>
      outcome.status === 'completed'
        ? (outcome.metrics[criterion.metric] ?? Number.NaN)
        : Number.NaN,
    );
    const failing = observations.find(
      (value) => !Number.isFinite(value) || !compare(value, criterion.op, criterion.threshold),
    );
    const observed = failing ?? (observations[0] as number);
    const verdict: Verdict = failing === undefined ? 'pass' : 'fail';
    const relation = verdict === 'pass' ? 'meets' : 'misses';
    return {
      ...base,
      observed,
      verdict,
      reason: `${criterion.metric} = ${observed} ${relation} ${criterion.op} ${criterion.threshold}`,
    };
  });
  return { verdict: overallVerdict(results.map((result) => result.verdict)), criteria: results };
}

/** Any fail decides; otherwise anything unknown keeps the review from passing. */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive') || verdicts.length === 0) return 'inconclusive';
  return 'pass';
}
