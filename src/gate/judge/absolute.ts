// Absolute criteria (`quality >= 0.8`): each measurement against the threshold within a failure
// budget, an aggregate against it, or a bootstrap interval of the aggregate entirely on one side.
import { type Aggregation, aggregate, bootstrapOneSample } from '../stats';
import type { StatisticEvidence, Verdict } from '../wire';
import { compare, intervalVerdict, kthWorst } from './compare';
import { type CriterionContext, DEFAULT_RESAMPLES, type Judged } from './context';
import { formatNumber, intervalText, undecided } from './format';

export function judgeAbsolute({
  criterion,
  candidate,
  baseline,
  samples,
  alpha,
  level,
  sequential,
  canSampleMore,
  random,
  done,
  reporting,
}: CriterionContext): Judged {
  const { metric, op, threshold } = criterion;
  const target = `${op} ${threshold}`;
  const test = criterion.test ?? 'none';
  if (criterion.aggregate === undefined && test === 'none') {
    // Each measurement on its own; up to failureBudget may miss.
    const budget = criterion.failureBudget ?? 0;
    const values = candidate.values;
    const missing = values.filter((value) => !compare(value, op, threshold));
    const verdict: Verdict = missing.length <= budget ? 'pass' : 'fail';
    const decisive =
      op === '=='
        ? (missing[0] ?? (values[0] as number))
        : kthWorst(values, op, Math.min(budget, values.length - 1));
    const baselineValue = baseline
      ? kthWorst(baseline.values, op, Math.min(budget, baseline.values.length - 1))
      : undefined;
    const relation = verdict === 'pass' ? 'meets' : 'misses';
    const reason =
      values.length === 1
        ? `${metric} = ${formatNumber(decisive)} ${relation} ${target}`
        : missing.length === 0
          ? `all ${values.length} measurements of ${metric} meet ${target} (worst ${formatNumber(decisive)})`
          : `${metric}: ${missing.length} of ${values.length} measurements miss ${target} (failure budget ${budget}; worst ${formatNumber(kthWorst(values, op, 0))})`;
    return done({
      observed: decisive,
      verdict,
      reason,
      samples,
      ...(baselineValue === undefined ? {} : { baselineValue }),
    });
  }

  const how: Aggregation = criterion.aggregate ?? 'mean';
  const passAt = criterion.passAt ?? 1;
  const statistic = (values: readonly number[]) => aggregate(values, how, passAt);
  const observed = statistic(candidate.values);
  const baselineValue = baseline ? statistic(baseline.values) : undefined;
  const subject = `${how}(${metric}) = ${formatNumber(observed)}`;
  const withBaseline = { ...(baselineValue === undefined ? {} : { baselineValue }), samples };
  if (test === 'none' || test === 'auto') {
    const verdict: Verdict = compare(observed, op, threshold) ? 'pass' : 'fail';
    return done({
      observed,
      verdict,
      reason: `${subject} ${verdict === 'pass' ? 'meets' : 'misses'} ${target}`,
      ...withBaseline,
    });
  }
  // Bootstrap: the whole interval of the aggregate must lie on one side of the threshold.
  const confidence = 1 - 2 * level;
  const resamples = criterion.resamples ?? DEFAULT_RESAMPLES;
  const interval = bootstrapOneSample(candidate.values, statistic, {
    resamples,
    confidence,
    random,
  });
  const verdict = intervalVerdict(interval, op, threshold);
  const evidence: StatisticEvidence = {
    test: 'bootstrap',
    interval,
    confidence,
    alpha,
    ...(sequential ? { sequential } : {}),
  };
  const range = `${intervalText(confidence, sequential)} [${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`;
  const open = verdict === 'inconclusive' && canSampleMore;
  const reason =
    verdict === 'pass'
      ? `${subject} meets ${target}: ${range} is within it`
      : verdict === 'fail'
        ? `${subject} misses ${target}: ${range} is outside it`
        : `${subject}: ${range} straddles ${target}; ${undecided(canSampleMore)}`;
  return done(
    {
      observed,
      verdict,
      reason,
      statistic: evidence,
      ...withBaseline,
      ...(open ? { needsSamples: true } : {}),
    },
    open ? reporting : [],
  );
}
