// The pre-commit validation's contract: its workflow type and ID rule, what goes in (Statsig's
// pre-commit webhook as the receiver read it) and comes out, its progress query, and the activities
// it calls beyond the review's own (runBenchmark and evaluateReview, from ./contract). The receiver,
// the activities and the workflow import it; like ./contract, it holds only plain values and types.
import { defineQuery } from '@temporalio/workflow';
import type { PreCommitSettings, Target } from '../src/gate/types';
import type { CriterionResult, ReviewPlan, SuiteResult, Verdict } from '../src/gate/wire';
import type { ReviewEvaluation, ReviewProgress } from './contract';

/** The pre-commit workflow's type name: the receiver starts it by name, never importing its code. */
export const PRE_COMMIT_WORKFLOW_TYPE = 'preCommitValidation';

/**
 * One validation per Statsig review, whatever the deliveries. The prefix keeps it apart from the
 * release reviews (`review-…`); a review ID is printable ASCII without spaces (the receiver holds
 * it to that), so the mapping is one to one.
 */
export function preCommitWorkflowId(reviewID: string): string {
  return `precommit-${reviewID}`;
}

/** A gate's pre-commit settings with their defaults applied. */
export type ResolvedPreCommit = Required<PreCommitSettings>;

/**
 * Statsig waits 2 minutes for the answer: 100 s leaves room for the answer itself and a retry or
 * two. The validation counts from its start, before the gate config's own settings are read.
 */
export const DEFAULT_PRE_COMMIT: ResolvedPreCommit = { deadlineMs: 100_000, onDeadline: 'reject' };

/** Failure types of the pre-commit activities, keyed on by the workflow's retry policies. */
export const PRE_COMMIT_FAILURE = {
  /**
   * An earlier attempt may have reached Statsig with the answer (it timed out, or its worker died
   * mid-call). Statsig offers no read of change_validation, so nothing tells; answering again could
   * answer twice, and the validation records the answer as unknown instead.
   */
  answerOutcomeUnknown: 'ChangeValidationOutcomeUnknown',
} as const;

// ---------------------------------------------------------------------------------------------
// Input and result

/**
 * What there is to judge: the candidate (`new_config`) and the baseline (`old_config`) of a rules
 * change, as Targets; or why nothing is gated (a change type without configs, a kind of entity
 * rollout-gate does not gate); or why the configs could not be read (the change is then rejected).
 */
export type PreCommitChange =
  | { kind: 'config'; candidate: Target; baseline: Target | null }
  | { kind: 'not-gated'; reason: string }
  | { kind: 'unreadable'; reason: string };

/** Statsig's pre-commit webhook, as the receiver read it. */
export interface PreCommitRequest {
  reviewID: string;
  /** `gate`, `dynamic_config`, `segment`, `experiment`, or a kind Statsig adds later. */
  configType: string;
  configName: string;
  /** The webhook's `type`: `rules`, `update_target_apps`, an experiment change… */
  changeType: string;
  submitter?: string;
  committer?: string;
  change: PreCommitChange;
  /** When the receiver accepted the webhook (ms). */
  receivedAtMs: number;
}

/**
 * How the validation ended: judged by the gate; answered by policy at the deadline; not gated (no
 * config to judge, or no suite selects the entity at pre-commit); or not judgeable (unreadable
 * configs, planning or judging failed), which is never validated.
 */
export type PreCommitOutcome = 'judged' | 'deadline' | 'not-gated' | 'error';

/** What the answer activity did: `already-answered` when an earlier attempt's answer is on record. */
export type AnswerResult = { status: 'answered' | 'already-answered' };

/**
 * What the validation knows of its answer: sent; unknown (a call that may or may not have reached
 * Statsig, never repeated); or failed (Statsig refused it, or no attempt reached it in time).
 */
export type AnswerOutcome = AnswerResult | { status: 'unknown' | 'failed'; error: string };

export interface PreCommitResult {
  reviewID: string;
  configName: string;
  outcome: PreCommitOutcome;
  /** The gate's verdict, when it judged. */
  verdict?: Verdict;
  /** What was answered: whether Statsig may commit the change, and the message shown with it. */
  validated: boolean;
  message: string;
  criteria: CriterionResult[];
  suites?: SuiteResult[];
  evaluation?: ReviewEvaluation;
  answer: AnswerOutcome;
  startedAtMs: number;
  answeredAtMs: number;
}

// ---------------------------------------------------------------------------------------------
// The progress query

export type PreCommitStage = 'plan' | 'run benchmarks' | 'evaluate' | 'answer' | 'done';

export interface PreCommitProgress {
  stage: PreCommitStage;
  /** When the validation answers by policy if the gate has not decided (ms since epoch). */
  deadlineAtMs: number;
  benchmarks: ReviewProgress['benchmarks'];
  verdict?: Verdict;
  validated?: boolean;
  answer?: AnswerOutcome;
}

export const preCommitProgressQuery = defineQuery<PreCommitProgress>('progress');

// ---------------------------------------------------------------------------------------------
// Activities (activities/pre-commit.ts implements them)

export interface PlanPreCommitInput {
  target: Target;
  /** The entity's release pipeline, when new_config names one: suites and policies may select it. */
  pipelineID: string;
}

export interface PreCommitPlan {
  plan: ReviewPlan;
  preCommit: ResolvedPreCommit;
}

export interface ValidationMessage {
  reviewID: string;
  message: string;
}

/** `POST /change_validation`, with the report the debug links point at when judging wrote one. */
export interface ChangeValidationAnswer {
  reviewID: string;
  validated: boolean;
  message: string;
  report?: ReviewEvaluation['report'];
}

export interface PreCommitActivities {
  /** The plan for the `pre-commit` stage, and the gate's deadline and policy for it. */
  planPreCommit(input: PlanPreCommitInput): Promise<PreCommitPlan>;
  /** `PATCH /change_validation/message`: progress shown on the pending review. */
  postValidationMessage(input: ValidationMessage): Promise<void>;
  /** `POST /change_validation`, at most once per review across attempts and workers. */
  answerChangeValidation(input: ChangeValidationAnswer): Promise<AnswerResult>;
}
