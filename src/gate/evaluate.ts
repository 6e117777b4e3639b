// The judge: turns every run's measurements into a verdict per criterion (with its evidence), per
// suite (score, critical and advisory criteria) and for the review. Pure and deterministic: the
// bootstrap draws from a generator seeded by the caller (the review's workflow ID), so the same
// measurements always give the same verdict.
import {
  type Aggregation,
  aggregate,
  bootstrapOneSample,
  bootstrapPaired,
  bootstrapTwoSample,
  mannWhitneyU,
  mean,
  seededRandom,
} from './stats';
import {
  type BenchmarkOutput,
  type CaseResult,
  type Comparison,
  type Criterion,
  type CriterionResult,
  type FailedRun,
  isRelative,
  type Judgement,
  type Operator,
  type PlannedSuite,
  type RunKey,
  type RunRole,
  type StatisticEvidence,
  type SuiteResult,
  type Verdict,
} from './types';

export type RunData = (RunKey & { status: 'completed'; output: BenchmarkOutput }) | FailedRun;

/** Whether the review has a baseline to compare with, and if not, why. */
export type BaselineStatus = { version: number } | { version: null; reason: string };

export interface EvaluationInput {
  criteria: ReadonlyArray<Criterion & { suite: string }>;
  suites: readonly PlannedSuite[];
  runs: readonly RunData[];
  baseline: BaselineStatus;
  onError: 'inconclusive' | 'fail';
  /** Seeds the bootstrap; the review's workflow ID. */
  seed: string;
}

export interface CaseSummary {
  id: string;
  candidate: { runs: number; passed: number };
  baseline: { runs: number; passed: number };
}

export interface DatasetAnalysis {
  suite: string;
  benchmark: string;
  cases: number;
  /** Cases that passed in some runs and failed in others, on either side. */
  flaky: CaseSummary[];
  /** Cases the baseline passed every time and the candidate never did. */
  regressions: CaseSummary[];
  /** Cases the candidate passed every time and the baseline never did. */
  improvements: CaseSummary[];
  /** Every case, with its last output and error on the candidate side (for the stored report). */
  table: Array<CaseSummary & { scores: Record<string, number>; output?: unknown; error?: string }>;
}

export interface Evaluation {
  judgement: Judgement;
  /** Benchmarks whose extra runs could settle an inconclusive verdict. */
  moreSamples: Array<{ suite: string; benchmark: string }>;
  datasets: DatasetAnalysis[];
}

const DEFAULT_ALPHA = 0.05;
const DEFAULT_RESAMPLES = 2_000;

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

/** Any fail decides; otherwise anything unknown keeps the review from passing. */
function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive') || verdicts.length === 0) return 'inconclusive';
  return 'pass';
}

/** Numbers in reasons: up to 4 significant digits, no float noise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

const signed = (value: number) => `${value > 0 ? '+' : ''}${formatNumber(value)}`;
const percent = (value: number) => `${formatNumber(value * 100)}%`;

/** The name reports show for a criterion. */
function criterionName(criterion: Criterion): string {
  if (criterion.name) return criterion.name;
  const compareMode = criterion.compare ?? 'absolute';
  const how = criterion.aggregate ?? (isRelative(compareMode) ? 'mean' : undefined);
  const subject = how ? `${how}(${criterion.metric})` : criterion.metric;
  if (compareMode === 'delta') return `${subject} delta ${criterion.op} ${criterion.threshold}`;
  if (compareMode === 'regression') {
    return `${subject} regression ${criterion.op} ${percent(criterion.threshold)}`;
  }
  return `${subject} ${criterion.op} ${criterion.threshold}`;
}

// ---------------------------------------------------------------------------------------------
// Reading samples out of run outputs

type Completed = Extract<RunData, { status: 'completed' }>;

function caseValue(item: CaseResult, metric: string): number | undefined {
  if (metric === 'pass') return item.passed === undefined ? undefined : Number(item.passed);
  return item.scores?.[metric];
}

/** The samples one run holds for a metric: its samples, else its cases, else its single metric. */
function samplesOf(
  output: BenchmarkOutput,
  metric: string,
): { values: number[]; caseIds?: string[] } | undefined {
  const listed = output.samples?.[metric];
  if (listed) return { values: listed };
  if (output.cases) {
    const values: number[] = [];
    const caseIds: string[] = [];
    for (const item of output.cases) {
      const value = caseValue(item, metric);
      if (value === undefined) continue;
      values.push(value);
      caseIds.push(item.id);
    }
    if (values.length > 0) return { values, caseIds };
  }
  const single = output.metrics[metric];
  return single === undefined ? undefined : { values: [single] };
}

