// The review workflow: one per release-pipeline trigger and phase. It decides; activities do the I/O.
// Stages, in the order the Temporal UI shows them: load target → plan → run benchmarks → evaluate →
// reconcile → (wait for a person) → act → record. Whatever fails around it, it acts at most once.
import {
  ActivityFailure,
  ApplicationFailure,
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
import type {
  BaselineResult,
  EvaluateReviewResult,
  LoadedTarget,
  ReviewActivities,
  TriggerState,
} from '../activities';
import { errorMessage } from '../src/error-message';
import type { BaselineStatus } from '../src/gate/evaluate';
import { killSwitchFor } from '../src/gate/policy';
import type {
  BenchmarkOutcome,
  Judgement,
  KillSwitch,
  Metrics,
  PlannedBenchmark,
  ReviewPlan,
  RunCounts,
  RunRecord,
  RunRole,
} from '../src/gate/types';
import { SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import {
  CONFIG_CHANGED_SIGNAL,
  type ConfigChangedSignal,
  DECIDE_UPDATE,
  DECISION_REFUSED,
  type DecideInput,
  FAILURE,
  type Override,
  PROGRESS_QUERY,
  type RecordingOutcome,
  type ReviewAction,
  type ReviewEvaluation,
  type ReviewReport,
  type ReviewRequest,
  STATSIG_WRITES_QUEUE_SUFFIX,
  type TargetSummary,
  waitsForReview,
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

export const progressQuery = defineQuery<ReviewProgress>(PROGRESS_QUERY);
export const decideUpdate = defineUpdate<{ accepted: true; stage: ReviewStage }, [DecideInput]>(
  DECIDE_UPDATE,
);
export const configChangedSignal = defineSignal<[ConfigChangedSignal]>(CONFIG_CHANGED_SIGNAL);

const NON_RETRYABLE: string[] = [
  FAILURE.statsigRejected,
  FAILURE.triggerHasNoEntity,
  FAILURE.benchmarkNotFound,
];

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

// Planning is quick and in memory: a short timeout lets a dead worker's attempt be retried soon.
const local = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

// Judging reads every stored run and may bootstrap thousands of cases: more time than a local step,
// with a heartbeat so that a dead worker is noticed in a minute rather than at the ten-minute mark.
const judging = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

function summarize({ target }: LoadedTarget): TargetSummary {
  const { kind, id, name, version } = target;
  return { kind, id, name, version };
}

function supersededReason(trigger: TriggerState, phaseID: string): string {
  return trigger.status === 'WAITING_FOR_REVIEW'
    ? `trigger moved on to phase ${trigger.currentPhaseID}; phase ${phaseID} was decided elsewhere`
    : `trigger is ${trigger.status}, no longer waiting for review of phase ${phaseID}`;
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return errorMessage(error);
}

/** Whether a benchmark runs more than once in a review (repeats, or the baseline too). */
function runsMoreThanOnce(planned: PlannedBenchmark): boolean {
  return planned.maxRepeats > 1 || planned.baseline;
}

/**
 * The candidate's metrics averaged over its completed runs (one run: exactly its metrics), with
 * run counts when the benchmark runs more than once.
 */
function outcomeOf(planned: PlannedBenchmark, runs: readonly RunRecord[]): BenchmarkOutcome {
  const own = runs.filter(
    (run) => run.suite === planned.suite && run.benchmark === planned.benchmark,
  );
  const count = (role: RunRole, status: RunRecord['status']) =>
    own.filter((run) => run.role === role && run.status === status).length;
  const counts: RunCounts = {
    candidate: { completed: count('candidate', 'completed'), errored: count('candidate', 'error') },
    baseline: { completed: count('baseline', 'completed'), errored: count('baseline', 'error') },
  };
  const completed = own.filter(
    (run): run is Extract<RunRecord, { status: 'completed' }> =>
      run.role === 'candidate' && run.status === 'completed',
  );
  const { suite, benchmark } = planned;
  const extra = runsMoreThanOnce(planned) ? { runs: counts } : {};
  if (completed.length === 0) {
    const failed = own.find((run) => run.role === 'candidate' && run.status === 'error');
    const error = failed?.status === 'error' ? failed.error : 'no run completed';
    return { suite, benchmark, status: 'error', error, ...extra };
  }
  const sums: Record<string, { total: number; n: number }> = {};
  for (const run of completed) {
    for (const [name, value] of Object.entries(run.metrics)) {
      const entry = sums[name] ?? { total: 0, n: 0 };
      entry.total += value;
      entry.n += 1;
      sums[name] = entry;
    }
  }
  const metrics: Metrics = Object.fromEntries(
    Object.entries(sums).map(([name, { total, n }]) => [name, total / n]),
  );
  const durationMs = Math.round(
    completed.reduce((total, run) => total + run.durationMs, 0) / completed.length,
  );
  return { suite, benchmark, status: 'completed', metrics, durationMs, ...extra };
}

/** A judgement, with its stored evidence unless judging itself failed. */
type Evaluated = Omit<EvaluateReviewResult, 'evaluation'> & { evaluation?: ReviewEvaluation };

/** One run to schedule: a benchmark, on one side, for one repeat. */
interface RunRequest {
  planned: PlannedBenchmark;
  role: RunRole;
  repeat: number;
}

/** Repeats [from, to) of a benchmark, candidate and baseline side by side. */
function runRequests(
  planned: PlannedBenchmark,
  from: number,
  to: number,
  withBaseline: boolean,
): RunRequest[] {
  const requests: RunRequest[] = [];
  for (let repeat = from; repeat < to; repeat += 1) {
    requests.push({ planned, role: 'candidate', repeat });
    if (withBaseline && planned.baseline) requests.push({ planned, role: 'baseline', repeat });
  }
  return requests;
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
        // Typed refusals: callers (src/reviews/control.ts) key on the type, never on the message.
        if (override) {
          throw ApplicationFailure.nonRetryable(
            `already decided by ${override.actor}: ${override.decision}`,
            DECISION_REFUSED.alreadyDecided,
          );
        }
        if (progress.stage === 'act' || progress.stage === 'record' || progress.stage === 'done') {
          throw ApplicationFailure.nonRetryable(
            `too late: the review has already acted (${progress.action ?? 'none'})`,
            DECISION_REFUSED.alreadyActed,
          );
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
  const recordOptions = {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '15m',
    retry: writeRetry,
  } as const;
  const statsigRecords = proxyActivities<ReviewActivities>({
    taskQueue: writesQueue,
    ...recordOptions,
  });
  // Without a server secret, recording only completes the stored report: no Statsig write, so it
  // must not take one of the writes queue's rate-limited slots.
  const reportRecords = proxyActivities<ReviewActivities>(recordOptions);
  let recordsInStatsig = true;
  let policy: ReviewPlan['policy'] | undefined;

  const finalReport = (
    fields: Pick<ReviewReport, 'outcome' | 'action' | 'reason'> & Partial<ReviewReport>,
  ): ReviewReport => ({
    request,
    criteria: progress.judgement?.criteria ?? [],
    ...(progress.judgement?.suites ? { suites: progress.judgement.suites } : {}),
    ...(progress.evaluation ? { evaluation: progress.evaluation } : {}),
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
      summary: `${report.target?.name ?? request.triggerID}: ${report.verdict ?? report.outcome} → ${report.action}`,
    });
    let recording: RecordingOutcome;
    try {
      recording = {
        status: await CancellationScope.nonCancellable(() =>
          (recordsInStatsig ? statsigRecords : reportRecords).recordReviewResult(report),
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
  // Histories recorded before the field existed say nothing: keep those on the writes queue.
  recordsInStatsig = loaded.recordsInStatsig ?? true;
  releaseStartedAtMs = loaded.trigger.createdTime;
  target = summarize(loaded);
  progress.target = target;
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.entity, value: target.name }]);
  if (!waitsForReview(loaded.trigger, request.phaseID)) return superseded(loaded.trigger);

  progress.stage = 'plan';
  const plan: ReviewPlan = await local.planReview({
    target: loaded.target,
    releasePipelineID: loaded.trigger.releasePipelineID,
  });
  policy = plan.policy;
  // The baseline is the version before the one this review started on, and stays so across
  // reruns: a version saved during the review is a new candidate, not what is released.
  let baseline: BaselineResult = {
    target: null,
    status: { version: null, reason: 'no criterion compares with a baseline' },
  };
  if (plan.needsBaseline) {
    baseline = await loadBaseline(target);
    progress.baseline = baseline.status;
  }

  let gaveUpOnChanges = false;
  for (;;) {
    progress.stage = 'run benchmarks';
    progress.judgement = undefined;
    progress.evaluation = undefined;
    const evaluated = await measureAndEvaluate(loaded);
    if (evaluated === 'decided') break;

    progress.judgement = evaluated.judgement;
    progress.evaluation = evaluated.evaluation;

    progress.stage = 'reconcile';
    const { trigger, version } = await statsigReads.reconcileReview({
      triggerID: request.triggerID,
      kind: target.kind,
      id: target.id,
    });
    if (!waitsForReview(trigger, request.phaseID)) return superseded(trigger);
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
    }
    // A dry run only reports: holding it open for a person's decision would gate nothing.
    if (policy.dryRun) {
      return finish(
        finalReport({
          outcome: 'decided',
          action: 'none',
          reason: `dry run, inconclusive${gaveUpOnChanges ? ' (the entity kept changing)' : ''}: a person would have been asked to decide`,
        }),
      );
    }
    progress.stage = 'waiting for a person';
    progress.decisionDeadlineMs = Date.now() + policy.decisionTimeoutMs;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.verdict, value: 'inconclusive' },
      { key: SEARCH_ATTRIBUTES.decision, value: 'waiting' },
    ]);
    const decided = await condition(() => override !== undefined, policy.decisionTimeoutMs);
    if (!decided) {
      killSwitch = policy.onDecisionTimeout;
      reason = `inconclusive${gaveUpOnChanges ? ' (the entity kept changing)' : ''}, and nobody decided within ${policy.decisionTimeoutMs} ms: ${killSwitch === 'none' ? 'left for review in Statsig' : `default action ${killSwitch}`}`;
    }
    const trigger = await statsigReads.readTrigger(request.triggerID);
    if (!waitsForReview(trigger, request.phaseID)) return superseded(trigger);
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
      if (!waitsForReview(trigger, request.phaseID)) return superseded(trigger);
    }
  } else if (progress.judgement?.verdict === 'pass') {
    approve = true;
    // Advisory criteria, and failures within a suite's passScore, do not block: name them.
    const notBlocking = progress.judgement.criteria
      .filter((criterion) => criterion.verdict !== 'pass')
      .map((criterion) => `${criterion.suite}: ${criterion.name ?? criterion.metric}`);
    reason =
      notBlocking.length === 0
        ? 'every criterion passed'
        : `every suite passed (not blocking: ${notBlocking.join(', ')})`;
  } else if (progress.judgement?.verdict === 'fail') {
    killSwitch = killSwitchFor(progress.judgement, policy, plan.suiteOnFail);
    const failingSuites = new Set(
      (progress.judgement.suites ?? [])
        .filter((suite) => suite.verdict === 'fail')
        .map((suite) => suite.suite),
    );
    reason = progress.judgement.criteria
      .filter(
        (criterion) =>
          criterion.verdict === 'fail' && !criterion.advisory && failingSuites.has(criterion.suite),
      )
      .map((criterion) => `${criterion.suite}: ${criterion.reason}`)
      .join('; ');
  }
  reason ??= 'no decision';

  progress.stage = 'act';
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

  /** Reads the baseline; a failure to read it leaves relative criteria inconclusive, never fails the review. */
  async function loadBaseline(summary: TargetSummary): Promise<BaselineResult> {
    try {
      return await statsigReads.loadBaseline({
        kind: summary.kind,
        id: summary.id,
        version: summary.version,
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

  /**
   * Runs the planned benchmarks and judges them; while the verdict is inconclusive for want of
   * samples, adds repeats (up to each benchmark's maxRepeats) and judges again.
   */
  async function measureAndEvaluate(current: LoadedTarget): Promise<Evaluated | 'decided'> {
    const withBaseline = baseline.target !== null;
    const runs: RunRecord[] = [];
    progress.benchmarks = plan.benchmarks.map(({ suite, benchmark }) => ({
      suite,
      benchmark,
      status: 'pending',
    }));
    let requests = plan.benchmarks.flatMap((planned) =>
      runRequests(planned, 0, planned.repeats, withBaseline),
    );
    for (let samplingRounds = 1; ; samplingRounds += 1) {
      progress.stage = 'run benchmarks';
      const finished = await runBenchmarksUnlessDecided(requests, current, runs);
      if (finished === 'decided') return 'decided';

      progress.stage = 'evaluate';
      const evaluated = await evaluateRuns(current, runs, samplingRounds);
      if (evaluated.judgement.verdict !== 'inconclusive' || override) return evaluated;
      requests = evaluated.moreSamples.flatMap(({ suite, benchmark }) => {
        const planned = plan.benchmarks.find(
          (entry) => entry.suite === suite && entry.benchmark === benchmark,
        );
        if (!planned) return [];
        const done = runs.filter(
          (run) => run.suite === suite && run.benchmark === benchmark && run.role === 'candidate',
        ).length;
        const next = Math.min(planned.maxRepeats, done + planned.repeats);
        return runRequests(planned, done, next, withBaseline);
      });
      if (requests.length === 0) return evaluated;
    }
  }

  /** Judging failed after its retries: the review cannot pass, so a person decides. */
  async function evaluateRuns(
    current: LoadedTarget,
    runs: RunRecord[],
    samplingRounds: number,
  ): Promise<Evaluated> {
    try {
      return await judging.evaluateReview({
        request,
        plan,
        target: current.target,
        baseline,
        runs,
        onError: plan.policy.onError,
        samplingRounds,
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      const reason = `the evaluation failed: ${failureMessage(error)}`;
      return {
        judgement: {
          verdict: 'inconclusive',
          criteria: plan.criteria.map(({ suite, metric, op, threshold }) => ({
            suite,
            metric,
            op,
            threshold,
            observed: null,
            verdict: 'inconclusive',
            reason,
            error: true,
          })),
        },
        moreSamples: [],
      };
    }
  }

  /**
   * Runs the requested runs, each benchmark with at most `parallelRuns` in flight and all
   * benchmarks at once; a person's decision cancels what is still running.
   */
  async function runBenchmarksUnlessDecided(
    requests: readonly RunRequest[],
    { target: benchmarkTarget }: LoadedTarget,
    runs: RunRecord[],
  ): Promise<'done' | 'decided'> {
    if (override) return 'decided';
    const scope = new CancellationScope();
    const running = scope.run(() =>
      Promise.all(
        plan.benchmarks.map((planned, index) =>
          runQueue(
            planned,
            index,
            requests.filter((request) => request.planned === planned),
            benchmarkTarget,
            runs,
          ),
        ),
      ),
    );
    const decided = condition(() => override !== undefined).then(() => 'decided' as const);
    const first = await Promise.race([running.then(() => 'done' as const), decided]);
    if (first === 'decided') {
      scope.cancel();
      await running.catch((error: unknown) => {
        if (!isCancellation(error)) throw error;
      });
      return 'decided';
    }
    return 'done';
  }

  async function runQueue(
    planned: PlannedBenchmark,
    index: number,
    queue: readonly RunRequest[],
    benchmarkTarget: LoadedTarget['target'],
    runs: RunRecord[],
  ): Promise<void> {
    if (queue.length === 0) return;
    const { suite, benchmark } = planned;
    const running = () => {
      const { runs: counts } = outcomeOf(planned, runs);
      progress.benchmarks[index] = {
        suite,
        benchmark,
        status: 'running',
        ...(counts ? { runs: counts } : {}),
      };
    };
    running();
    let next = 0;
    const worker = async () => {
      while (next < queue.length) {
        const request = queue[next] as RunRequest;
        next += 1;
        runs.push(await runOnce(request, benchmarkTarget));
        running();
      }
    };
    await Promise.all(Array.from({ length: Math.min(planned.parallelRuns, queue.length) }, worker));
    progress.benchmarks[index] = outcomeOf(planned, runs);
  }

  async function runOnce(
    { planned, role, repeat }: RunRequest,
    benchmarkTarget: LoadedTarget['target'],
  ): Promise<RunRecord> {
    const activities = proxyActivities<ReviewActivities>({
      startToCloseTimeout: planned.timeoutMs,
      heartbeatTimeout: planned.heartbeatTimeoutMs,
      summary: `benchmark ${planned.suite}/${planned.benchmark}${role === 'baseline' ? ' (baseline)' : ''}${planned.maxRepeats > 1 ? ` #${repeat + 1}` : ''}`,
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumAttempts: planned.retries + 1,
        nonRetryableErrorTypes: [...NON_RETRYABLE, FAILURE.benchmarkInvalidResult],
      },
    });
    const { suite, benchmark } = planned;
    try {
      const result = await activities.runBenchmark({
        suite,
        benchmark,
        target: benchmarkTarget,
        baseline: baseline.target,
        role,
        repeat,
        round: progress.reruns,
      });
      return { suite, benchmark, role, repeat, status: 'completed', ...result };
    } catch (error) {
      // After its retries a benchmark that throws or times out is an error, not a failed metric.
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      return { suite, benchmark, role, repeat, status: 'error', error: failureMessage(error) };
    }
  }
}
