// The review workflow: one per release-pipeline trigger and phase. It decides; activities do the I/O.
// Stages, in the order the Temporal UI shows them: load target → plan → run benchmarks → evaluate →
// reconcile → (wait for a person) → act → record. Whatever fails around it, it acts at most once.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ResolvedPolicy, ReviewPlan } from '../src/gate/wire';
import {
  failureMessage,
  recording,
  statsigReads,
  statsigWriteActivities,
} from './activity-options';
import {
  type BaselineResult,
  configChangedSignal,
  DECISION_REFUSED,
  type DecideInput,
  decideUpdate,
  type LoadedTarget,
  progressQuery,
  type RecordingOutcome,
  type ReviewReport,
  type ReviewRequest,
  type TargetSummary,
  type TriggerState,
  versionOf,
  waitsForReview,
} from './contract';
import { actionOf, changing, type Decision, decide, supersededReason } from './decide';
import { rollBack } from './kill-switch';
import { loadAndPlan, loadReviewTarget, planReview, reconcileReview } from './local-steps';
import { measureAndEvaluate, passOn } from './measure';
import { notify, notifyFailure } from './notify';
import type { RollbackActivities } from './rollback-contract';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import type { ReviewState } from './state';

export async function releasePipelineReview(request: ReviewRequest): Promise<ReviewReport> {
  const started: { state?: ReviewState } = {};
  try {
    return await review(request, started);
  } catch (error) {
    // A review that ends without deciding is marked so people can find the ones needing attention.
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.decision, value: isCancellation(error) ? 'cancelled' : 'failed' },
    ]);
    // People hear of a failure (a cancellation is someone's own doing); the start is all we wait for.
    if (started.state && !isCancellation(error)) await notifyFailure(started.state, error);
    throw error;
  }
}

async function review(
  request: ReviewRequest,
  started: { state?: ReviewState },
): Promise<ReviewReport> {
  const state: ReviewState = {
    request,
    startedAtMs: Date.now(),
    progress: { stage: 'load target', benchmarks: [], reruns: 0 },
    entityChanged: false,
    releaseStartedAtMs: Number.POSITIVE_INFINITY,
  };
  installHandlers(state);
  started.state = state;

  let { loaded, plan: plannedWithLoad } = await loadAndPlan(request);
  // Without Statsig's start time, changes after the webhook arrived are certainly new versions.
  state.releaseStartedAtMs = loaded.trigger.createdTime ?? request.receivedAtMs;
  const loadedTarget = setTarget(state, loaded);
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.entity, value: loadedTarget.name },
    { key: SEARCH_ATTRIBUTES.entityID, value: loadedTarget.id },
  ]);
  if (!waitsForReview(loaded.trigger, request.phaseID)) return superseded(state, loaded.trigger);

  state.progress.stage = 'plan';
  const plan: ReviewPlan =
    plannedWithLoad ??
    (await planReview({
      ...passOn(loaded),
      releasePipelineID: loaded.trigger.releasePipelineID,
      ...(loaded.phase ? { phase: loaded.phase } : {}),
    }));
  state.policy = plan.policy;
  // The baseline is the version before the one this review started on, and stays so across
  // reruns: a version saved during the review is a new candidate, not what is released.
  let baseline: BaselineResult = {
    target: null,
    status: { version: null, reason: 'no criterion compares with a baseline' },
  };
  if (plan.needsBaseline) {
    baseline = await loadBaseline(state);
    state.progress.baseline = baseline.status;
    state.baseline = baseline;
  }

  let gaveUpOnChanges = false;
  for (;;) {
    state.progress.stage = 'run benchmarks';
    state.progress.judgement = undefined;
    state.progress.evaluation = undefined;
    const target = state.target as TargetSummary;
    const reconciling = {
      triggerID: request.triggerID,
      phaseID: request.phaseID,
      kind: target.kind,
      id: target.id,
    };
    const evaluated = await measureAndEvaluate(state, plan, baseline, loaded, reconciling);
    if (evaluated === 'decided') break;
    state.progress.judgement = evaluated.judgement;
    state.progress.evaluation = evaluated.evaluation;

    state.progress.stage = 'reconcile';
    const { trigger, version, configHash } =
      evaluated.reconciled ?? (await reconcileReview(reconciling));
    if (!waitsForReview(trigger, request.phaseID)) return superseded(state, trigger);
    // Statsig's version number tells a new save apart; without one, the content hash does.
    const unchanged =
      target.version !== null ? version === target.version : configHash === target.configHash;
    if (!state.entityChanged && unchanged) break;
    if (state.progress.reruns >= plan.policy.maxReruns) {
      gaveUpOnChanges = true;
      break;
    }
    // The entity changed while its benchmarks ran: judge the version that would actually roll out.
    state.progress.reruns += 1;
    state.entityChanged = false;
    loaded = await loadReviewTarget(request);
    setTarget(state, loaded);
  }

  let timedOut = false;
  const judgement = state.progress.judgement;
  if (!state.override && (gaveUpOnChanges || judgement?.verdict === 'inconclusive')) {
    if (gaveUpOnChanges && judgement) {
      state.progress.judgement = { ...judgement, verdict: 'inconclusive' };
    }
    // A dry run only reports: holding it open for a person's decision would gate nothing.
    if (plan.policy.dryRun) {
      return finish(state, {
        outcome: 'decided',
        action: 'none',
        reason: `dry run, inconclusive${changing({ gaveUpOnChanges })}: a person would have been asked to decide`,
      });
    }
    timedOut = !(await waitForPerson(state, plan.policy));
    const trigger = await statsigReads.readTrigger(request.triggerID, request.phaseID);
    if (!waitsForReview(trigger, request.phaseID)) return superseded(state, trigger);
  }

  const decision = decide({
    judgement: state.progress.judgement,
    override: state.override,
    policy: plan.policy,
    suiteOnFail: plan.suiteOnFail,
    timedOut,
    gaveUpOnChanges,
  });
  // A person decided while benchmarks ran: the trigger may have moved on since the review loaded it.
  if (state.override && state.progress.stage === 'run benchmarks') {
    state.progress.stage = 'reconcile';
    const trigger = await statsigReads.readTrigger(request.triggerID, request.phaseID);
    if (!waitsForReview(trigger, request.phaseID)) return superseded(state, trigger);
  }
  return act(state, decision);
}

