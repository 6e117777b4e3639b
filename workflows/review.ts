// The review workflow: one per release-pipeline trigger and phase. It decides; activities do the I/O.
// Stages, in the order the Temporal UI shows them: load target → plan → run benchmarks → evaluate →
// reconcile → (wait for a person) → act → record. Whatever fails around it, it acts at most once.
import {
  ActivityFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LoadedTarget, ReviewActivities, TriggerState } from '../activities';
import { judge } from '../src/gate/judge';
import { killSwitchFor } from '../src/gate/policy';
import type {
  BenchmarkOutcome,
  Judgement,
  KillSwitch,
  PlannedBenchmark,
  ReviewPlan,
} from '../src/gate/types';
import { SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import {
  CONFIG_CHANGED_SIGNAL,
  type ConfigChangedSignal,
  DECIDE_UPDATE,
  type DecideInput,
  type Override,
  PROGRESS_QUERY,
  type RecordingOutcome,
  type ReviewAction,
  type ReviewReport,
  type ReviewRequest,
  STATSIG_WRITES_QUEUE_SUFFIX,
  type TargetSummary,
} from './types';

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
  benchmarks: Array<
    { suite: string; benchmark: string; status: 'pending' | 'running' } | BenchmarkOutcome
  >;
  judgement?: Judgement;
  override?: Override;
  /** When an inconclusive review stops waiting for a person (ms since epoch). */
  decisionDeadlineMs?: number;
  action?: ReviewAction;
  reruns: number;
}

export const progressQuery = defineQuery<ReviewProgress>(PROGRESS_QUERY);
export const decideUpdate = defineUpdate<{ accepted: true; stage: ReviewStage }, [DecideInput]>(
  DECIDE_UPDATE,
);
export const configChangedSignal = defineSignal<[ConfigChangedSignal]>(CONFIG_CHANGED_SIGNAL);

const NON_RETRYABLE = ['StatsigRejected', 'TriggerHasNoEntity', 'BenchmarkNotFound'];

// Reads ride out a Statsig outage for a while with capped backoff; 4xx answers fail at once.
const statsigReads = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

const local = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

function summarize({ target }: LoadedTarget): TargetSummary {
  const { kind, id, name, version } = target;
  return { kind, id, name, version };
}

function isWaitingFor(trigger: TriggerState, phaseID: string): boolean {
  return trigger.status === 'WAITING_FOR_REVIEW' && trigger.currentPhaseID === phaseID;
}

function supersededReason(trigger: TriggerState, phaseID: string): string {
  return trigger.status === 'WAITING_FOR_REVIEW'
    ? `trigger moved on to phase ${trigger.currentPhaseID}; phase ${phaseID} was decided elsewhere`
    : `trigger is ${trigger.status}, no longer waiting for review of phase ${phaseID}`;
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

const ACTION_OF: Record<KillSwitch, ReviewAction> = {
  abort: 'aborted',
  disable: 'disabled',
  none: 'none',
};

export async function releasePipelineReview(request: ReviewRequest): Promise<ReviewReport> {
  try {
    return await review(request);
  } catch (error) {
    // A review that ends without deciding is marked so people can find the ones needing attention.
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.decision, value: isCancellation(error) ? 'cancelled' : 'failed' },
    ]);
    throw error;
  }
}

