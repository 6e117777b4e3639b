// The review's measuring stages: run the planned benchmarks (each with its own parallelism), judge
// them, and while the verdict is inconclusive for want of samples, add repeats and judge again. A
// person's decision cancels whatever is still running.
import {
  ActivityFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
} from '@temporalio/workflow';
import type { PhaseSummary, PlannedBenchmark, ReviewPlan, RunRecord } from '../src/gate/wire';
import { benchmarkRunActivities, failureMessage } from './activity-options';
import {
  type BaselineResult,
  type EvaluateReviewInput,
  type EvaluateReviewResult,
  type LoadedTarget,
  type Reconciled,
  type ReconcileInput,
  type ReviewEvaluation,
  type RunBenchmarkInput,
  type VersionFields,
  versionOf,
} from './contract';
import {
  evaluateReview,
  judgeAndReconcile,
  judgedInMemory,
  LOCAL_STEPS_PATCH,
} from './local-steps';
import { outcomeOf, type RunRequest, runRequests } from './runs';
import type { MeasuringState } from './state';

/** A judgement, with its stored evidence unless judging itself failed. */
export type Evaluated = Omit<EvaluateReviewResult, 'evaluation'> & {
  evaluation?: ReviewEvaluation;
};

/** The fields to pass a version on with: its reference, or the whole Target of an older history. */
export function passOn(fields: VersionFields): VersionFields {
  if (fields.targetRef) return { targetRef: fields.targetRef };
  return fields.target ? { target: fields.target } : {};
}

/** A run's baseline fields from the review's baseline, carried the way it was loaded. */
function passOnBaseline(
  baseline: BaselineResult,
): Pick<RunBenchmarkInput, 'baselineRef' | 'baseline'> {
  if (baseline.targetRef) return { baselineRef: baseline.targetRef };
  return { baseline: baseline.target ?? null };
}

/** What every measuring step of one round works with. */
interface Measurement {
  state: MeasuringState;
  plan: ReviewPlan;
  baseline: BaselineResult;
  /** The version under review in this round (a rerun measures the newly saved one). */
  target: VersionFields;
  /** The phase under review, when the review read it: runs see the version as its rules serve it. */
  phase?: PhaseSummary;
  runs: RunRecord[];
  /** The runs the last evaluation stored (and how many), so the next one is sent only the rest. */
  judged?: { ref: string; count: number };
}

/**
 * Runs the planned benchmarks and judges them; while the verdict is inconclusive for want of
 * samples, adds repeats (up to each benchmark's maxRepeats) and judges again.
 */
