// Judging's input and result, and where a review's evidence is stored and what identifies it, as the
// review's contract (./contract.ts) re-exports them: small enough for the workflow's result. Types only.
import type {
  BaselineStatus,
  Judgement,
  PhaseSummary,
  ReviewPlan,
  RunRecord,
} from '../src/gate/wire';
import type { BaselineResult, ReviewRequest, VersionFields } from './contract';

/** Some cases of a kind (flaky, regressed, improved) across a review's datasets; the report has all. */
export interface CaseListSummary {
  count: number;
  cases: Array<{
    suite: string;
    benchmark: string;
    id: string;
    candidate: { runs: number; passed: number };
    baseline: { runs: number; passed: number };
  }>;
}

/** The runs a review took from the run cache, by the review that measured them. */
export interface ReusedRunsSummary {
  runs: number;
  from: Array<{ workflowId: string; runId: string; runs: number }>;
}

/** Where the review's evidence is stored and what identifies it; kept small for the workflow result. */
export interface ReviewEvaluation {
  /** report.json (every measurement) and report.md (the readable summary). */
  report: { json: string; markdown: string };
  gateVersion: string;
  /** sha256 of the value and rules under review. */
  configHash: string;
  baseline: BaselineStatus & { configHash?: string };
  /** 1, plus each time more runs were added to settle an inconclusive verdict. */
  samplingRounds: number;
  runs: number;
  /** Present when some runs came from the run cache (report.json says which, run by run). */
  reused?: ReusedRunsSummary;
  skippedSuites: string[];
  flaky: CaseListSummary;
  regressions: CaseListSummary;
  improvements: CaseListSummary;
}

export interface EvaluateReviewInput extends VersionFields {
  request?: ReviewRequest;
  /**
   * The review's plan; its `benchmarks` (their repeats and maxRepeats) tell the judge how many
   * looks adaptive sampling may take, so each look's tests spend part of α. Without them every
   * judging is a single look.
   */
  plan: Pick<ReviewPlan, 'criteria' | 'suites' | 'gateVersion' | 'skippedSuites'> &
    Partial<Pick<ReviewPlan, 'benchmarks'>>;
  baseline: BaselineResult;
  /** Every run of this version; with `earlierRuns`, only those since the evaluation that stored them. */
  runs: RunRecord[];
  /**
   * Where an earlier evaluation of this version stored the runs it judged (its result's
   * `judgedRuns`). Each sampling round then sends only its own runs, so a long adaptive review's
   * history grows with its runs, not with runs × rounds.
   */
  earlierRuns?: string;
  onError: 'inconclusive' | 'fail';
  samplingRounds: number;
  /** The phase under review, kept in the stored report (re-judging resolves thresholds with it). */
  phase?: PhaseSummary;
}

export interface EvaluateReviewResult {
  judgement: Judgement;
  moreSamples: Array<{ suite: string; benchmark: string }>;
  evaluation: ReviewEvaluation;
  /** Where every run judged (earlier ones included) is stored, for the next round's `earlierRuns`. */
  judgedRuns?: string;
}
