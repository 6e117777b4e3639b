// The runs a review schedules and what they add up to: pure helpers of the workflow, unit-tested in
// test/workflow/runs.test.ts.
import type { Metrics, RunRole } from '../src/gate/types';
import type { BenchmarkOutcome, PlannedBenchmark, RunCounts, RunRecord } from '../src/gate/wire';

/** Whether a benchmark runs more than once in a review (repeats, or the baseline too). */
function runsMoreThanOnce(planned: PlannedBenchmark): boolean {
  return planned.maxRepeats > 1 || planned.baseline;
}

/**
 * The candidate's metrics averaged over its completed runs (one run: exactly its metrics), with
 * run counts when the benchmark runs more than once.
 */
export function outcomeOf(planned: PlannedBenchmark, runs: readonly RunRecord[]): BenchmarkOutcome {
  const own = runs.filter(
    (run) => run.suite === planned.suite && run.benchmark === planned.benchmark,
  );
  const count = (role: RunRole, status: RunRecord['status']) =>
    own.filter((run) => run.role === role && run.status === status).length;
  const side = (role: RunRole): RunCounts['candidate'] => {
    const reused = own.filter(
      (run) => run.role === role && run.status === 'completed' && run.reused,
    ).length;
    return {
      completed: count(role, 'completed'),
      errored: count(role, 'error'),
      ...(reused > 0 ? { reused } : {}),
    };
  };
  const counts: RunCounts = { candidate: side('candidate'), baseline: side('baseline') };
  const completed = own.filter(
    (run): run is Extract<RunRecord, { status: 'completed' }> =>
      run.role === 'candidate' && run.status === 'completed',
  );
  const { suite, benchmark } = planned;
  // A benchmark run once shows counts too when that run was reused: people see it was not measured.
  const anyReused = own.some((run) => run.status === 'completed' && run.reused);
  const extra = runsMoreThanOnce(planned) || anyReused ? { runs: counts } : {};
  if (completed.length === 0) {
    const failed = own.find((run) => run.role === 'candidate' && run.status === 'error');
    const error = failed?.status === 'error' ? failed.error : 'no run completed';
    return { suite, benchmark, status: 'error', error, ...extra };
  }
  const sums: Record<string, { total: number; n: number }> = {};
  for (const run of completed) {
    for (const [name, value] of Object.entries(run.metrics)) {
      const entry = sums[name] ?? { total: 0, n: 0 };
      entry.total += value;
      entry.n += 1;
      sums[name] = entry;
    }
  }
  const metrics: Metrics = Object.fromEntries(
    Object.entries(sums).map(([name, { total, n }]) => [name, total / n]),
  );
  const durationMs = Math.round(
    completed.reduce((total, run) => total + run.durationMs, 0) / completed.length,
  );
  return { suite, benchmark, status: 'completed', metrics, durationMs, ...extra };
}

/** One run to schedule: a benchmark, on one side, for one repeat. */
export interface RunRequest {
  planned: PlannedBenchmark;
  role: RunRole;
  repeat: number;
}

/** Repeats [from, to) of a benchmark, candidate and baseline side by side. */
export function runRequests(
  planned: PlannedBenchmark,
  from: number,
  to: number,
  withBaseline: boolean,
): RunRequest[] {
  const requests: RunRequest[] = [];
  for (let repeat = from; repeat < to; repeat += 1) {
    requests.push({ planned, role: 'candidate', repeat });
    if (withBaseline && planned.baseline) requests.push({ planned, role: 'baseline', repeat });
  }
  return requests;
}
