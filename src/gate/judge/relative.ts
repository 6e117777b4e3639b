// Relative criteria (delta or regression against the released version): a point comparison, a
// Mann-Whitney U test, or a bootstrap interval (paired over the cases both sides scored).
import {
  type Aggregation,
  aggregate,
  bootstrapPaired,
  bootstrapTwoSample,
  mannWhitneyU,
  mean,
} from '../stats';
import type { CriterionResult, StatisticEvidence, Verdict } from '../wire';
import { better, compare, differenceOf, intervalVerdict, meetsBelow } from './compare';
import { type CriterionContext, DEFAULT_RESAMPLES, type Judged } from './context';
import { formatNumber, intervalText, lookText, percent, signed, undecided } from './format';
import type { Side } from './samples';

/** Per-case values of both sides over the cases both scored, averaged over repeats. */
function pairedCases(
  candidate: Map<string, number[]>,
  baseline: Map<string, number[]>,
  transform: (values: number[]) => number,
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const key of [...candidate.keys()].sort()) {
    const other = baseline.get(key);
    if (!other) continue;
    x.push(transform(candidate.get(key) as number[]));
    y.push(transform(other));
  }
  return { x, y };
}

/** The two sides as the test compares them, the statistic, and the judged difference. */
interface SidesCompared {
  x: number[];
  y: number[];
  usePaired: boolean;
  statistic: (values: readonly number[]) => number;
  headline: string;
  target: string;
  show: (value: number) => string;
  common: {
    observed: number;
    baselineValue: number;
    difference: number;
    samples: CriterionResult['samples'];
  };
  /** A statistical test's outcome; an inconclusive one asks for more samples of what it compared. */
  concluded: (
    verdict: Verdict,
    evidence: StatisticEvidence,
    reasons: Record<Verdict, string>,
  ) => Judged;
}

function compareSides(context: CriterionContext & { baseline: Side }): SidesCompared {
  const { criterion, candidate, baseline, samples, done, reporting, canSampleMore } = context;
  const { metric, op, threshold } = criterion;
  const how: Aggregation = criterion.aggregate ?? 'mean';
  const passAt = criterion.passAt ?? 1;
  const regression = criterion.compare === 'regression';
  const label = regression ? 'regression' : 'delta';
  const show = regression ? percent : signed;
  const target = `${op} ${regression ? percent(threshold) : formatNumber(threshold)}`;

  // Case-paired data: per-case pass fractions (passRate) or means, compared with their mean.
  const pairable =
    candidate.perCase !== undefined &&
    baseline.perCase !== undefined &&
    (how === 'mean' || how === 'passRate');
  const paired = pairable
    ? pairedCases(
        candidate.perCase as Map<string, number[]>,
        baseline.perCase as Map<string, number[]>,
        how === 'passRate'
          ? (values) => values.filter((v) => v >= passAt).length / values.length
          : mean,
      )
    : undefined;
  const usePaired = paired !== undefined && paired.x.length > 0;
  const statistic = usePaired
    ? mean
    : (values: readonly number[]) => aggregate(values, how, passAt);
  const x = usePaired ? paired.x : candidate.values;
  const y = usePaired ? paired.y : baseline.values;
  const observed = statistic(x);
  const baselineValue = statistic(y);
  const difference = differenceOf(criterion, observed, baselineValue);
  const headline = `${how}(${metric}) ${label} = ${show(difference)} (candidate ${formatNumber(observed)}, baseline ${formatNumber(baselineValue)})`;
  const common = { observed, baselineValue, difference, samples };
  const concluded: SidesCompared['concluded'] = (verdict, evidence, reasons) => {
    const open = verdict === 'inconclusive' && canSampleMore;
    return done(
      {
        ...common,
        verdict,
        reason: reasons[verdict],
        statistic: context.sequential ? { ...evidence, sequential: context.sequential } : evidence,
        ...(open ? { needsSamples: true } : {}),
      },
      open ? reporting : [],
    );
  };
  return { x, y, usePaired, statistic, headline, target, show, common, concluded };
}

/**
 * Shifts (delta) or scales (regression) the samples so that "meets the threshold" becomes "the
 * candidate's samples lie on the good side of the baseline's", then tests both ways.
 */