interface Side {
  /** Completed runs that reported the metric. */
  reporting: Completed[];
  values: number[];
  /** Per case (keyed benchmark + case ID): the values over repeats; absent unless all are cases. */
  perCase?: Map<string, number[]>;
  /** Errored runs that may have reported the metric. */
  errors: Array<{ benchmark: string; error: string }>;
  runs: number;
}

function gatherSide(
  runs: readonly RunData[],
  criterion: Criterion & { suite: string },
  role: RunRole,
): Side {
  const relevant = runs.filter(
    (run) =>
      run.suite === criterion.suite &&
      (criterion.benchmark === undefined || run.benchmark === criterion.benchmark),
  );
  // A benchmark that reported the metric (in any run, either side) or never completed a run may
  // be the one that errored; one known not to report it is left out.
  const reportsMetric = new Set<string>();
  const completedSomewhere = new Set<string>();
  for (const run of relevant) {
    if (run.status !== 'completed') continue;
    completedSomewhere.add(run.benchmark);
    if (samplesOf(run.output, criterion.metric)) reportsMetric.add(run.benchmark);
  }
  const side: Side = { reporting: [], values: [], errors: [], runs: 0 };
  const perCase = new Map<string, number[]>();
  let allCases = true;
  for (const run of relevant) {
    if (run.role !== role) continue;
    if (run.status === 'error') {
      if (reportsMetric.has(run.benchmark) || !completedSomewhere.has(run.benchmark)) {
        side.errors.push({ benchmark: run.benchmark, error: run.error });
        side.runs += 1;
      }
      continue;
    }
    const found = samplesOf(run.output, criterion.metric);
    if (!found) continue;
    side.runs += 1;
    side.reporting.push(run);
    side.values.push(...found.values);
    if (!found.caseIds) {
      allCases = false;
      continue;
    }
    found.caseIds.forEach((id, index) => {
      const key = `${run.benchmark}\u0000${id}`;
      const values = perCase.get(key) ?? [];
      values.push(found.values[index] as number);
      perCase.set(key, values);
    });
  }
  if (allCases && perCase.size > 0) side.perCase = perCase;
  return side;
}

// ---------------------------------------------------------------------------------------------
// Judging one criterion

interface Judged {
  result: CriterionResult;
  /** Benchmarks whose further runs could settle it. */
  sampleFrom: string[];
}

function better(criterion: Criterion): 'higher' | 'lower' {
  if (criterion.better) return criterion.better;
  return criterion.op === '<=' || criterion.op === '<' ? 'lower' : 'higher';
}

/** The judged difference between candidate and baseline values, for a relative criterion. */
function differenceOf(criterion: Criterion, candidate: number, baseline: number): number {
  if (criterion.compare === 'delta') return candidate - baseline;
  const worse = better(criterion) === 'higher' ? baseline - candidate : candidate - baseline;
  if (baseline === 0)
    return worse === 0 ? 0 : worse > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return worse / Math.abs(baseline);
}

/** Whether a value "meets" the criterion lies toward smaller values (`<=`, `<`) or larger ones. */
function meetsBelow(op: Operator): boolean {
  return op === '<=' || op === '<';
}

function intervalVerdict(interval: [number, number], op: Operator, threshold: number): Verdict {
  const [low, high] = interval;
  const lowMeets = compare(low, op, threshold);
  const highMeets = compare(high, op, threshold);
  if (lowMeets && highMeets) return 'pass';
  if (!lowMeets && !highMeets) return 'fail';
  return 'inconclusive';
}

