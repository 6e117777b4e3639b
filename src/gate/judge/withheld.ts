// Measurements a criterion must not decide on: a scorer whose grades disagree with the people who
// labelled its calibration cases (pooled over every run of its benchmark), or a metric a run marked
// inconclusive itself (e.g. too little live data in Statsig). Either way the criterion is
// inconclusive, with the reason.
import { type CalibrationResult, type Criterion, isCaseMetric } from '../types';
import { percent } from './format';
import type { EvaluationInput } from './types';

interface Pooled {
  benchmark: string;
  scorer: string;
  agreed: number;
  cases: number;
  minAgreement: number;
  disagreements: Set<string>;
}

/** Calibrations of the metric's scorers, pooled per benchmark and scorer over all runs. */
function pooledCalibrations(runs: EvaluationInput['runs'], metric: string): Pooled[] {
  const pooled = new Map<string, Pooled>();
  for (const run of runs) {
    if (run.status !== 'completed' || !Array.isArray(run.output.calibration)) continue;
    for (const result of run.output.calibration as CalibrationResult[]) {
      // A custom benchmark's output is not checked field by field: skip what cannot be read.
      if (!Array.isArray(result?.metrics) || !result.metrics.includes(metric)) continue;
      const counts = [result.agreed, result.cases, result.minAgreement];
      if (!counts.every(Number.isFinite)) continue;
      const key = `${run.benchmark}\u0000${result.scorer}`;
      const entry = pooled.get(key) ?? {
        benchmark: run.benchmark,
        scorer: result.scorer,
        agreed: 0,
        cases: 0,
        minAgreement: result.minAgreement,
        disagreements: new Set<string>(),
      };
      entry.agreed += result.agreed;
      entry.cases += result.cases;
      entry.minAgreement = Math.max(entry.minAgreement, result.minAgreement);
      for (const id of result.disagreements ?? []) entry.disagreements.add(id);
      pooled.set(key, entry);
    }
  }
  return [...pooled.values()];
}

/** Why this criterion's measurements are set aside, or undefined when they count. */
export function withheldReason(
  criterion: Criterion & { suite: string },
  input: EvaluationInput,
): string | undefined {
  const metric = isCaseMetric(criterion.metric) ? 'pass' : criterion.metric;
  const runs = input.runs.filter(
    (run) =>
      run.suite === criterion.suite &&
      (criterion.benchmark === undefined || run.benchmark === criterion.benchmark),
  );
  const reasons: string[] = [];
  for (const entry of pooledCalibrations(runs, metric)) {
    const agreement = entry.cases === 0 ? 0 : entry.agreed / entry.cases;
    if (agreement >= entry.minAgreement) continue;
    const missed = [...entry.disagreements].slice(0, 5);
    reasons.push(
      `scorer '${entry.scorer}' of ${entry.benchmark} is not trusted: it agreed with the people's labels on ${entry.agreed} of ${entry.cases} calibration cases (${percent(agreement)}), below minAgreement ${percent(entry.minAgreement)}${missed.length > 0 ? `; it disagreed on ${missed.join(', ')}` : ''}`,
    );
  }
  for (const run of runs) {
    if (run.status !== 'completed') continue;
    const marked = run.output.inconclusive;
    const reason = marked && typeof marked === 'object' ? marked[metric] : undefined;
    if (typeof reason === 'string' && !reasons.includes(reason)) reasons.push(reason);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}