async function review(request: ReviewRequest): Promise<ReviewReport> {
  const startedAtMs = Date.now();
  const progress: ReviewProgress = { stage: 'load target', benchmarks: [], reruns: 0 };
  let override: Override | undefined;
  let acting = false;
  let entityChanged = false;
  let target: TargetSummary | undefined;
  let releaseStartedAtMs = Number.POSITIVE_INFINITY;

  setHandler(progressQuery, () => progress);
  setHandler(configChangedSignal, (change) => {
    if (!target || (change.name !== target.name && change.name !== target.id)) return;
    // Statsig also reports the save that started this release; only later changes are new versions.
    if (change.happenedAtMs > releaseStartedAtMs) entityChanged = true;
  });
  setHandler(
    decideUpdate,
    (input) => {
      override = { ...input, atMs: Date.now() };
      progress.override = override;
      return { accepted: true, stage: progress.stage };
    },
    {
      validator: (input) => {
        if (input?.decision !== 'approve' && input?.decision !== 'reject') {
          throw new Error("decision must be 'approve' or 'reject'");
        }
        if (typeof input.actor !== 'string' || input.actor.trim() === '') {
          throw new Error('actor must name the person deciding');
        }
        if (override) throw new Error(`already decided by ${override.actor}: ${override.decision}`);
        if (acting || progress.stage === 'done' || progress.stage === 'record') {
          throw new Error(`too late: the review has already acted (${progress.action ?? 'none'})`);
        }
      },
    },
  );

  // Every write to Statsig (approve, abort, disable, log_event) goes through one task queue whose
  // workers cap the rate, so all workers together stay under Statsig's mutation limit.
  const writesQueue = `${workflowInfo().taskQueue}${STATSIG_WRITES_QUEUE_SUFFIX}`;
  const writeRetry = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '2m',
    nonRetryableErrorTypes: NON_RETRYABLE,
  };
  const statsigWrites = proxyActivities<ReviewActivities>({
    taskQueue: writesQueue,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '6h',
    retry: writeRetry,
  });
  // The decision is made by the time results are recorded: an Events API outage may delay the
  // review's end a little, never for hours.
  const statsigRecords = proxyActivities<ReviewActivities>({
    taskQueue: writesQueue,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '15m',
    retry: writeRetry,
  });
  let policy: ReviewPlan['policy'] | undefined;

  const finalReport = (
    fields: Pick<ReviewReport, 'outcome' | 'action' | 'reason'> & Partial<ReviewReport>,
  ): ReviewReport => ({
    request,
    criteria: progress.judgement?.criteria ?? [],
    benchmarks: progress.benchmarks.filter(
      (entry): entry is BenchmarkOutcome =>
        entry.status === 'completed' || entry.status === 'error',
    ),
    reruns: progress.reruns,
    startedAtMs,
    decidedAtMs: Date.now(),
    ...(target ? { target } : {}),
    ...(progress.judgement ? { verdict: progress.judgement.verdict } : {}),
    ...(override ? { override } : {}),
    ...(policy ? { policy } : {}),
    ...fields,
  });

  // Recording must finish even if the review is cancelled meanwhile: the decision already happened.
  // A failure to record is reported, not raised: it must not turn a decided review into a failed one.
  async function finish(report: ReviewReport): Promise<ReviewReport> {
    progress.stage = 'record';
    progress.action = report.action;
    upsertSearchAttributes([
      {
        key: SEARCH_ATTRIBUTES.decision,
        value: report.outcome === 'superseded' ? 'superseded' : report.action,
      },
    ]);
    upsertMemo({
      summary: `${report.target?.name ?? request.triggerID}: ${report.verdict ?? report.outcome} → ${report.action}`,
    });
    let recording: RecordingOutcome;
    try {
      recording = {
        status: await CancellationScope.nonCancellable(() =>
          statsigRecords.recordReviewResult(report),
        ),
      };
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      recording = { status: 'failed', error: failureMessage(error) };
    }
    progress.stage = 'done';
    return { ...report, recording };
  }

  const superseded = (trigger: TriggerState) =>
    finish(
      finalReport({
        outcome: 'superseded',
        action: 'none',
        reason: supersededReason(trigger, request.phaseID),
      }),
    );

  let loaded = await statsigReads.loadReviewTarget(request);
  releaseStartedAtMs = loaded.trigger.createdTime;
  target = summarize(loaded);
  progress.target = target;
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.entity, value: target.name }]);
  if (!isWaitingFor(loaded.trigger, request.phaseID)) return superseded(loaded.trigger);

  progress.stage = 'plan';
  const plan: ReviewPlan = await local.planReview({
    target: loaded.target,
    releasePipelineID: loaded.trigger.releasePipelineID,
  });
  policy = plan.policy;

  let gaveUpOnChanges = false;
  for (;;) {
    progress.stage = 'run benchmarks';
    progress.judgement = undefined;
    const outcomes = await runBenchmarksUnlessDecided(plan.benchmarks, loaded);
    if (outcomes === 'decided') break;

    progress.stage = 'evaluate';
    progress.judgement = judge(plan.criteria, outcomes, { onError: policy.onError });
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.verdict, value: progress.judgement.verdict }]);

    progress.stage = 'reconcile';
    const trigger = await statsigReads.readTrigger(request.triggerID);
    if (!isWaitingFor(trigger, request.phaseID)) return superseded(trigger);
    const version = await statsigReads.readEntityVersion({ kind: target.kind, id: target.id });
    if (!entityChanged && version === target.version) break;
    if (progress.reruns >= policy.maxReruns) {
      gaveUpOnChanges = true;
      break;
    }
    // The entity changed while its benchmarks ran: judge the version that would actually roll out.
    progress.reruns += 1;
    entityChanged = false;
    loaded = await statsigReads.loadReviewTarget(request);
    target = summarize(loaded);
    progress.target = target;
  }

  let killSwitch: KillSwitch = 'none';
  let approve = false;
  let reason: string;
  const judgement = progress.judgement;
  if (!override && (gaveUpOnChanges || judgement?.verdict === 'inconclusive')) {
    if (gaveUpOnChanges && judgement) {
      progress.judgement = { ...judgement, verdict: 'inconclusive' };
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.verdict, value: 'inconclusive' }]);
    }
    progress.stage = 'waiting for a person';
    progress.decisionDeadlineMs = Date.now() + policy.decisionTimeoutMs;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.decision, value: 'waiting' }]);
    const decided = await condition(() => override !== undefined, policy.decisionTimeoutMs);
    if (!decided) {
      killSwitch = policy.onDecisionTimeout;
      reason = `inconclusive${gaveUpOnChanges ? ' (the entity kept changing)' : ''}, and nobody decided within ${policy.decisionTimeoutMs} ms: ${killSwitch === 'none' ? 'left for review in Statsig' : `default action ${killSwitch}`}`;
    }
    const trigger = await statsigReads.readTrigger(request.triggerID);
    if (!isWaitingFor(trigger, request.phaseID)) return superseded(trigger);
  }

  if (override) {
    approve = override.decision === 'approve';
    if (!approve)
      killSwitch = killSwitchFor(
        progress.judgement ?? { verdict: 'fail', criteria: [] },
        policy,
        plan.suiteOnFail,
      );
    // A person who rejects wants the rollout stopped, whatever the report-only policy says.
    if (!approve && killSwitch === 'none') killSwitch = 'abort';
    const verb = approve ? 'approved' : 'rejected';
    reason = `${verb} by ${override.actor}${override.reason ? `: ${override.reason}` : ''}`;
    if (progress.stage === 'run benchmarks') {
      progress.stage = 'reconcile';
      const trigger = await statsigReads.readTrigger(request.triggerID);
      if (!isWaitingFor(trigger, request.phaseID)) return superseded(trigger);
    }
  } else if (progress.judgement?.verdict === 'pass') {
    approve = true;
    reason = 'every criterion passed';
  } else if (progress.judgement?.verdict === 'fail') {
    killSwitch = killSwitchFor(progress.judgement, policy, plan.suiteOnFail);
    reason = progress.judgement.criteria
      .filter((criterion) => criterion.verdict === 'fail')
      .map((criterion) => `${criterion.suite}: ${criterion.reason}`)
      .join('; ');
  }
  reason ??= 'no decision';

  progress.stage = 'act';
  acting = true;
  const action: ReviewAction = approve ? 'approved' : ACTION_OF[killSwitch];
  progress.action = action;
  if (policy.dryRun) {
    return finish(
      finalReport({
        outcome: 'decided',
        action: 'none',
        reason: `dry run, would have ${action}: ${reason}`,
      }),
    );
  }
  // Once started, the call must finish: a cancellation now would leave us not knowing what Statsig did.
  const currentTarget = target;
  const phase = { triggerID: request.triggerID, phaseID: request.phaseID };
  const written = await CancellationScope.nonCancellable(async () => {
    if (approve) return statsigWrites.approvePhase(phase);
    if (killSwitch === 'abort') return statsigWrites.abortRollout(phase);
    if (killSwitch === 'disable') {
      return statsigWrites.disableEntity({
        ...phase,
        kind: currentTarget.kind,
        id: currentTarget.id,
      });
    }
    return undefined;
  });
  // The write re-read the trigger just before its call and found a person had moved it on.
  if (written?.status === 'superseded') return superseded(written.trigger);
  return finish(finalReport({ outcome: 'decided', action, reason }));

  /** Runs every benchmark in parallel; a person's decision cancels what is still running. */
  async function runBenchmarksUnlessDecided(
    planned: readonly PlannedBenchmark[],
    { target: benchmarkTarget }: LoadedTarget,
  ): Promise<BenchmarkOutcome[] | 'decided'> {
    progress.benchmarks = planned.map(({ suite, benchmark }) => ({
      suite,
      benchmark,
      status: 'pending',
    }));
    if (override) return 'decided';
    const scope = new CancellationScope();
    const running = scope.run(() =>
      Promise.all(planned.map((entry, index) => runBenchmark(entry, benchmarkTarget, index))),
    );
    const decided = condition(() => override !== undefined).then(() => 'decided' as const);
    const first = await Promise.race([running, decided]);
    if (first === 'decided') {
      scope.cancel();
      await running.catch((error: unknown) => {
        if (!isCancellation(error)) throw error;
      });
      return 'decided';
    }
    return first;
  }

  async function runBenchmark(
    planned: PlannedBenchmark,
    benchmarkTarget: LoadedTarget['target'],
    index: number,
  ): Promise<BenchmarkOutcome> {
    const activities = proxyActivities<ReviewActivities>({
      startToCloseTimeout: planned.timeoutMs,
      heartbeatTimeout: planned.heartbeatTimeoutMs,
      summary: `benchmark ${planned.suite}/${planned.benchmark}`,
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumAttempts: planned.retries + 1,
        nonRetryableErrorTypes: [...NON_RETRYABLE, 'BenchmarkInvalidResult'],
      },
    });
    const { suite, benchmark } = planned;
    progress.benchmarks[index] = { suite, benchmark, status: 'running' };
    let outcome: BenchmarkOutcome;
    try {
      const result = await activities.runBenchmark({ suite, benchmark, target: benchmarkTarget });
      outcome = { suite, benchmark, status: 'completed', ...result };
    } catch (error) {
      // After its retries a benchmark that throws or times out is an error, not a failed metric.
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      outcome = { suite, benchmark, status: 'error', error: failureMessage(error) };
    }
    progress.benchmarks[index] = outcome;
    return outcome;
  }
}
