// The scoped kill switches' contract: the activities a review calls to pause its trigger and roll back
// the phase's rules, and the undo workflow (`rollout-gate review undo`) that puts those rules back.
// Like ./contract.ts it holds types and plain values only, so both sides import it.
import type {
  PhaseSummary,
  RollbackRequest,
  RuleChange,
  RuleIdentity,
  RuleState,
  TargetRef,
} from '../src/gate/wire';
import type { EntityRef, ReviewedPhase, TriggerState, WriteResult } from './contract';

/** What planning a rollback needs: the phase, what each failing suite asks, and the baseline. */
export interface PlanRollbackInput extends ReviewedPhase, EntityRef {
  /** The phase as the review read it; without it the pipeline is read again. */
  phase?: PhaseSummary;
  scopes: RollbackRequest[];
  /** The candidate's version, to find the baseline when the review did not load one. */
  version: number | null;
  configHash?: string;
  /** The baseline the review compared with, whose rules a dynamic config's rules go back to. */
  baselineRef?: TargetRef | null;
}

export type PlanRollbackResult =
  /**
   * The rules to change (each once), how many of the phase's rules each scope matched, and how many
   * rules the phase rolls out in all.
   */
  | { status: 'planned'; changes: RuleChange[]; matched: number[]; phaseRules?: number }
  | { status: 'superseded'; trigger: TriggerState };

/** One rule's rollback; written through the Statsig writes queue, at most once. */
export interface RollbackRuleInput extends ReviewedPhase, EntityRef {
  change: RuleChange;
}

/** A rule write's outcome; `missing` when the rule is no longer on the entity. */
export type RuleWriteResult = WriteResult | { status: 'missing' };

export interface RollbackActivities {
  /** Reads the phase's rules and the baseline, and says what a rollback changes. A read. */
  planRollback(input: PlanRollbackInput): Promise<PlanRollbackResult>;
  /** Sets one rule to its rollback state unless it already shows it. */
  rollbackRule(input: RollbackRuleInput): Promise<RuleWriteResult>;
  /** `PUT /release_pipeline_triggers/{id}/pause { phaseID }`, at most once. */
  pauseRollout(input: ReviewedPhase): Promise<WriteResult>;
}

// ---------------------------------------------------------------------------------------------
// Undo

/** The undo workflow's type name and ID: one undo of a review at a time, a new run each time asked. */
export const UNDO_WORKFLOW_TYPE = 'undoReviewRollback';
export const undoWorkflowId = (reviewWorkflowId: string): string => `${reviewWorkflowId}-undo`;

/** What an undo puts back: the rules the review rolled back, and its pause. */
export interface UndoRequest {
  review: string;
  actor: string;
  reason?: string;
  entity: EntityRef;
  /** The review's rule changes; each is restored to `before` if it still shows `after`. */
  rules: RuleChange[];
  /** The phase the review paused, to unpause. */
  unpause?: ReviewedPhase;
}

/**
 * Why an undo left something alone, stable for callers:
 * - `changed-since`: the rule no longer shows what the rollback set (someone changed it since);
 * - `already-restored`: it already shows what it was before the rollback;
 * - `rule-not-found`: the rule is gone from the entity;
 * - `not-paused`: the trigger is no longer paused.
 */
export type UndoRefusalReason =
  | 'changed-since'
  | 'already-restored'
  | 'rule-not-found'
  | 'not-paused';

export interface UndoRefusal {
  /** The rule, or absent for the pause. */
  rule?: RuleIdentity;
  reason: UndoRefusalReason;
  detail: string;
}

export interface UndoOutcome {
  review: string;
  undoWorkflowId: string;
  actor: string;
  restored: Array<{ rule: RuleIdentity; to: RuleState }>;
  /** Whether the trigger was unpaused. */
  unpaused: boolean;
  refused: UndoRefusal[];
}

export type RestoreResult =
  | { status: 'restored' }
  | { status: 'refused'; reason: UndoRefusalReason; detail: string };

export interface UndoActivities {
  /** Puts one rule back to `before` if it shows `after`; at most one call across attempts. */
  restoreRule(input: EntityRef & { change: RuleChange }): Promise<RestoreResult>;
  /** `PUT /release_pipeline_triggers/{id}/unpause { phaseID }` if the trigger is still paused. */
  unpauseRollout(input: ReviewedPhase): Promise<RestoreResult>;
}
