// The review's contract: its workflow type and ID rule, what goes in and comes out, the messages
// people and the receiver send it, and the activities it calls. The workflow, the activities, the
// receiver, the review API and the CLI all import this file; nothing outside workflows/ imports the
// workflow implementation. Types apart, it holds only plain values and message definitions, so the
// workflow bundle can import it.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Metrics, RunRole, Target } from '../src/gate/types';
import type {
  BaselineStatus,
  BenchmarkOutcome,
  CriterionResult,
  Judgement,
  PhaseSummary,
  PlannedScope,
  ResolvedPolicy,
  ReusedRun,
  ReviewPlan,
  RollbackRecord,
  RunCounts,
  SuiteResult,
  TargetRef,
  Verdict,
} from '../src/gate/wire';
import type { EntityKind } from '../src/statsig/schemas';
import type {
  EvaluateReviewInput,
  EvaluateReviewResult,
  ReviewEvaluation,
} from './evidence-contract';

export type {
  CaseListSummary,
  EvaluateReviewInput,
  EvaluateReviewResult,
  ReusedRunsSummary,
  ReviewEvaluation,
} from './evidence-contract';

/** The review workflow's type name: callers start and find it by name, never importing its code. */
export const REVIEW_WORKFLOW_TYPE = 'releasePipelineReview';

/**
 * Where the workflow ID comes from: one review per trigger and phase, whatever the deliveries. `-`
 * separates them, so a `-` or `~` inside either is escaped with `~`: IDs without those read as they
 * always did (`review-<trigger>-<phase>`), and `(a-b, c)` and `(a, b-c)` no longer meet.
 */
export function reviewWorkflowId(triggerID: string, phaseID: string): string {
  const escaped = (id: string) => id.replace(/[~-]/g, '~$&');
  return `review-${escaped(triggerID)}-${escaped(phaseID)}`;
}

/** Who started a review (search attribute RolloutSource): a webhook, the catch-up or a re-run. */
export type ReviewSource = 'webhook' | 'catch-up' | 'rerun';

/**
 * Whether a trigger still waits for this review's phase: anything else means the review is moot.
 * The waiting phase comes from the pipeline's order (src/statsig/phases.ts); histories recorded
 * before it was read say nothing, and then `currentPhaseID` was taken to name it.
 */
export function waitsForReview(
  trigger: {
    status: string;
    currentPhaseID?: string | null | undefined;
    waitingPhaseID?: string | null | undefined;
  },
  phaseID: string,
): boolean {
  const waiting =
    trigger.waitingPhaseID === undefined ? trigger.currentPhaseID : trigger.waitingPhaseID;
  return trigger.status === 'WAITING_FOR_REVIEW' && waiting === phaseID;
}

/** The suffix of the task queue whose worker rate-limits every write to Statsig. */
export const STATSIG_WRITES_QUEUE_SUFFIX = '-statsig-writes';

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
  /**
   * A run still going a grace after its timeout or cancellation stopped it, abandoned so that its
   * worker slot is freed. Not retried: a retry would start a second copy beside the one still running.
   */
  benchmarkIgnoredCancellation: 'BenchmarkIgnoredCancellation',
  reportStoreMissing: 'ReportStoreMissing',
  /** The snapshot of the entity a reference names is not in this worker's GATE_REPORTS_DIR. */
  snapshotMissing: 'SnapshotMissing',
  /** A write Statsig answered 2xx with an unreadable body, and a re-read did not show yet. */
  statsigWriteUnconfirmed: 'StatsigWriteUnconfirmed',
} as const;

// ---------------------------------------------------------------------------------------------
// Input and result

/** The `releasePipelineMetadata` of a ReleasePipelineWaitingForReview webhook. */
export interface ReviewRequest {
  releasePipelineID: string;
  triggerID: string;
  phaseID: string;
  gateID?: string;
  dynamicConfigID?: string;
  /** When the receiver accepted the webhook (ms); lets the report show webhook-to-decision time. */
  receivedAtMs: number;
}

/** `paused`: the trigger held at its phase; `rolled-back`: the phase's failing rules undone. */
export type ReviewAction = 'approved' | 'aborted' | 'disabled' | 'paused' | 'rolled-back' | 'none';

export type ReviewOutcome =
  /** The verdict was acted on (or deliberately not acted on, for inconclusive verdicts). */
  | 'decided'
  /** Someone moved the trigger on before the review finished; rollout-gate called nothing. */
  | 'superseded';

