// Where a review's evidence is stored and what identifies it, as the review's contract (./contract.ts)
// re-exports it: small enough for the workflow's result. Types only.
import type { BaselineStatus } from '../src/gate/wire';

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