function installHandlers(state: ReviewState): void {
  const { progress } = state;
  setHandler(progressQuery, () => progress);
  setHandler(configChangedSignal, (change) => {
    const target = state.target;
    // Statsig names the entity by name or by ID, whichever the event carries.
    const named = [change.name, change.id].filter((key) => key !== undefined);
    if (!target || !named.some((key) => key === target.name || key === target.id)) return;
    // Statsig also reports the save that started this release; only later changes are new versions.
    if (change.happenedAtMs > state.releaseStartedAtMs) state.entityChanged = true;
  });
  setHandler(
    decideUpdate,
    (input) => {
      state.override = { ...input, atMs: Date.now() };
      progress.override = state.override;
      return { accepted: true, stage: progress.stage };
    },
    { validator: (input) => validateDecision(state, input) },
  );
}

function validateDecision(state: ReviewState, input: DecideInput): void {
  if (input?.decision !== 'approve' && input?.decision !== 'reject') {
    throw new Error("decision must be 'approve' or 'reject'");
  }
  if (typeof input.actor !== 'string' || input.actor.trim() === '') {
    throw new Error('actor must name the person deciding');
  }
  // Typed refusals: callers (src/reviews/control.ts) key on the type, never on the message.
  if (state.override) {
    throw ApplicationFailure.nonRetryable(
      `already decided by ${state.override.actor}: ${state.override.decision}`,
      DECISION_REFUSED.alreadyDecided,
    );
  }
  const { stage, action } = state.progress;
  if (stage === 'act' || stage === 'record' || stage === 'done') {
    throw ApplicationFailure.nonRetryable(
      `too late: the review has already acted (${action ?? 'none'})`,
      DECISION_REFUSED.alreadyActed,
    );
  }
}

/** What the review shows and decides on of the loaded version: who it is, never its content. */
function setTarget(state: ReviewState, loaded: LoadedTarget): TargetSummary {
  // Results recorded before snapshots carry the whole Target; newer ones a reference.
  const version = versionOf(loaded);
  if (!version) throw ApplicationFailure.nonRetryable('loadReviewTarget returned no target');
  const { kind, id, name } = version;
  const { configHash } = loaded;
  if (loaded.phase) state.phase = loaded.phase;
  state.target = {
    kind,
    id,
    name,
    version: version.version,
    ...(configHash ? { configHash } : {}),
  };
  state.progress.target = state.target;
  return state.target;
}

/** Reads the baseline; a failure to read it leaves relative criteria inconclusive, never fails the review. */
async function loadBaseline(state: ReviewState): Promise<BaselineResult> {
  const { kind, id, version, configHash } = state.target as TargetSummary;
  try {
    return await statsigReads.loadBaseline({
      kind,
      id,
      version,
      ...(configHash ? { configHash } : {}),
    });
  } catch (error) {
    if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
    return {
      target: null,
      status: {
        version: null,
        reason: `its versions could not be read: ${failureMessage(error)}`,
      },
    };
  }
}

/** Holds an inconclusive review open for a person; false when nobody decided in time. */
async function waitForPerson(state: ReviewState, policy: ResolvedPolicy): Promise<boolean> {
  state.progress.stage = 'waiting for a person';
  state.progress.decisionDeadlineMs = Date.now() + policy.decisionTimeoutMs;
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.verdict, value: 'inconclusive' },
    { key: SEARCH_ATTRIBUTES.decision, value: 'waiting' },
  ]);
  // Not awaited: the wait for a person starts now, whatever the notification's fate.
  void notify(state, 'waiting');
  return condition(() => state.override !== undefined, policy.decisionTimeoutMs);
}

