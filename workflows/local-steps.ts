// The review's steps that need no server round trip of their own: loading what is under review,
// planning, judging a review that fits in memory, and reconciling run as local activities, inside
// the workflow task that starts the review or follows the last benchmark run. A no-op review then
// waits on the server for only the work no review can skip: measure, and write the decision.
// A local step has one attempt; when it fails, its ordinary activity takes over and retries in view
// (pending in the Temporal UI, counted by the stuck reviews, named by a failure notification).
// Histories recorded before ran these steps as ordinary activities; `patched(LOCAL_STEPS_PATCH)`
// (and `patched(LOCAL_LOAD_PATCH)` for the load, `patched(LAST_LOOK_PATCH)` for the last judging
// and reconciling as one step, which came later) keeps those replaying as they were, each step
// asking at its own point.
import { isCancellation, patched, TemporalFailure } from '@temporalio/workflow';
import type { RunRecord } from '../src/gate/wire';
import {
  judging,
  localJudging,
  localPlanning,
  localReads,
  planning,
  statsigReads,
} from './activity-options';
import type {
  EvaluateReviewInput,
  EvaluateReviewResult,
  LoadedAndPlanned,
  LoadedTarget,
  PlannedReview,
  PlanReviewInput,
  Reconciled,
  ReconcileInput,
  ReviewRequest,
} from './contract';

export const LOCAL_STEPS_PATCH = 'local-steps';
/** The load (trigger, entity, the phase's pipeline) as a local step; reviews started before read it as an activity. */
export const LOCAL_LOAD_PATCH = 'local-load';
/** The last judging and the reconciling reads as one local step; reviews started before ran two. */
export const LAST_LOOK_PATCH = 'last-look';

/**
 * Judging runs locally while it reads at most this many runs holding this many measurements
 * (samples and cases): a few hundred milliseconds at most. A larger review is judged by an ordinary
 * activity, with a heartbeat, on any worker, instead of holding its workflow task for seconds.
 */
export const LOCAL_JUDGING_MAX_RUNS = 100;
export const LOCAL_JUDGING_MAX_MEASUREMENTS = 20_000;

/** Whether judging these runs (every round's) fits in a local activity. */
export function judgedInMemory(runs: readonly RunRecord[]): boolean {
  const measurements = runs.reduce(
    (total, run) =>
      total + (run.status === 'completed' ? Math.max(1, run.sampleCount + run.caseCount) : 1),
    0,
  );
  return runs.length <= LOCAL_JUDGING_MAX_RUNS && measurements <= LOCAL_JUDGING_MAX_MEASUREMENTS;
}

/**
 * Whether a local step's error hands over to its ordinary activity: a failure, never a
 * cancellation. A local activity's failure arrives as the failure itself (an ApplicationFailure, a
 * TimeoutFailure), not wrapped in an ActivityFailure as an ordinary activity's is.
 */
function handsOver(error: unknown): boolean {
  return error instanceof TemporalFailure && !isCancellation(error);
}

/** The local attempt, then (after a failure that hands over) the ordinary activity. */
async function locallyFirst<T>(local: () => Promise<T>, ordinary: () => Promise<T>): Promise<T> {
  try {
    return await local();
  } catch (error) {
    if (!handsOver(error)) throw error;
    return ordinary();
  }
}

/**
 * The review's start: the trigger, the entity (stored as a snapshot), the phase and, while the
 * trigger still waits, the plan, in one local step. When that step fails, the ordinary load takes
 * over (retried in view) and the plan is left to planReview.
 */
export async function loadAndPlan(
  request: ReviewRequest,
): Promise<{ loaded: LoadedTarget; plan?: PlannedReview }> {
  if (!patched(LOCAL_LOAD_PATCH)) return { loaded: await statsigReads.loadReviewTarget(request) };
  const { plan, ...loaded } = await locallyFirst<LoadedAndPlanned>(
    () => localReads.loadAndPlanReview(request),
    () => statsigReads.loadReviewTarget(request),
  );
  return plan ? { loaded, plan } : { loaded };
}

/**
 * What the review is about, read again when the entity changed while its benchmarks ran: locally,
 * then (after a failure) as the ordinary activity.
 */
export function loadReviewTarget(request: ReviewRequest): Promise<LoadedTarget> {
  if (!patched(LOCAL_LOAD_PATCH)) return statsigReads.loadReviewTarget(request);
  return locallyFirst(
    () => localReads.loadReviewTarget(request),
    () => statsigReads.loadReviewTarget(request),
  );
}

export function planReview(input: PlanReviewInput): Promise<PlannedReview> {
  if (!patched(LOCAL_STEPS_PATCH)) return planning.planReview(input);
  return locallyFirst(
    () => localPlanning.planReview(input),
    () => planning.planReview(input),
  );
}

/** Judges locally when `inMemory` (judgedInMemory of every round's runs). */
export function evaluateReview(
  input: EvaluateReviewInput,
  inMemory: boolean,
): Promise<EvaluateReviewResult> {
  if (!patched(LOCAL_STEPS_PATCH) || !inMemory) return judging.evaluateReview(input);
  return locallyFirst(
    () => localJudging.evaluateReview(input),
    () => judging.evaluateReview(input),
  );
}

export function reconcileReview(input: ReconcileInput): Promise<Reconciled> {
  if (!patched(LOCAL_STEPS_PATCH)) return statsigReads.reconcileReview(input);
  return locallyFirst(
    () => localReads.reconcileReview(input),
    () => statsigReads.reconcileReview(input),
  );
}

/**
 * The last judging (while it fits in memory) and the reconciling reads beside it, as one local step:
 * each local step costs hand-overs between the SDK's core and the worker, which a no-op review waits
 * for. When the step fails, each takes its ordinary activity, side by side. The two results settle
 * apart: a judging that fails for good makes the review inconclusive, a reconciling that does fails
 * it, as when they were two steps.
 */
export function judgeAndReconcile(
  evaluate: EvaluateReviewInput,
  reconcile: ReconcileInput,
  inMemory: boolean,
): { judged: Promise<EvaluateReviewResult>; reconciled: Promise<Reconciled> } {
  if (!inMemory || !patched(LAST_LOOK_PATCH)) {
    return { judged: evaluateReview(evaluate, inMemory), reconciled: reconcileReview(reconcile) };
  }
  const local = localJudging
    .judgeAndReconcileReview({ evaluate, reconcile })
    .catch((error: unknown) => {
      if (!handsOver(error)) throw error;
      return undefined;
    });
  return {
    judged: local.then((both) => both?.evaluated ?? judging.evaluateReview(evaluate)),
    reconciled: local.then((both) => both?.reconciled ?? statsigReads.reconcileReview(reconcile)),
  };
}
