// The pre-commit validation: one per Statsig config review, started by the receiver when Statsig's
// pre-commit webhook arrives. It runs the suites selected for the `pre-commit` stage on new_config
// (with old_config as the baseline), using the review's own measuring stages, and answers
// change_validation once: with the verdict, or by policy when the deadline comes first.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Target } from '../src/gate/types';
import type { Judgement, ReviewPlan } from '../src/gate/wire';
import { failureMessage } from './activity-options';
import type { BaselineResult, ReviewEvaluation, ReviewProgress } from './contract';
import { measureAndEvaluate } from './measure';
import {
  deadlineAnswer,
  errorAnswer,
  judgedAnswer,
  notGatedAnswer,
  type PreCommitAnswer,
} from './pre-commit-answer';
import {
  type AnswerOutcome,
  DEFAULT_PRE_COMMIT,
  PRE_COMMIT_FAILURE,
  type PreCommitChange,
  type PreCommitOutcome,
  type PreCommitRequest,
  type PreCommitResult,
  type PreCommitStage,
  preCommitProgressQuery,
  type ResolvedPreCommit,
} from './pre-commit-contract';
import { preCommitPlanning, preCommitWrites } from './pre-commit-options';
import { SEARCH_ATTRIBUTES } from './search-attributes';

type ConfigChange = Extract<PreCommitChange, { kind: 'config' }>;

/** How the validation settled before answering: the answer, and what it rests on. */
interface Settled extends PreCommitAnswer {
  outcome: PreCommitOutcome;
  judgement?: Judgement;
  evaluation?: ReviewEvaluation;
}

interface PreCommitState {
  readonly request: PreCommitRequest;
  readonly startedAtMs: number;
  stage: PreCommitStage;
  /** The defaults until the gate config's own settings are read. */
  preCommit: ResolvedPreCommit;
  /** What the measuring stages (./measure.ts) share with a release review. */
  readonly measuring: { progress: ReviewProgress };
  /** The progress message in flight: the answer waits for it, so it never lands after the answer. */
  progressPost?: Promise<void>;
  settled?: Settled;
  answer?: AnswerOutcome;
}

export async function preCommitValidation(request: PreCommitRequest): Promise<PreCommitResult> {
  const state: PreCommitState = {
    request,
    startedAtMs: workflowInfo().runStartTime.getTime(),
    stage: 'plan',
    preCommit: DEFAULT_PRE_COMMIT,
    measuring: { progress: { stage: 'plan', benchmarks: [], reruns: 0 } },
  };
  setHandler(preCommitProgressQuery, () => ({
    stage:
      state.stage === 'run benchmarks' && state.measuring.progress.stage === 'evaluate'
        ? 'evaluate'
        : state.stage,
    deadlineAtMs: state.startedAtMs + state.preCommit.deadlineMs,
    benchmarks: state.measuring.progress.benchmarks,
    ...(state.settled?.judgement ? { verdict: state.settled.judgement.verdict } : {}),
    ...(state.settled ? { validated: state.settled.validated } : {}),
    ...(state.answer ? { answer: state.answer } : {}),
  }));

  const { change } = request;
  if (change.kind === 'not-gated') {
    state.settled = { outcome: 'not-gated', ...notGatedAnswer(change.reason) };
  } else if (change.kind === 'unreadable') {
    state.settled = { outcome: 'error', ...errorAnswer(change.reason) };
  } else {
    state.settled = await judgeByDeadline(state, change);
  }
  return answer(state, state.settled);
}

/**
 * Judges the change, unless the deadline comes first: then the benchmarks still running are
 * cancelled and the policy answers. The gate config may move the deadline once it is read.
 */
async function judgeByDeadline(state: PreCommitState, change: ConfigChange): Promise<Settled> {
  let settled: Settled | undefined;
  let failure: { error: unknown } | undefined;
  const scope = new CancellationScope();
  const judging = scope
    .run(() => judge(state, change))
    .then(
      (result) => {
        settled = result;
      },
      (error: unknown) => {
        failure = { error };
      },
    );
  const finished = () => settled !== undefined || failure !== undefined;
  for (;;) {
    const { deadlineMs } = state.preCommit;
    const remaining = state.startedAtMs + deadlineMs - Date.now();
    if (remaining <= 0) break;
    await condition(() => finished() || state.preCommit.deadlineMs !== deadlineMs, remaining);
    if (finished()) break;
  }
  if (!finished()) {
    scope.cancel();
    await judging;
    const pending = state.measuring.progress.benchmarks
      .filter((entry) => entry.status === 'pending' || entry.status === 'running')
      .map((entry) => `${entry.suite}/${entry.benchmark}`);
    return { outcome: 'deadline', ...deadlineAnswer(state.preCommit, pending) };
  }
  if (settled) return settled;
  const error = failure?.error;
  // Planning failed for good, or a benchmark is not registered: no verdict, so no validation.
  if (error instanceof ActivityFailure && !isCancellation(error)) {
    return { outcome: 'error', ...errorAnswer(failureMessage(error)) };
  }
  throw error;
}

