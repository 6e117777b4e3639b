// Criteria on counts of cases (`regressed_cases <= 0`, `flaky_cases < 3`): the per-case analysis of
// the dataset runs the criterion reads (src/gate/judge/datasets.ts), capped. A regression is a case
// the baseline passed in every run and the candidate failed in every run; a case that passed in
// some runs and failed in others is flaky and never counts as a regression.
import type { CaseMetric, Criterion } from '../types';
import { compare } from './compare';
import type { Done, Judged } from './context';
import { analyseDatasets } from './datasets';
import { formatNumber, versionText } from './format';
import { gatherSide } from './samples';
import type { CaseSummary, EvaluationInput } from './types';

/** Case IDs named in a reason, at most this many. */
const NAMED = 10;

const named = (cases: readonly CaseSummary[]) => {
  const ids = cases.slice(0, NAMED).map((item) => item.id);
  return cases.length > NAMED ? `${ids.join(', ')} … (${cases.length} in all)` : ids.join(', ');
};

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Why the runs cannot be counted yet, or undefined when they can. */
function missingRuns(
  criterion: Criterion & { suite: string; metric: CaseMetric },
  input: EvaluationInput,
  done: Done,
  errorVerdict: (reason: string) => Judged,
): Judged | undefined {
  const passes = { ...criterion, metric: 'pass' };
  const budget = criterion.errorBudget ?? 0;
  const sides =
    criterion.metric === 'regressed_cases'
      ? (['candidate', 'baseline'] as const)
      : (['candidate'] as const);
  if (criterion.metric === 'regressed_cases' && input.baseline.reason !== undefined) {
    return done({ reason: `no baseline to compare cases with: ${input.baseline.reason}` });
  }
  for (const role of sides) {
    const side = gatherSide(input.runs, passes, role);
    const label =
      role === 'baseline'
        ? `the baseline (${versionText(input.baseline.version)})`
        : 'the candidate';
    if (side.errors.length > budget || (side.reporting.length === 0 && side.errors.length > 0)) {
      const first = side.errors[0];
      return errorVerdict(
        `${side.errors.length} of ${side.runs} runs of ${label} errored (error budget ${budget})${first ? `; ${first.benchmark}: ${first.error}` : ''}`,
      );
    }
    if (side.reporting.length === 0) {
      return done({
        reason: `${label} reported no per-case pass or fail in suite '${criterion.suite}'`,
      });
    }
  }
  return undefined;
}

export function judgeCases(
  criterion: Criterion & { suite: string; metric: CaseMetric },
  input: EvaluationInput,
  done: Done,
  errorVerdict: (reason: string) => Judged,
): Judged {
  const missing = missingRuns(criterion, input, done, errorVerdict);
  if (missing) return missing;
  const analyses = analyseDatasets(
    input.runs.filter(
      (run) =>
        run.suite === criterion.suite &&
        (criterion.benchmark === undefined || run.benchmark === criterion.benchmark),
    ),
  );
  const regressions = analyses.flatMap((analysis) => analysis.regressions);
  const flaky = analyses.flatMap((analysis) => analysis.flaky);
  const total = analyses.reduce((sum, analysis) => sum + analysis.cases, 0);
  const counted = criterion.metric === 'regressed_cases' ? regressions : flaky;
  const observed = counted.length;
  const verdict = compare(observed, criterion.op, criterion.threshold) ? 'pass' : 'fail';
  const cap = `${criterion.op} ${formatNumber(criterion.threshold)}`;
  let reason: string;
  if (criterion.metric === 'regressed_cases') {
    const apart =
      flaky.length > 0
        ? `; ${plural(flaky.length, 'flaky case')} left apart (${named(flaky)})`
        : '';
    reason =
      observed === 0
        ? `no case regressed of ${total} (none passed on the baseline in every run and failed on the candidate in every run)${apart}`
        : `${plural(observed, 'case')} regressed (passed on the baseline in every run, failed on the candidate in every run): ${named(counted)}; regressed_cases ${verdict === 'pass' ? 'meets' : 'misses'} ${cap}${apart}`;
  } else {
    reason =
      observed === 0
        ? `no flaky case of ${total}`
        : `${plural(observed, 'flaky case')} of ${total} (passed in some runs and failed in others): ${named(counted)}; flaky_cases ${verdict === 'pass' ? 'meets' : 'misses'} ${cap}`;
  }
  return done({ observed, verdict, reason });
}