function mannWhitney(context: CriterionContext, sides: SidesCompared): Judged {
  const { criterion, alpha, level, sequential, canSampleMore } = context;
  const { op, threshold } = criterion;
  const { x, y, headline, target } = sides;
  let xs = x;
  let ys = y;
  let goodIsSmaller: boolean;
  if (criterion.compare === 'regression') {
    const sign = better(criterion) === 'higher' ? -1 : 1;
    ys = y.map((value) => value + sign * threshold * Math.abs(value));
    goodIsSmaller = better(criterion) === 'lower';
  } else {
    xs = x.map((value) => value - threshold);
    goodIsSmaller = meetsBelow(op);
  }
  const meets = mannWhitneyU(xs, ys, goodIsSmaller ? 'less' : 'greater');
  const misses = mannWhitneyU(xs, ys, goodIsSmaller ? 'greater' : 'less');
  let verdict: Verdict = 'inconclusive';
  if (misses.pValue < level) verdict = 'fail';
  else if (meets.pValue < level) verdict = 'pass';
  const hypothesis: 'meets' | 'misses' =
    verdict === 'fail'
      ? 'misses'
      : verdict === 'pass'
        ? 'meets'
        : meets.pValue <= misses.pValue
          ? 'meets'
          : 'misses';
  const pValue = hypothesis === 'meets' ? meets.pValue : misses.pValue;
  const evidence: StatisticEvidence = {
    test: 'mann-whitney',
    u: meets.u,
    pValue,
    hypothesis,
    alpha,
  };
  const stat = `Mann-Whitney U = ${formatNumber(meets.u)}, p = ${formatNumber(pValue)}`;
  const look = sequential ? `; ${lookText(sequential)}` : '';
  const at = sequential ? `at ${lookText(sequential)}` : `at α = ${alpha}`;
  return sides.concluded(verdict, evidence, {
    pass: `${headline} meets ${target} (${stat} that it meets${look})`,
    fail: `${headline} misses ${target} (${stat} that it misses${look})`,
    inconclusive: `${headline}: not significant either way ${at} (${stat}); ${undecided(canSampleMore)}`,
  });
}

/** A bootstrap interval of the judged difference: paired over shared cases, else independent. */
function bootstrap(context: CriterionContext, sides: SidesCompared): Judged {
  const { criterion, alpha, level, sequential, canSampleMore, random } = context;
  const { op, threshold } = criterion;
  const { x, y, usePaired, statistic, headline, target, show } = sides;
  const confidence = 1 - 2 * level;
  const options = { resamples: criterion.resamples ?? DEFAULT_RESAMPLES, confidence, random };
  const judged = (a: readonly number[], b: readonly number[]) =>
    differenceOf(criterion, statistic(a), statistic(b));
  const interval = usePaired
    ? bootstrapPaired(x, y, judged, options)
    : bootstrapTwoSample(x, y, judged, options);
  const verdict = intervalVerdict(interval, op, threshold);
  const evidence: StatisticEvidence = {
    test: usePaired ? 'paired-bootstrap' : 'bootstrap',
    interval,
    confidence,
    alpha,
  };
  const range = `${intervalText(confidence, sequential)} [${show(interval[0])}, ${show(interval[1])}]${usePaired ? ` over ${x.length} paired cases` : ''}`;
  return sides.concluded(verdict, evidence, {
    pass: `${headline} meets ${target}: ${range} is within it`,
    fail: `${headline} misses ${target}: ${range} is outside it`,
    inconclusive: `${headline}: ${range} straddles ${target}; ${undecided(canSampleMore)}`,
  });
}

export function judgeRelative(context: CriterionContext & { baseline: Side }): Judged {
  const { criterion, done } = context;
  const { op, threshold } = criterion;
  const how: Aggregation = criterion.aggregate ?? 'mean';
  const sides = compareSides(context);
  const { x, y, usePaired, common, headline, target } = sides;

  let test = criterion.test ?? 'auto';
  if (test === 'auto') {
    if (x.length < 2 || y.length < 2) test = 'none';
    else if (usePaired) test = 'bootstrap';
    else test = how === 'mean' || how === 'median' || how === 'p50' ? 'mann-whitney' : 'bootstrap';
  }

  if (test === 'none') {
    const verdict: Verdict = compare(common.difference, op, threshold) ? 'pass' : 'fail';
    const single =
      x.length < 2 || y.length < 2 ? '; one sample per side, so no statistical test' : '';
    return done({
      ...common,
      verdict,
      reason: `${headline} ${verdict === 'pass' ? 'meets' : 'misses'} ${target}${single}`,
    });
  }
  if (test === 'mann-whitney') return mannWhitney(context, sides);
  return bootstrap(context, sides);
}