/** The pipeline new_config names, so suites and policies selecting it apply. */
function pipelineOf(candidate: Target): string {
  const pipelineID = candidate.raw.releasePipelineID;
  return typeof pipelineID === 'string' ? pipelineID : '';
}

function baselineFor(plan: ReviewPlan, change: ConfigChange): BaselineResult {
  if (!plan.needsBaseline) {
    return {
      target: null,
      status: { version: null, reason: 'no criterion compares with a baseline' },
    };
  }
  if (!change.baseline) {
    return { target: null, status: { version: null, reason: 'the change carries no old_config' } };
  }
  return { target: change.baseline, status: { version: change.baseline.version } };
}

async function judge(state: PreCommitState, change: ConfigChange): Promise<Settled> {
  const { candidate } = change;
  const { plan, preCommit } = await preCommitPlanning.planPreCommit({
    target: candidate,
    pipelineID: pipelineOf(candidate),
  });
  state.preCommit = preCommit;
  if (plan.benchmarks.length === 0) {
    return {
      outcome: 'not-gated',
      ...notGatedAnswer(`No suite of the gate config selects ${candidate.name} at pre-commit.`),
    };
  }
  const suites = plan.suites.map((suite) => suite.name).join(', ');
  postProgress(
    state,
    `rollout-gate is running ${plan.benchmarks.length} benchmark(s) of ${suites} on ${candidate.name}; it answers within ${Math.round(preCommit.deadlineMs / 1000)} s.`,
  );
  state.stage = 'run benchmarks';
  const evaluated = await measureAndEvaluate(state.measuring, plan, baselineFor(plan, change), {
    target: candidate,
  });
  // Nobody can decide a validation from outside: the measuring stages only return a judgement.
  if (evaluated === 'decided') throw ApplicationFailure.nonRetryable('unexpected decision');
  return {
    outcome: 'judged',
    judgement: evaluated.judgement,
    ...(evaluated.evaluation ? { evaluation: evaluated.evaluation } : {}),
    ...judgedAnswer(evaluated.judgement, candidate.name, { dryRun: plan.policy.dryRun }),
  };
}

/** Shows progress on the pending review; a message that cannot be posted is not worth a failure. */
function postProgress(state: PreCommitState, message: string): void {
  const { progress } = preCommitWrites();
  state.progressPost = CancellationScope.nonCancellable(() =>
    progress.postValidationMessage({ reviewID: state.request.reviewID, message }),
  ).then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Answers change_validation: the last step, scheduled once in the workflow's history, so a replay
 * or a new worker never answers again; the activity keeps its attempts from answering twice.
 */
async function answer(state: PreCommitState, settled: Settled): Promise<PreCommitResult> {
  const { request } = state;
  state.stage = 'answer';
  await state.progressPost;
  const { answer: writes } = preCommitWrites();
  let outcome: AnswerOutcome;
  try {
    outcome = await CancellationScope.nonCancellable(() =>
      writes.answerChangeValidation({
        reviewID: request.reviewID,
        validated: settled.validated,
        message: settled.message,
        ...(settled.evaluation ? { report: settled.evaluation.report } : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Refused, or every attempt failed before reaching Statsig: failed. Anything else may have landed.
    const cause = error.cause;
    const failed =
      cause instanceof ApplicationFailure && cause.type !== PRE_COMMIT_FAILURE.answerOutcomeUnknown;
    outcome = { status: failed ? 'failed' : 'unknown', error: failureMessage(error) };
  }
  state.answer = outcome;
  const verdict = settled.judgement?.verdict;
  upsertSearchAttributes([
    ...(verdict ? [{ key: SEARCH_ATTRIBUTES.verdict, value: verdict }] : []),
    { key: SEARCH_ATTRIBUTES.decision, value: settled.validated ? 'validated' : 'rejected' },
  ]);
  upsertMemo({
    summary: `${request.configName}: pre-commit ${verdict ?? settled.outcome} → ${settled.validated ? 'validated' : 'rejected'} (answer ${outcome.status})`,
  });
  state.stage = 'done';
  return {
    reviewID: request.reviewID,
    configName: request.configName,
    outcome: settled.outcome,
    ...(verdict ? { verdict } : {}),
    validated: settled.validated,
    message: settled.message,
    criteria: settled.judgement?.criteria ?? [],
    ...(settled.judgement?.suites ? { suites: settled.judgement.suites } : {}),
    ...(settled.evaluation ? { evaluation: settled.evaluation } : {}),
    answer: outcome,
    startedAtMs: state.startedAtMs,
    answeredAtMs: Date.now(),
  };
}
