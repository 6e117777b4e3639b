// What the judge reads and returns: every run's full output in, verdicts and per-case analyses out.
import type { BenchmarkOutput, Criterion } from '../types';
import type {
  BaselineStatus,
  FailedRun,
  Judgement,
  PlannedBenchmark,
  PlannedSuite,
  RunKey,
} from '../wire';

export type RunData = (RunKey & { status: 'completed'; output: BenchmarkOutput }) | FailedRun;

export interface EvaluationInput {
  criteria: ReadonlyArray<Criterion & { suite: string }>;
  suites: readonly PlannedSuite[];
  runs: readonly RunData[];
  baseline: BaselineStatus;
  onError: 'inconclusive' | 'fail';
  /** Seeds the bootstrap; the review's workflow ID. */
  seed: string;
  /**
   * The planned benchmarks' repeats and maxRepeats: how many looks adaptive sampling may take at
   * each criterion, so that its tests spend α over them. Without it every judging is a single look
   * at the criterion's α (right only when nobody judges the same review twice).
   */
  benchmarks?: ReadonlyArray<
    Pick<PlannedBenchmark, 'suite' | 'benchmark' | 'repeats' | 'maxRepeats'>
  >;
  /** The review's sampling round (1-based), recorded with each look's evidence. */
  round?: number;
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
