// The review workflow: one per release-pipeline trigger and phase. It decides; activities do the I/O.
// Stages, in the order the Temporal UI shows them: load target → plan → run benchmarks → evaluate →
// reconcile → act → record.
import {
  ActivityFailure,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LoadedTarget, ReviewActivities, TriggerState } from '../activities';
import { judge } from '../src/gate/judge';
import type { BenchmarkOutcome, Judgement, PlannedBenchmark } from '../src/gate/types';
import { SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import {
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
  | 'act'
  | 'record'
  | 'done';

export interface ReviewProgress {
  stage: ReviewStage;
  target?: TargetSummary;
  benchmarks: Array<{
    suite: string;
    benchmark: string;
    status: 'pending' | BenchmarkOutcome['status'];
  }>;
  judgement?: Judgement;
  action?: ReviewAction;
}

export const progressQuery = defineQuery<ReviewProgress>('progress');

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

const planning = proxyActivities<ReviewActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

function summarize(loaded: LoadedTarget): TargetSummary {
  const { kind, id, name, version } = loaded.target;
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

export async function releasePipelineReview(request: ReviewRequest): Promise<ReviewReport> {
  const startedAtMs = Date.now();
  const progress: ReviewProgress = { stage: 'load target', benchmarks: [] };
  setHandler(progressQuery, () => progress);

  // Every approve/abort/disable goes through one task queue whose worker caps the rate, so all
  // workers together stay under Statsig's mutation limit.
  const statsigWrites = proxyActivities<ReviewActivities>({
    taskQueue: `${workflowInfo().taskQueue}${STATSIG_WRITES_QUEUE_SUFFIX}`,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '6h',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '2m',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });

  const report = (
    fields: Partial<ReviewReport> & Pick<ReviewReport, 'outcome' | 'action' | 'reason'>,
  ) => {
    progress.stage = 'done';
    return {
      request,
      criteria: [],
      benchmarks: [],
      startedAtMs,
      decidedAtMs: Date.now(),
      ...fields,
    } satisfies ReviewReport;
  };

  const loaded = await statsigReads.loadReviewTarget(request);
  const target = summarize(loaded);
  progress.target = target;
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.entity, value: target.name }]);

  if (!isWaitingFor(loaded.trigger, request.phaseID)) {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.decision, value: 'superseded' }]);
    return finish(
      report({
        outcome: 'superseded',
        target,
        action: 'none',
        reason: supersededReason(loaded.trigger, request.phaseID),
      }),
    );
  }

  progress.stage = 'plan';
  const plan = await planning.planReview(loaded.target);
  progress.benchmarks = plan.benchmarks.map(({ suite, benchmark }) => ({
    suite,
    benchmark,
    status: 'pending',
  }));

  progress.stage = 'run benchmarks';
  const outcomes = await Promise.all(
    plan.benchmarks.map((planned, index) => runBenchmark(planned, loaded, index)),
  );

  progress.stage = 'evaluate';
  const judgement = judge(plan.criteria, outcomes);
  progress.judgement = judgement;
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.verdict, value: judgement.verdict }]);

  progress.stage = 'reconcile';
  const current = await statsigReads.readTrigger(request.triggerID);
  if (!isWaitingFor(current, request.phaseID)) {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.decision, value: 'superseded' }]);
    return finish(
      report({
        outcome: 'superseded',
        target,
        verdict: judgement.verdict,
        criteria: judgement.criteria,
        benchmarks: outcomes,
        action: 'none',
        reason: supersededReason(current, request.phaseID),
      }),
    );
  }

  progress.stage = 'act';
  let action: ReviewAction = 'none';
  let reason: string;
  if (judgement.verdict === 'pass') {
    await statsigWrites.approvePhase({ triggerID: request.triggerID, phaseID: request.phaseID });
    action = 'approved';
    reason = 'every criterion passed';
  } else if (judgement.verdict === 'fail') {
    await statsigWrites.abortRollout({ triggerID: request.triggerID });
    action = 'aborted';
    reason = judgement.criteria
      .filter((criterion) => criterion.verdict === 'fail')
      .map((criterion) => `${criterion.suite}: ${criterion.reason}`)
      .join('; ');
  } else {
    reason = 'inconclusive: the phase stays waiting for a person to review';
  }
  progress.action = action;
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.decision, value: action }]);

  return finish(
    report({
      outcome: 'decided',
      target,
      verdict: judgement.verdict,
      criteria: judgement.criteria,
      benchmarks: outcomes,
      action,
      reason,
    }),
  );

  async function runBenchmark(
    planned: PlannedBenchmark,
    { target: benchmarkTarget }: LoadedTarget,
    index: number,
  ): Promise<BenchmarkOutcome> {
    const activities = proxyActivities<ReviewActivities>({
      startToCloseTimeout: planned.timeoutMs,
      heartbeatTimeout: '15s',
      summary: `benchmark ${planned.suite}/${planned.benchmark}`,
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumAttempts: planned.retries + 1,
        nonRetryableErrorTypes: [...NON_RETRYABLE, 'BenchmarkInvalidResult'],
      },
    });
    const { suite, benchmark } = planned;
    let outcome: BenchmarkOutcome;
    try {
      const result = await activities.runBenchmark({ suite, benchmark, target: benchmarkTarget });
      outcome = { suite, benchmark, status: 'completed', ...result };
    } catch (error) {
      // After its retries a benchmark that throws or times out is an error, not a failed metric.
      if (!(error instanceof ActivityFailure)) throw error;
      outcome = { suite, benchmark, status: 'error', error: failureMessage(error) };
    }
    const entry = progress.benchmarks[index];
    if (entry) entry.status = outcome.status;
    return outcome;
  }

  async function finish(final: ReviewReport): Promise<ReviewReport> {
    progress.stage = 'record';
    await planning.recordReviewResult(final);
    progress.stage = 'done';
    return final;
  }
}
