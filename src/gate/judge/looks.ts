// Which look at the data a criterion's judging is: adaptive sampling runs `repeats` more runs per
// side each round up to `maxRepeats`, so a test may look up to ⌈maxRepeats / repeats⌉ times, and
// each look spends part of the criterion's α (alpha spending; src/gate/stats/sequential.ts).
import { lookSchedule, sequentialLook } from '../stats';
import type { Criterion } from '../types';
import type { SequentialEvidence } from '../wire';
import type { EvaluationInput } from './types';

/**
 * The look of a criterion whose samples come from the `reporting` benchmarks, or undefined when
 * the plan allows them a single look (or is unknown): that look tests at α itself.
 *
 * The look is counted from the runs the benchmark has had (completed or errored, candidate side),
 * not from the round: a criterion whose benchmarks were not sampled again in a round keeps its
 * look, and the same data always meet the same boundary.
 */
export function lookOf(
  criterion: Criterion & { suite: string },
  input: EvaluationInput,
  reporting: readonly string[],
  alpha: number,
): SequentialEvidence | undefined {
  const planned = (input.benchmarks ?? []).filter(
    (entry) => entry.suite === criterion.suite && reporting.includes(entry.benchmark),
  );
  let chosen: { schedule: number[]; runs: number; repeats: number } | undefined;
  for (const entry of planned) {
    const schedule = lookSchedule(entry.repeats, entry.maxRepeats);
    if (chosen && schedule.length <= chosen.schedule.length) continue;
    const runs = input.runs.filter(
      (run) =>
        run.suite === entry.suite && run.benchmark === entry.benchmark && run.role === 'candidate',
    ).length;
    chosen = { schedule, runs, repeats: Math.max(1, entry.repeats) };
  }
  if (!chosen || chosen.schedule.length < 2) return undefined;
  const spending = criterion.spending ?? 'pocock';
  const look = sequentialLook(
    alpha,
    chosen.schedule,
    Math.ceil(chosen.runs / chosen.repeats),
    spending,
  );
  return {
    method: 'alpha-spending',
    spending,
    ...look,
    ...(input.round === undefined ? {} : { round: input.round }),
  };
}
