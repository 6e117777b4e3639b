// Judging one criterion: gather both sides' samples, settle what can be settled without statistics
// (errors, missing measurements, too few samples), then hand over to the absolute or relative judge.
import { seededRandom } from '../stats';
import { type Comparison, type Criterion, isCaseMetric, isRelative } from '../types';
import type { CriterionResult } from '../wire';
import { judgeAbsolute } from './absolute';
import { judgeCases } from './cases';
import { type CriterionContext, DEFAULT_ALPHA, type Done, type Judged } from './context';
import { criterionName, versionText } from './format';
import { lookOf } from './looks';
import { judgeRelative } from './relative';
import { gatherSide, type Side } from './samples';
import type { EvaluationInput } from './types';
import { withheldReason } from './withheld';

type Errors = Side['errors'];

const describeErrors = (errors: Errors) => [
  ...new Set(errors.map((error) => `${error.benchmark}: ${error.error}`)),
];

/** Over the error budget: how many runs errored and the first error. */
function overBudget(errors: Errors, runs: number, budget: number, side: string): string {
  const first = errors[0] as Errors[number];
  return `${errors.length} of ${runs} ${side}runs errored (error budget ${budget}); ${first.benchmark}: ${first.error}`;
}

/**
 * The baseline side of a criterion, or the judgement when it settles the criterion already: a
 * relative criterion cannot be judged without baseline measurements.
 */
function gatherBaseline(
  criterion: Criterion & { suite: string },
  input: EvaluationInput,
  candidateValues: number,
  done: Done,
  errorVerdict: (reason: string) => Judged,
): { baseline: Side | undefined } | Judged {
  const relative = isRelative(criterion.compare);
  if (input.baseline.reason !== undefined) {
    if (!relative) return { baseline: undefined };
    return done({
      reason: `no baseline to compare with: ${input.baseline.reason}`,
      samples: { candidate: candidateValues },
    });
  }
  const gathered = gatherSide(input.runs, criterion, 'baseline');
  const baseline = gathered.reporting.length > 0 ? gathered : undefined;
  if (!relative) return { baseline };
  if (gathered.reporting.length === 0 && gathered.errors.length > 0) {
    return errorVerdict(`no baseline measurement: ${describeErrors(gathered.errors).join('; ')}`);
  }
  if (gathered.reporting.length === 0) {
    return done({
      reason: `the baseline (${versionText(input.baseline.version)}) reported no '${criterion.metric}'`,
    });
  }
  const budget = criterion.errorBudget ?? 0;
  if (gathered.errors.length > budget) {
    return errorVerdict(overBudget(gathered.errors, gathered.runs, budget, 'baseline '));
  }
  return { baseline };
}

export function judgeCriterion(
  criterion: Criterion & { suite: string },
  input: EvaluationInput,
  index: number,
): Judged {
  const compareMode: Comparison = criterion.compare ?? 'absolute';
  const relative = isRelative(compareMode);
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
  const done: Done = (fields, sampleFrom = []) => ({ result: { ...base, ...fields }, sampleFrom });
  const errorVerdict = (reason: string): Judged =>
    done({ verdict: input.onError === 'fail' ? 'fail' : 'inconclusive', reason, error: true });
  const errorBudget = criterion.errorBudget ?? 0;
  const withheld = withheldReason(criterion, input);
  if (withheld !== undefined) return done({ reason: withheld, withheld: true });
  if (isCaseMetric(criterion.metric)) {
    return judgeCases({ ...criterion, metric: criterion.metric }, input, done, errorVerdict);
  }

  const candidate = gatherSide(input.runs, criterion, 'candidate');
  const reporting = [...new Set(candidate.reporting.map((run) => run.benchmark))];
  if (candidate.reporting.length === 0) {
    if (candidate.errors.length > 0) {
      return errorVerdict(`no measurement: ${describeErrors(candidate.errors).join('; ')}`);
    }
    return done({
      reason: `no benchmark in suite '${criterion.suite}' reported '${criterion.metric}'`,
    });
  }
  if (candidate.errors.length > errorBudget) {
    return errorVerdict(overBudget(candidate.errors, candidate.runs, errorBudget, ''));
  }

  const gathered = gatherBaseline(criterion, input, candidate.values.length, done, errorVerdict);
  if ('result' in gathered) return gathered;
  const { baseline } = gathered;

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
      reporting,
    );
  }

  const alpha = criterion.alpha ?? DEFAULT_ALPHA;
  const sequential = lookOf(criterion, input, reporting, alpha);
  const context: CriterionContext = {
    criterion,
    candidate,
    baseline,
    samples,
    alpha,
    level: sequential?.nominalAlpha ?? alpha,
    sequential,
    canSampleMore: sequential === undefined || sequential.look < sequential.looks,
    random: seededRandom(`${input.seed}|${criterion.suite}|${index}`),
    done,
    reporting,
  };
  if (!relative) return judgeAbsolute(context);
  return judgeRelative({ ...context, baseline: baseline as Side });
}