export interface TargetSummary {
  kind: Target['kind'];
  id: string;
  name: string;
  /** Statsig's version number; null when Statsig gave none. */
  version: number | null;
  /** sha256 of the value and rules under review: identifies the candidate when there is no version. */
  configHash?: string;
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
  /** The rules a rollback changed (before and after) and what followed; `review undo` reads it. */
  rollback?: RollbackRecord;
}

/** `skipped` without STATSIG_SERVER_SECRET; a failure to record never undoes the decision. */
export type RecordingOutcome =
  | { status: 'recorded' | 'skipped' }
  | { status: 'failed'; error: string };

// ---------------------------------------------------------------------------------------------
// Messages: the progress query, the decide update, the configChanged signal

export type ReviewStage =
  | 'load target'
  | 'plan'
  | 'run benchmarks'
  | 'evaluate'
  | 'reconcile'
  | 'waiting for a person'
  | 'act'
  | 'record'
  | 'done';

export interface ReviewProgress {
  stage: ReviewStage;
  target?: TargetSummary;
  /** The released version the candidate is compared with, when a criterion needs one. */
  baseline?: BaselineStatus;
  benchmarks: Array<
    | { suite: string; benchmark: string; status: 'pending' | 'running'; runs?: RunCounts }
    | BenchmarkOutcome
  >;
  judgement?: Judgement;
  evaluation?: ReviewEvaluation;
  override?: Override;
  /** When an inconclusive review stops waiting for a person (ms since epoch). */
  decisionDeadlineMs?: number;
  action?: ReviewAction;
  reruns: number;
}

/** A person's decision, sent with the `decide` update (CLI, HTTP route or Temporal UI). */
export interface DecideInput {
  decision: 'approve' | 'reject';
  actor: string;
  reason?: string;
}

export interface Override extends DecideInput {
  atMs: number;
}

export interface DecisionTaken {
  accepted: true;
  /** The stage the review was in when it took the decision. */
  stage: ReviewStage;
}

/** Failure types of a `decide` update the review refuses; the review API answers them with 409. */
export const DECISION_REFUSED = {
  alreadyDecided: 'REVIEW_ALREADY_DECIDED',
  alreadyActed: 'REVIEW_ALREADY_ACTED',
} as const;

/** What Statsig reported about the entity under review (a `statsig::config_change` event). */
export interface ConfigChangedSignal {
  /** Statsig's entity type, e.g. Gate or DynamicConfig. */
  type: string;
  /** The entity's name, or its ID when the event carried no name. */
  name: string;
  /** The entity's ID, when the event carried one. */
  id?: string;
  action: string;
  happenedAtMs: number;
}

export const progressQuery = defineQuery<ReviewProgress>('progress');
export const decideUpdate = defineUpdate<DecisionTaken, [DecideInput]>('decide');
export const configChangedSignal = defineSignal<[ConfigChangedSignal]>('configChanged');

// ---------------------------------------------------------------------------------------------
// Activities: their inputs and results (activities/index.ts implements them)

/** The trigger fields the workflow decides on; the rest stays out of history. */
export interface TriggerState {
  id: string;
  releasePipelineID: string;
  status: string;
  currentPhaseID: string | null;
  gateID: string | null;
  dynamicConfigID: string | null;
  /** When the release started (Statsig's clock): config changes up to then are the release itself. */
  createdTime: number | null;
  /** The phase waiting for review, from the pipeline's order; null when none waits. */
  waitingPhaseID?: string | null;
}

/**
 * One version of the entity, as activity inputs and results carry it: `targetRef`, a reference to
 * the snapshot stored when it was read (src/gate/report/store.ts), small whatever the entity weighs;
 * or `target`, the whole Target, only in reviews started before snapshots were stored, whose
 * histories hold it. The reference has a field of its own: a worker still on the earlier code reads
 * `target`, and must fail on a new review's input rather than benchmark a version without its value.
 */
export interface VersionFields {
  targetRef?: TargetRef;
  target?: Target;
}

/** The version's identity (kind, id, name, version), whichever way it is carried. */
export function versionOf(fields: {
  targetRef?: TargetRef | undefined;
  target?: Target | null | undefined;
}): TargetRef | Target | undefined {
  return fields.targetRef ?? fields.target ?? undefined;
}

export interface LoadedTarget extends VersionFields {
  trigger: TriggerState;
  /** sha256 of what the target serves (its value and rules). */
  configHash?: string;
  /** The phase under review and the rules it rolls out; absent in histories from before it was read. */
  phase?: PhaseSummary;
}

