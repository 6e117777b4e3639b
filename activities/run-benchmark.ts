// Runs one benchmark once, on the candidate or the baseline, in a scratch directory of its own, and
// stores its full output in the report store; the workflow keeps the metrics and a reference. A run
// the run cache already holds (same snapshot, benchmark, gate version, repeat) is taken instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { errorMessage } from '../src/error-message';
import { InvalidBenchmarkOutputError } from '../src/gate/kinds/kind';
import { findBenchmark, findSuite } from '../src/gate/plan';
import type { ReportStore, StoredRunKey } from '../src/gate/report/store';
import type {
  BenchmarkContext,
  BenchmarkDefinition,
  BenchmarkOutput,
  GateDefinition,
  ReviewScope,
  RunRole,
  StatsigReader,
  Target,
} from '../src/gate/types';
import { phaseView } from '../src/statsig/phase-rules';
import {
  FAILURE,
  type ReviewActivities,
  type RunBenchmarkInput,
  type RunBenchmarkResult,
} from '../workflows/contract';
import { reviewKey } from './context';
import { keepRun, type RunCaching, runCacheKey, runSeed, takeCachedRun } from './run-cache';
import { abandonedRunFailure, RunIgnoredCancellation, runDeadline } from './run-deadline';
import { resolveRunVersions } from './snapshots';

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

function isRecordOf(value: unknown, check: (item: unknown) => boolean): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(check);
}

/** Why a benchmark's output is unusable, or undefined when it is a valid BenchmarkOutput. */
export function outputProblem(output: unknown): string | undefined {
  const value = output as Partial<BenchmarkOutput> | null | undefined;
  if (!value || !isRecordOf(value.metrics, isFiniteNumber)) {
    return 'must return { metrics: { name: finite number } }';
  }
  if (
    value.samples !== undefined &&
    !isRecordOf(value.samples, (list) => Array.isArray(list) && list.every(isFiniteNumber))
  ) {
    return 'samples must be { name: [finite numbers] }';
  }
  if (value.cases !== undefined) {
    if (!Array.isArray(value.cases)) return 'cases must be an array';
    for (const item of value.cases) {
      if (!item || typeof item.id !== 'string') return 'every case needs a string id';
      if (item.passed !== undefined && typeof item.passed !== 'boolean') {
        return `case ${item.id}: passed must be a boolean`;
      }
      if (item.scores !== undefined && !isRecordOf(item.scores, isFiniteNumber)) {
        return `case ${item.id}: scores must be finite numbers`;
      }
    }
  }
  return undefined;
}

/** One run to measure: the benchmark, the versions it sees, and where its output is filed. */
interface RunToMeasure {
  definition: BenchmarkDefinition;
  input: RunBenchmarkInput;
  versions: { target: Target; baseline: Target | null };
  /** The phase and scope the benchmark's context names, when the review gates a phase. */
  extra: Partial<BenchmarkContext>;
  role: RunRole;
  repeat: number;
  seed: number;
  stored: StoredRunKey;
}

/**
 * What a run measures, resolved from the history's references, as the phase under review (and the
 * run's scope) serve it: the phase's rules and the value they serve, with the phase and the scope
 * for the benchmark's context. Without a phase (older histories, pre-commit), the versions as read.
 */
async function versionsFor(
  reports: ReportStore,
  input: RunBenchmarkInput,
  role: RunRole,
): Promise<Pick<RunToMeasure, 'versions' | 'extra'>> {
  const { phase, scope } = input;
  const versions = await resolveRunVersions(reports, input);
  const reviewScope: ReviewScope | undefined = scope && {
    kind: scope.kind,
    name: scope.name,
    ruleIDs: scope.ruleIDs,
  };
  const scoped = reviewScope ? { scope: reviewScope } : {};
  if (!phase) return { versions, extra: scoped };
  const candidate = phaseView(versions.target, phase, reviewScope);
  const baseline = versions.baseline && phaseView(versions.baseline, phase, reviewScope);
  const measured = role === 'baseline' && baseline ? baseline : candidate;
  return {
    versions: { target: candidate.target, baseline: baseline ? baseline.target : null },
    extra: { phase: measured.phase, ...scoped },
  };
}

/**
 * Builds the activity; `statsig` is handed to benchmarks that read Statsig (the `pulse` kind).
 * With `caching`, a run of the same key measured within its max age (activities/run-cache.ts) is
 * taken instead of measured, unless the suite asks for fresh runs; a measured run is kept for later.
 */
