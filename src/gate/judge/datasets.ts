// Per-case analysis of dataset benchmarks across repeats and sides: flaky cases, regressions
// (always passed on the baseline, never on the candidate) and improvements.
import type { Completed } from './samples';
import type { CaseSummary, DatasetAnalysis, RunData } from './types';

export function analyseDatasets(runs: readonly RunData[]): DatasetAnalysis[] {
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