function judgeCriterion(
  criterion: Criterion & { suite: string },
  input: EvaluationInput,
  index: number,
): Judged {
  const compareMode: Comparison = criterion.compare ?? 'absolute';
  const relative = isRelative(compareMode);
  const alpha = criterion.alpha ?? DEFAULT_ALPHA;
  const base: CriterionResult = {
    suite: criterion.suite,
    metric: criterion.metric,
    op: criterion.op,
    threshold: criterion.threshold,
    name: criterionName(criterion),
    compare: compareMode,
    observed: null,
    verdict: 'inconclusive',
    reason: '',
    ...(criterion.aggregate ? { aggregate: criterion.aggregate } : {}),
    ...(criterion.critical ? { critical: true } : {}),
    ...(criterion.advisory ? { advisory: true } : {}),
  };
  const done = (fields: Partial<CriterionResult>, sampleFrom: string[] = []): Judged => ({
    result: { ...base, ...fields },
    sampleFrom,
  });
  const errorVerdict = (reason: string): Judged =>
    done({ verdict: input.onError === 'fail' ? 'fail' : 'inconclusive', reason, error: true });
  const errorBudget = criterion.errorBudget ?? 0;

  const candidate = gatherSide(input.runs, criterion, 'candidate');
  const reportingBenchmarks = [...new Set(candidate.reporting.map((run) => run.benchmark))];
  if (candidate.reporting.length === 0) {
    if (candidate.errors.length > 0) {
      const errors = [...new Set(candidate.errors.map((e) => `${e.benchmark}: ${e.error}`))];
      return errorVerdict(`no measurement: ${errors.join('; ')}`);
    }
    return done({
      reason: `no benchmark in suite '${criterion.suite}' reported '${criterion.metric}'`,
    });
  }
  if (candidate.errors.length > errorBudget) {
    const first = candidate.errors[0] as { benchmark: string; error: string };
    return errorVerdict(
      `${candidate.errors.length} of ${candidate.runs} runs errored (error budget ${errorBudget}); ${first.benchmark}: ${first.error}`,
    );
  }

  let baseline: Side | undefined;
  if (input.baseline.version !== null) {
    const gathered = gatherSide(input.runs, criterion, 'baseline');
    if (gathered.reporting.length > 0) baseline = gathered;
    if (relative) {
      if (gathered.reporting.length === 0 && gathered.errors.length > 0) {
        const errors = [...new Set(gathered.errors.map((e) => `${e.benchmark}: ${e.error}`))];
        return errorVerdict(`no baseline measurement: ${errors.join('; ')}`);
      }
      if (gathered.reporting.length === 0) {
        return done({
          reason: `the baseline (version ${input.baseline.version}) reported no '${criterion.metric}'`,
        });
      }
      if (gathered.errors.length > errorBudget) {
        const first = gathered.errors[0] as { benchmark: string; error: string };
        return errorVerdict(
          `${gathered.errors.length} of ${gathered.runs} baseline runs errored (error budget ${errorBudget}); ${first.benchmark}: ${first.error}`,
        );
      }
    }
  } else if (relative) {
    return done({
      reason: `no baseline to compare with: ${input.baseline.reason}`,
      samples: { candidate: candidate.values.length },
    });
  }

  const minSamples = criterion.minSamples ?? 1;
  const samples = {
    candidate: candidate.values.length,
    ...(baseline ? { baseline: baseline.values.length } : {}),
  };
  const short =
    candidate.values.length < minSamples ||
    (relative && (baseline?.values.length ?? 0) < minSamples);
  if (short) {
    return done(
      {
        samples,
        reason: `needs at least ${minSamples} samples per side to judge; has ${samples.candidate} (candidate)${baseline ? `, ${baseline.values.length} (baseline)` : ''}`,
        needsSamples: true,
      },
      reportingBenchmarks,
    );
  }

  const random = seededRandom(`${input.seed}|${criterion.suite}|${index}`);
  if (!relative)
    return judgeAbsolute(
      criterion,
      candidate,
      baseline,
      samples,
      alpha,
      random,
      done,
      reportingBenchmarks,
    );
  return judgeRelative(
    criterion,
    candidate,
    baseline as Side,
    samples,
    alpha,
    random,
    done,
    reportingBenchmarks,
  );
}

type Done = (fields: Partial<CriterionResult>, sampleFrom?: string[]) => Judged;

/** k-th worst value (0-based) for the criterion's direction. */
function kthWorst(values: readonly number[], op: Operator, k: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (op === '==') return sorted[0] as number;
  const worstFirst = meetsBelow(op) ? sorted.reverse() : sorted;
  return worstFirst[Math.min(k, worstFirst.length - 1)] as number;
}

function judgeAbsolute(
  criterion: Criterion & { suite: string },
  candidate: Side,
  baseline: Side | undefined,
  samples: CriterionResult['samples'],
  alpha: number,
  random: () => number,
  done: Done,
  reporting: string[],
): Judged {
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
  const confidence = 1 - 2 * alpha;
  const resamples = criterion.resamples ?? DEFAULT_RESAMPLES;
  const interval = bootstrapOneSample(candidate.values, statistic, {
    resamples,
    confidence,
    random,
  });
  const verdict = intervalVerdict(interval, op, threshold);
  const evidence: StatisticEvidence = { test: 'bootstrap', interval, confidence, alpha };
  const range = `${formatNumber(confidence * 100)}% interval [${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`;
  const reason =
    verdict === 'pass'
      ? `${subject} meets ${target}: ${range} is within it`
      : verdict === 'fail'
        ? `${subject} misses ${target}: ${range} is outside it`
        : `${subject}: ${range} straddles ${target}; more samples could decide`;
  return done(
    {
      observed,
      verdict,
      reason,
      statistic: evidence,
      ...withBaseline,
      ...(verdict === 'inconclusive' ? { needsSamples: true } : {}),
    },
    verdict === 'inconclusive' ? reporting : [],
  );
}

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