/** Calls Statsig once for the decision (unless it is a dry run or no action), then records it. */
async function act(state: ReviewState, decision: Decision): Promise<ReviewReport> {
  const { request, progress } = state;
  progress.stage = 'act';
  const action = actionOf(decision);
  progress.action = action;
  if (state.policy?.dryRun) {
    return finish(state, {
      outcome: 'decided',
      action: 'none',
      reason: `dry run, would have ${action}: ${decision.reason}`,
    });
  }
  const writes = statsigWriteActivities();
  const target = state.target as TargetSummary;
  const phase = { triggerID: request.triggerID, phaseID: request.phaseID };
  if (decision.killSwitch === 'rollback' && !decision.approve) {
    // Once started, the rules must all be written: the same reason as below, per rule.
    const rolled = await CancellationScope.nonCancellable(() => rollBack(state, decision));
    if (rolled.superseded) return superseded(state, rolled.superseded);
    return finish(state, {
      outcome: 'decided',
      action,
      reason: `${decision.reason}; ${rolled.summary}`,
    });
  }
  // Once started, the call must finish: a cancellation now would leave us not knowing what Statsig did.
  const written = await CancellationScope.nonCancellable(async () => {
    if (decision.approve) return writes.approvePhase(phase);
    if (decision.killSwitch === 'abort') return writes.abortRollout(phase);
    if (decision.killSwitch === 'disable') {
      return writes.disableEntity({ ...phase, kind: target.kind, id: target.id });
    }
    if (decision.killSwitch === 'pause') {
      return statsigWriteActivities<RollbackActivities>().pauseRollout(phase);
    }
    return undefined;
  });
  // The write re-read the trigger just before its call and found a person had moved it on.
  if (written?.status === 'superseded') return superseded(state, written.trigger);
  return finish(state, { outcome: 'decided', action, reason: decision.reason });
}

function superseded(state: ReviewState, trigger: TriggerState): Promise<ReviewReport> {
  return finish(state, {
    outcome: 'superseded',
    action: 'none',
    reason: supersededReason(trigger, state.request.phaseID),
  });
}

/** The report from the review's state, with the fields that say how it ended. */
function finalReport(
  state: ReviewState,
  fields: Pick<ReviewReport, 'outcome' | 'action' | 'reason'>,
): ReviewReport {
  const { progress, target, override, policy, rollback } = state;
  return {
    request: state.request,
    criteria: progress.judgement?.criteria ?? [],
    ...(progress.judgement?.suites ? { suites: progress.judgement.suites } : {}),
    ...(progress.evaluation ? { evaluation: progress.evaluation } : {}),
    benchmarks: progress.benchmarks.filter(
      (entry): entry is ReviewReport['benchmarks'][number] =>
        entry.status === 'completed' || entry.status === 'error',
    ),
    reruns: progress.reruns,
    startedAtMs: state.startedAtMs,
    decidedAtMs: Date.now(),
    ...(target ? { target } : {}),
    ...(progress.judgement ? { verdict: progress.judgement.verdict } : {}),
    ...(override ? { override } : {}),
    ...(policy ? { policy } : {}),
    ...(rollback ? { rollback } : {}),
    ...fields,
  };
}

/**
 * Marks the decision, then records it. Recording must finish even if the review is cancelled
 * meanwhile: the decision already happened. A failure to record is reported, not raised: it must not
 * turn a decided review into a failed one.
 */
async function finish(
  state: ReviewState,
  fields: Pick<ReviewReport, 'outcome' | 'action' | 'reason'>,
): Promise<ReviewReport> {
  const report = finalReport(state, fields);
  const { progress } = state;
  progress.stage = 'record';
  progress.action = report.action;
  // The verdict goes with the decision, in one visibility update: each update is a write to the
  // visibility store, the Temporal server's costliest work per review.
  upsertSearchAttributes([
    ...(progress.judgement
      ? [{ key: SEARCH_ATTRIBUTES.verdict, value: progress.judgement.verdict }]
      : []),
    {
      key: SEARCH_ATTRIBUTES.decision,
      value: report.outcome === 'superseded' ? 'superseded' : report.action,
    },
  ]);
  upsertMemo({
    summary: `${report.target?.name ?? state.request.triggerID}: ${report.verdict ?? report.outcome} → ${report.action}`,
  });
  // Statsig has been called by now; the review awaits only the notification's start (below), a
  // step of the Temporal server's, never the delivery. New commands, behind patched('notifications')
  // so histories recorded before them replay unchanged (./notify.ts).
  const notified = notify(state, report.outcome === 'superseded' ? 'superseded' : 'decided', {
    report,
  });
  let recorded: RecordingOutcome;
  try {
    recorded = {
      status: await CancellationScope.nonCancellable(() => recording.recordReviewResult(report)),
    };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    recorded = { status: 'failed', error: failureMessage(error) };
  }
  await notified;
  progress.stage = 'done';
  return { ...report, recording: recorded };
}
