// The judge: turns every run's measurements into a verdict per criterion (with its evidence), per
// suite (score, critical and advisory criteria) and for the review. Pure and deterministic: the
// bootstrap draws from a generator seeded by the caller (the review's workflow ID), so the same
// measurements always give the same verdict.
import { judgeCriterion } from './criterion';
import { analyseDatasets } from './datasets';
import { judgeSuite, overallVerdict } from './suite';
import type { Evaluation, EvaluationInput } from './types';

export { compare } from './compare';
export { formatNumber } from './format';
export type {
  CaseSummary,
  DatasetAnalysis,
  Evaluation,
  EvaluationInput,
  RunData,
} from './types';

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