function judgeRelative(
  criterion: Criterion & { suite: string },
  candidate: Side,
  baseline: Side,
  samples: CriterionResult['samples'],
  alpha: number,
  random: () => number,
  done: Done,
  reporting: string[],
): Judged {
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
  // A statistical test's outcome; an inconclusive one asks for more samples of what it compared.
  const concluded = (
    verdict: Verdict,
    evidence: StatisticEvidence,
    reasons: Record<Verdict, string>,
  ) =>
    done(
      {
        ...common,
        verdict,
        reason: reasons[verdict],
        statistic: evidence,
        ...(verdict === 'inconclusive' ? { needsSamples: true } : {}),
      },
      verdict === 'inconclusive' ? reporting : [],
    );

  let test = criterion.test ?? 'auto';
  if (test === 'auto') {
    if (x.length < 2 || y.length < 2) test = 'none';
    else if (usePaired) test = 'bootstrap';
    else test = how === 'mean' || how === 'median' || how === 'p50' ? 'mann-whitney' : 'bootstrap';
  }

  if (test === 'none') {
    const verdict: Verdict = compare(difference, op, threshold) ? 'pass' : 'fail';
    const single =
      x.length < 2 || y.length < 2 ? '; one sample per side, so no statistical test' : '';
    return done({
      ...common,
      verdict,
      reason: `${headline} ${verdict === 'pass' ? 'meets' : 'misses'} ${target}${single}`,
    });
  }

  if (test === 'mann-whitney') {
    // Shift (delta) or scale (regression) the samples so that "meets the threshold" becomes
    // "the candidate's samples lie on the good side of the baseline's", then test both ways.
    let xs = x;
    let ys = y;
    let goodIsSmaller: boolean;
    if (regression) {
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
    if (misses.pValue < alpha) verdict = 'fail';
    else if (meets.pValue < alpha) verdict = 'pass';
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
    return concluded(verdict, evidence, {
      pass: `${headline} meets ${target} (${stat} that it meets)`,
      fail: `${headline} misses ${target} (${stat} that it misses)`,
      inconclusive: `${headline}: not significant either way at α = ${alpha} (${stat}); more samples could decide`,
    });
  }

  const confidence = 1 - 2 * alpha;
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
  const range = `${formatNumber(confidence * 100)}% interval [${show(interval[0])}, ${show(interval[1])}]${usePaired ? ` over ${x.length} paired cases` : ''}`;
  return concluded(verdict, evidence, {
    pass: `${headline} meets ${target}: ${range} is within it`,
    fail: `${headline} misses ${target}: ${range} is outside it`,
    inconclusive: `${headline}: ${range} straddles ${target}; more samples could decide`,
  });
}

// ---------------------------------------------------------------------------------------------
// Suites, flakiness, the whole review

function judgeSuite(suite: PlannedSuite, results: readonly CriterionResult[]): SuiteResult {
  const blocking = results.filter((result) => !result.advisory);
  const passScore = suite.passScore;
  // Advisory criteria never block, so a suite of nothing else has nothing to hold the review on.
  if (blocking.length === 0) {
    return {
      suite: suite.name,
      verdict: 'pass',
      score: 100,
      passScore,
      reason: 'only advisory criteria',
    };
  }
  const criticalFail = blocking.find((result) => result.critical && result.verdict === 'fail');
  const total = blocking.reduce((sum, result) => sum + (result.weight ?? 1), 0);
  const passed = blocking
    .filter((r) => r.verdict === 'pass')
    .reduce((sum, r) => sum + (r.weight ?? 1), 0);
  const open = blocking
    .filter((r) => r.verdict === 'inconclusive')
    .reduce((sum, r) => sum + (r.weight ?? 1), 0);
  const score = (100 * passed) / total;
  const best = (100 * (passed + open)) / total;
  const failing = blocking.filter((r) => r.verdict === 'fail').map((r) => r.name ?? r.metric);
  const pending = blocking
    .filter((r) => r.verdict === 'inconclusive')
    .map((r) => r.name ?? r.metric);
  const scoreText = `score ${formatNumber(score)} of ${formatNumber(passScore)} needed`;
  if (criticalFail) {
    return {
      suite: suite.name,
      verdict: 'fail',
      score,
      passScore,
      reason: `critical criterion ${criticalFail.name} failed`,
    };
  }
  const criticalOpen = blocking.find(
    (result) => result.critical && result.verdict === 'inconclusive',
  );
  if (best < passScore) {
    return {
      suite: suite.name,
      verdict: 'fail',
      score,
      passScore,
      reason: `${scoreText}; failing: ${failing.join(', ')}`,
    };
  }
  if (score >= passScore && !criticalOpen) {
    return {
      suite: suite.name,
      verdict: 'pass',
      score,
      passScore,
      reason:
        failing.length + pending.length === 0 ? 'every blocking criterion passed' : `${scoreText}`,
    };
  }
  return {
    suite: suite.name,
    verdict: 'inconclusive',
    score,
    passScore,
    reason: `${scoreText}; undecided: ${pending.join(', ')}`,
  };
}

function analyseDatasets(runs: readonly RunData[]): DatasetAnalysis[] {
  const byBenchmark = new Map<string, Completed[]>();
  for (const run of runs) {
    if (run.status !== 'completed' || !run.output.cases) continue;
    const key = `${run.suite}\u0000${run.benchmark}`;
    byBenchmark.set(key, [...(byBenchmark.get(key) ?? []), run]);
  }
  const analyses: DatasetAnalysis[] = [];
  for (const list of byBenchmark.values()) {
    const first = list[0] as Completed;
    const table = new Map<string, DatasetAnalysis['table'][number]>();
    for (const run of [...list].sort((a, b) => a.repeat - b.repeat)) {
      for (const item of run.output.cases ?? []) {
        const row = table.get(item.id) ?? {
          id: item.id,
          candidate: { runs: 0, passed: 0 },
          baseline: { runs: 0, passed: 0 },
          scores: {},
        };
        if (item.passed !== undefined) {
          row[run.role].runs += 1;
          if (item.passed) row[run.role].passed += 1;
        }
        if (run.role === 'candidate') {
          row.scores = item.scores ?? {};
          if (item.output !== undefined) row.output = item.output;
          if (item.error !== undefined) row.error = item.error;
        }
        table.set(item.id, row);
      }
    }
    const rows = [...table.values()];
    const flakySide = (side: CaseSummary['candidate']) =>
      side.runs >= 2 && side.passed > 0 && side.passed < side.runs;
    const summary = ({ id, candidate, baseline }: CaseSummary): CaseSummary => ({
      id,
      candidate,
      baseline,
    });
    const flaky = rows.filter((row) => flakySide(row.candidate) || flakySide(row.baseline));
    const steady = rows.filter(
      (row) => !flaky.includes(row) && row.baseline.runs > 0 && row.candidate.runs > 0,
    );
    analyses.push({
      suite: first.suite,
      benchmark: first.benchmark,
      cases: rows.length,
      flaky: flaky.map(summary),
      regressions: steady
        .filter((row) => row.baseline.passed === row.baseline.runs && row.candidate.passed === 0)
        .map(summary),
      improvements: steady
        .filter((row) => row.candidate.passed === row.candidate.runs && row.baseline.passed === 0)
        .map(summary),
      table: rows,
    });
  }
  return analyses;
}

/** Judges every criterion, then every suite, then the review. */
export function evaluate(input: EvaluationInput): Evaluation {
  const judged = input.criteria.map((criterion, index) => {
    const outcome = judgeCriterion(criterion, input, index);
    const weight = criterion.weight;
    return weight === undefined ? outcome : { ...outcome, result: { ...outcome.result, weight } };
  });
  const results = judged.map((entry) => entry.result);
  const suites = (
    input.suites.length > 0
      ? input.suites
      : [...new Set(input.criteria.map((criterion) => criterion.suite))].map((name) => ({
          name,
          passScore: 100,
        }))
  ).map((suite) =>
    judgeSuite(
      suite,
      results.filter((result) => result.suite === suite.name),
    ),
  );
  const verdict = overallVerdict(suites.map((suite) => suite.verdict));
  const moreSamples: Evaluation['moreSamples'] = [];
  if (verdict === 'inconclusive') {
    const undecided = new Set(
      suites.filter((suite) => suite.verdict === 'inconclusive').map((s) => s.suite),
    );
    for (const entry of judged) {
      if (!undecided.has(entry.result.suite) || entry.result.advisory || !entry.result.needsSamples)
        continue;
      for (const benchmark of entry.sampleFrom) {
        if (!moreSamples.some((m) => m.suite === entry.result.suite && m.benchmark === benchmark)) {
          moreSamples.push({ suite: entry.result.suite, benchmark });
        }
      }
    }
  }
  return {
    judgement: { verdict, criteria: results, suites },
    moreSamples,
    datasets: analyseDatasets(input.runs),
  };
}
