// Reading a criterion's samples out of run outputs: samples, else per-case scores, else the run's
// single metric; per side (candidate or baseline), with the errored runs that could have reported it.
import type { BenchmarkOutput, CaseResult, Criterion, RunRole } from '../types';
import type { RunData } from './types';

export type Completed = Extract<RunData, { status: 'completed' }>;

function caseValue(item: CaseResult, metric: string): number | undefined {
  if (metric === 'pass') return item.passed === undefined ? undefined : Number(item.passed);
  return item.scores?.[metric];
}

/** The samples one run holds for a metric: its samples, else its cases, else its single metric. */
export function samplesOf(
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

export interface Side {
  /** Completed runs that reported the metric. */
  reporting: Completed[];
  values: number[];
  /** Per case (keyed benchmark + case ID): the values over repeats; absent unless all are cases. */
  perCase?: Map<string, number[]>;
  /** Errored runs that may have reported the metric. */
  errors: Array<{ benchmark: string; error: string }>;
  runs: number;
}

export function gatherSide(
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