export function createRunBenchmark(
  gate: GateDefinition,
  reports: ReportStore,
  statsig?: StatsigReader,
  caching?: RunCaching,
): ReviewActivities['runBenchmark'] {
  return async function runBenchmark(input: RunBenchmarkInput) {
    // A `forEach` suite's copy runs its suite's benchmark.
    const definition = findBenchmark(gate, input.scope?.suite ?? input.suite, input.benchmark);
    if (!definition) {
      throw ApplicationFailure.nonRetryable(
        `Benchmark ${input.suite}/${input.benchmark} is not registered on this worker`,
        FAILURE.benchmarkNotFound,
      );
    }
    const { workflowId, runId } = reviewKey();
    const role = input.role ?? 'candidate';
    const repeat = input.repeat ?? 0;
    // The history carries references; the benchmark sees both versions whole, from the store.
    const { versions, extra } = await versionsFor(reports, input, role);
    const { suite, benchmark } = input;
    const stored = { workflowId, runId, round: input.round ?? 0, suite, benchmark, role, repeat };
    const seed = runSeed(suite, benchmark, repeat);
    const key = caching && runCacheKey({ gate, definition, input, versions, role, repeat, seed });
    if (caching && key && !findSuite(gate, input.scope?.suite ?? suite)?.fresh) {
      const cached = await takeCachedRun(caching, reports, key, stored);
      if (cached) return cached;
    }
    const result = await measure(reports, statsig, {
      definition,
      input,
      versions,
      extra,
      role,
      repeat,
      seed,
      stored,
    });
    if (caching && key) await keepRun(caching, key, result, { workflowId, runId });
    return result;
  };
}

/** Runs the benchmark in a scratch directory, raced against its deadline; stores its output. */
async function measure(
  reports: ReportStore,
  statsig: StatsigReader | undefined,
  { definition, input, versions, extra, role, repeat, seed, stored }: RunToMeasure,
): Promise<RunBenchmarkResult> {
  const context = Context.current();
  const target = role === 'baseline' && versions.baseline ? versions.baseline : versions.target;
  const where = `${input.suite}/${input.benchmark} (${role}, repeat ${repeat})`;
  // Heartbeat on a timer as well as on request: a benchmark that never calls heartbeat() still
  // proves its worker is alive, and a dead worker is noticed within the heartbeat timeout.
  // Once the attempt has ended no heartbeat goes out, not even from an abandoned run's code.
  let lastProgress: unknown;
  let attemptOpen = true;
  const timer = setInterval(() => context.heartbeat(lastProgress), 1_000);
  // Stop the benchmark at its own timeout too, not only when Temporal says so: a killed process
  // or an aborted request frees the worker at once, and a run that ignores the signal is abandoned.
  const timeoutMs = context.info.startToCloseTimeoutMs;
  const deadline = runDeadline(timeoutMs, context.cancellationSignal);
  const scratchDir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-run-'));
  const started = Date.now();
  try {
    const running = definition.run({
      target,
      baseline: versions.baseline,
      role,
      repeat,
      seed,
      signal: deadline.signal,
      heartbeat: (progress?: unknown) => {
        if (!attemptOpen) return;
        lastProgress = progress;
        context.heartbeat(progress);
      },
      log: {
        info: (text, fields) => context.log.info(text, { benchmark: where, ...fields }),
        warn: (text, fields) => context.log.warn(text, { benchmark: where, ...fields }),
      },
      scratchDir,
      ...(statsig ? { statsig } : {}),
      ...extra,
    });
    const output = await deadline.settle(running, (outcome) =>
      context.log.warn('an abandoned benchmark run settled at last', { where, outcome }),
    );
    const problem = outputProblem(output);
    if (problem) {
      throw ApplicationFailure.nonRetryable(
        `Benchmark ${input.suite}/${input.benchmark} ${problem}`,
        FAILURE.benchmarkInvalidResult,
      );
    }
    const durationMs = Date.now() - started;
    const ref = await reports.writeRun(stored, output);
    const sampleCount = Object.values(output.samples ?? {}).reduce((n, list) => n + list.length, 0);
    return {
      metrics: output.metrics,
      durationMs,
      ref,
      sampleCount,
      caseCount: output.cases?.length ?? 0,
    };
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    if (error instanceof InvalidBenchmarkOutputError) {
      throw ApplicationFailure.nonRetryable(
        `${where}: ${error.message}`,
        FAILURE.benchmarkInvalidResult,
      );
    }
    if (error instanceof RunIgnoredCancellation) {
      context.log.warn('abandoned a benchmark run that ignored its signal', { where });
      throw abandonedRunFailure(`${input.suite}/${input.benchmark}`, error);
    }
    if (deadline.timedOut()) {
      throw ApplicationFailure.create({
        type: FAILURE.benchmarkFailed,
        message: `${input.suite}/${input.benchmark} timed out after ${timeoutMs} ms`,
      });
    }
    throw ApplicationFailure.create({
      type: FAILURE.benchmarkFailed,
      message: `${input.suite}/${input.benchmark} threw: ${errorMessage(error)}`,
    });
  } finally {
    attemptOpen = false;
    clearInterval(timer);
    await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
