// The stored review report (report.json): every measurement, the verdict with its evidence, and the
// decision once made. Versioned, since reports outlive the code that wrote them.
import type { DatasetAnalysis } from '../judge';
import type {
  BaselineStatus,
  Judgement,
  PhaseSummary,
  RollbackRecord,
  RunRecord,
  Verdict,
} from '../wire';

export const REPORT_SCHEMA_VERSION = 1;

/** Entries of each case list kept in the workflow result; the stored report keeps them all. */
export const CASES_IN_SUMMARY = 20;

export interface ReportSubject {
  workflowId: string;
  runId: string;
  triggerID?: string;
  phaseID?: string;
  releasePipelineID?: string;
  target: { kind: string; id: string; name: string; version: number | null };
  /** The release-pipeline phase reviewed, when the review read it. */
  phase?: PhaseSummary;
}

export interface ReportDecision {
  outcome: string;
  action: string;
  reason: string;
  override?: { actor: string; decision: string; reason?: string };
  decidedAt: string;
  /** The rules a rollback changed, each before and after, and what followed. */
  rollback?: RollbackRecord;
}

export interface StoredReport {
  schemaVersion: number;
  subject: ReportSubject;
  generatedAt: string;
  gateVersion: string;
  /** sha256 of the entity's value and rules under review. */
  configHash: string;
  baseline: BaselineStatus & { configHash?: string };
  verdict: Verdict;
  judgement: Judgement;
  /** Times more runs were added to settle an inconclusive verdict, plus the first. */
  samplingRounds: number;
  runs: RunRecord[];
  datasets: DatasetAnalysis[];
  skippedSuites: string[];
  decision?: ReportDecision;
}
