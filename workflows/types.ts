// What goes into and comes out of a review. Shared by the receiver (which starts reviews), the
// activities and the workflow; type-only, so the workflow bundle stays free of runtime imports.
import type { BaselineStatus } from '../src/gate/evaluate';
import type {
  BenchmarkOutcome,
  CriterionResult,
  ResolvedPolicy,
  SuiteResult,
  Target,
  Verdict,
} from '../src/gate/types';

/** Where the workflow ID comes from: one review per trigger and phase, whatever the deliveries. */
export function reviewWorkflowId(triggerID: string, phaseID: string): string {
  return `review-${triggerID}-${phaseID}`;
}

/** Whether a trigger still waits for this review's phase: anything else means the review is moot. */
export function waitsForReview(
  trigger: { status: string; currentPhaseID?: string | null | undefined },
  phaseID: string,
): boolean {
  return trigger.status === 'WAITING_FOR_REVIEW' && trigger.currentPhaseID === phaseID;
}

/**
 * Signal the receiver sends to every running review of an entity when Statsig reports a change to it
 * (a `statsig::config_change` event). The name is a plain string so the receiver, which must not
 * import workflow code, can signal by name.
 */
export const CONFIG_CHANGED_SIGNAL = 'configChanged';

export interface ConfigChangedSignal {
  /** Statsig's entity type, e.g. Gate or DynamicConfig. */
  type: string;
  /** The entity's name, as in the RolloutEntity search attribute. */
  name: string;
  action: string;
  happenedAtMs: number;
}

/**
 * Failure types activities raise and the workflow's retry policies key on. A plain object, so the
 * workflow bundle imports it without pulling in anything else.
 */
export const FAILURE = {
  statsigRejected: 'StatsigRejected',
  triggerHasNoEntity: 'TriggerHasNoEntity',
  benchmarkNotFound: 'BenchmarkNotFound',
  benchmarkInvalidResult: 'BenchmarkInvalidResult',
  benchmarkFailed: 'BenchmarkFailed',
  reportStoreMissing: 'ReportStoreMissing',
} as const;

/** The suffix of the task queue whose worker rate-limits every write to Statsig. */
export const STATSIG_WRITES_QUEUE_SUFFIX = '-statsig-writes';

/** The `releasePipelineMetadata` of a ReleasePipelineWaitingForReview webhook. */
export interface ReviewRequest {
  releasePipelineID: string;
  triggerID: string;
  phaseID: string;
  gateID?: string;
  /** When the receiver accepted the webhook (ms); lets the report show webhook-to-decision time. */
  receivedAtMs: number;
}

export type ReviewAction = 'approved' | 'aborted' | 'disabled' | 'none';

/** A person's decision, sent with the `decide` update (CLI, HTTP route or Temporal UI). */
export interface DecideInput {
  decision: 'approve' | 'reject';
  actor: string;
  reason?: string;
}

export interface Override extends DecideInput {
  atMs: number;
}

export const DECIDE_UPDATE = 'decide';

/** Failure types of a `decide` update the review refuses; the review API answers them with 409. */
export const DECISION_REFUSED = {
  alreadyDecided: 'REVIEW_ALREADY_DECIDED',
  alreadyActed: 'REVIEW_ALREADY_ACTED',
} as const;

export const PROGRESS_QUERY = 'progress';

export type ReviewOutcome =
  /** The verdict was acted on (or deliberately not acted on, for inconclusive verdicts). */
  | 'decided'
  /** Someone moved the trigger on before the review finished; rollout-gate called nothing. */
  | 'superseded';

export interface TargetSummary {
  kind: Target['kind'];
  id: string;
  name: string;
  version: number;
}

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
  skippedSuites: string[];
  flaky: CaseListSummary;
  regressions: CaseListSummary;
  improvements: CaseListSummary;
}

export interface ReviewReport {
  request: ReviewRequest;
  outcome: ReviewOutcome;
  target?: TargetSummary;
  verdict?: Verdict;
  criteria: CriterionResult[];
  /** Per-suite verdicts and scores. */
  suites?: SuiteResult[];
  benchmarks: BenchmarkOutcome[];
  /** The stored evidence: report files, hashes, baseline, flaky cases and regressions. */
  evaluation?: ReviewEvaluation;
  action: ReviewAction;
  reason: string;
  /** Set when a person decided instead of (or before) the benchmarks. */
  override?: Override;
  policy?: ResolvedPolicy;
  /** Times the benchmarks ran again because the entity changed under review. */
  reruns: number;
  startedAtMs: number;
  decidedAtMs: number;
  /** Whether the report reached Statsig through log_event; set once the review has recorded it. */
  recording?: RecordingOutcome;
}

/** `skipped` without STATSIG_SERVER_SECRET; a failure to record never undoes the decision. */
export type RecordingOutcome =
  | { status: 'recorded' | 'skipped' }
  | { status: 'failed'; error: string };