/** A gate or dynamic config, by kind and ID. */
export interface EntityRef {
  kind: EntityKind;
  id: string;
}

/** The released version a review compares with (as in VersionFields), or why there is none. */
export interface BaselineResult {
  targetRef?: TargetRef;
  /** The whole baseline in histories recorded before snapshots; null when there is none. */
  target?: Target | null;
  status: BaselineStatus;
}

/** The plan's policy; `notify` is false when no notification target applies (absent: unknown). */
export type PlannedPolicy = ResolvedPolicy & { notify?: boolean };

/** A review's plan, with its policy. */
export type PlannedReview = ReviewPlan & { policy: PlannedPolicy };

/** The load and, while the trigger still waits for this review, its plan: one local step. */
export interface LoadedAndPlanned extends LoadedTarget {
  plan?: PlannedReview;
}

export interface PlanReviewInput extends VersionFields {
  releasePipelineID: string;
  phase?: PhaseSummary;
}

/** The version a run measures (VersionFields), and the baseline the same two ways. */
export interface RunBenchmarkInput extends VersionFields {
  suite: string;
  benchmark: string;
  baselineRef?: TargetRef | null;
  baseline?: Target | null;
  role?: RunRole;
  repeat?: number;
  /** The review's rerun number (0 for the first version judged). */
  round?: number;
  /** The phase under review: the run sees the version as its rules serve it. */
  phase?: PhaseSummary;
  /** For a `forEach` suite's copy: the environment or rule it measures. */
  scope?: PlannedScope;
}

export interface RunBenchmarkResult {
  metrics: Metrics;
  durationMs: number;
  /** Reference of the stored output in the report store. */
  ref: string;
  sampleCount: number;
  caseCount: number;
  /** Set when the run came from the run cache: where and when it was measured. */
  reused?: ReusedRun;
}

/** Reconciling reads the trigger and, while it still waits, the entity. */
export type ReconcileInput = EntityRef & { triggerID: string; phaseID?: string };

/** What reconciling read: the trigger, and the entity's version while the trigger still waits. */
export interface Reconciled {
  trigger: TriggerState;
  version: number | null;
  configHash?: string;
}

/** Which trigger and phase a write acts for; every write first checks they still wait for review. */
export interface ReviewedPhase {
  triggerID: string;
  phaseID: string;
}

/**
 * What a write did: `done`, `already-done` (an earlier attempt's call had landed, or Statsig already
 * shows the outcome), or `superseded` (the trigger stopped waiting for this review before the call,
 * so nothing was called).
 */
export type WriteResult =
  | { status: 'done' | 'already-done' }
  | { status: 'superseded'; trigger: TriggerState };

/** Every activity a review calls, by the name Temporal records in its history. */
export interface ReviewActivities {
  /** The trigger's state; the announced phase settles which phase waits when the order is unknown. */
  readTrigger(triggerID: string, announcedPhaseID?: string): Promise<TriggerState>;
  loadReviewTarget(request: ReviewRequest): Promise<LoadedTarget>;
  planReview(input: PlanReviewInput): Promise<PlannedReview>;
  /** loadReviewTarget, then planReview while the trigger waits: one local step (local-steps.ts). */
  loadAndPlanReview(request: ReviewRequest): Promise<LoadedAndPlanned>;
  /**
   * What reconciling needs, read together just after judging: the trigger (has a person moved it
   * on?) and, while it still waits, the entity's version (was a change saved while benchmarks ran?).
   */
  reconcileReview(input: ReconcileInput): Promise<Reconciled>;
  loadBaseline(
    input: EntityRef & { version: number | null; configHash?: string },
  ): Promise<BaselineResult>;
  runBenchmark(input: RunBenchmarkInput): Promise<RunBenchmarkResult>;
  evaluateReview(input: EvaluateReviewInput): Promise<EvaluateReviewResult>;
  /** The last judging and the reconciling reads beside it: one local step (local-steps.ts). */
  judgeAndReconcileReview(input: {
    evaluate: EvaluateReviewInput;
    reconcile: ReconcileInput;
  }): Promise<{ evaluated: EvaluateReviewResult; reconciled: Reconciled }>;
  approvePhase(input: ReviewedPhase): Promise<WriteResult>;
  abortRollout(input: ReviewedPhase): Promise<WriteResult>;
  disableEntity(input: ReviewedPhase & EntityRef): Promise<WriteResult>;
  recordReviewResult(report: ReviewReport): Promise<'recorded' | 'skipped'>;
}