export async function measureAndEvaluate(
  state: MeasuringState,
  plan: ReviewPlan,
  baseline: BaselineResult,
  current: Pick<LoadedTarget, 'target' | 'phase'>,
  reconcile?: ReconcileInput,
): Promise<(Evaluated & { reconciled?: Reconciled }) | 'decided'> {
  const { progress } = state;
  const withBaseline = versionOf(baseline) !== undefined;
  const measurement: Measurement = {
    state,
    plan,
    baseline,
    target: passOn(current),
    runs: [],
    ...(current.phase ? { phase: current.phase } : {}),
  };
  const { runs } = measurement;
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
    const finished = await runBenchmarksUnlessDecided(measurement, requests);
    if (finished === 'decided') return 'decided';

    progress.stage = 'evaluate';
    // A judging no round can follow is the last: the reads that reconcile with Statsig go beside
    // it (local steps, new histories only), not after it.
    const last = reconcile && atLastLook(plan, runs) && patched(LOCAL_STEPS_PATCH);
    const evaluated = await evaluateRuns(measurement, samplingRounds, last ? reconcile : undefined);
    if (evaluated.reconciled) return evaluated;
    if (evaluated.judgement.verdict !== 'inconclusive' || state.override) return evaluated;
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

/** Whether every benchmark has had its last repeat: no sampling round can follow this judging. */
function atLastLook(plan: ReviewPlan, runs: readonly RunRecord[]): boolean {
  return plan.benchmarks.every(
    (planned) =>
      runs.filter(
        (run) =>
          run.suite === planned.suite &&
          run.benchmark === planned.benchmark &&
          run.role === 'candidate',
      ).length >= planned.maxRepeats,
  );
}

/** Judges the runs and, at the last look, reconciles beside it (`reconcile`: what to read). */
async function evaluateRuns(
  measurement: Measurement,
  samplingRounds: number,
  reconcile?: ReconcileInput,
): Promise<Evaluated & { reconciled?: Reconciled }> {
  const { state, plan, baseline, target, runs, judged, phase } = measurement;
  // Histories recorded before judged runs were stored have no reference: all runs are sent.
  const input: EvaluateReviewInput = {
    request: state.request,
    plan,
    ...target,
    baseline,
    runs: judged ? runs.slice(judged.count) : runs,
    ...(judged ? { earlierRuns: judged.ref } : {}),
    onError: plan.policy.onError,
    samplingRounds,
    ...(phase ? { phase } : {}),
  };
  const inMemory = judgedInMemory(runs);
  const steps = reconcile
    ? judgeAndReconcile(input, reconcile, inMemory)
    : { judged: evaluateReview(input, inMemory), reconciled: undefined };
  const [evaluated, reconciled] = await Promise.all([
    judgedOrFailed(measurement, steps.judged),
    steps.reconciled,
  ]);
  return reconciled ? { ...evaluated, reconciled } : evaluated;
}

/** Judging failed after its retries: the review cannot pass, so a person decides. */
async function judgedOrFailed(
  measurement: Measurement,
  judging: Promise<EvaluateReviewResult>,
): Promise<Evaluated> {
  const { plan, runs } = measurement;
  try {
    const { judgedRuns, ...evaluated } = await judging;
    measurement.judged = judgedRuns ? { ref: judgedRuns, count: runs.length } : undefined;
    return evaluated;
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
  measurement: Measurement,
  requests: readonly RunRequest[],
): Promise<'done' | 'decided'> {
  const { state, plan } = measurement;
  if (state.override) return 'decided';
  const scope = new CancellationScope();
  const running = scope.run(() =>
    Promise.all(
      plan.benchmarks.map((planned, index) =>
        runQueue(
          measurement,
          planned,
          index,
          requests.filter((request) => request.planned === planned),
        ),
      ),
    ),
  );
  const decided = condition(() => state.override !== undefined).then(() => 'decided' as const);
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

/** One benchmark's queue of runs, `parallelRuns` at a time, with its progress kept current. */
async function runQueue(
  measurement: Measurement,
  planned: PlannedBenchmark,
  index: number,
  queue: readonly RunRequest[],
): Promise<void> {
  if (queue.length === 0) return;
  const { progress } = measurement.state;
  const { runs } = measurement;
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
      runs.push(await runOnce(measurement, request));
      running();
    }
  };
  await Promise.all(Array.from({ length: Math.min(planned.parallelRuns, queue.length) }, worker));
  progress.benchmarks[index] = outcomeOf(planned, runs);
}

async function runOnce(
  { state, baseline, target, phase }: Measurement,
  { planned, role, repeat }: RunRequest,
): Promise<RunRecord> {
  const { suite, benchmark } = planned;
  try {
    const result = await benchmarkRunActivities(planned, role, repeat).runBenchmark({
      suite,
      benchmark,
      ...target,
      ...passOnBaseline(baseline),
      role,
      repeat,
      round: state.progress.reruns,
      ...(phase ? { phase } : {}),
      ...(planned.scope ? { scope: planned.scope } : {}),
    });
    return { suite, benchmark, role, repeat, status: 'completed', ...result };
  } catch (error) {
    // After its retries a benchmark that throws or times out is an error, not a failed metric.
    if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
    return { suite, benchmark, role, repeat, status: 'error', error: failureMessage(error) };
  }
}
