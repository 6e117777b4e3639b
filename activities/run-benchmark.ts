// Runs one benchmark once, on the candidate or the baseline, in a scratch directory of its own, and
// stores its full output in the report store; the workflow keeps the metrics and a reference.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { errorMessage } from '../src/error-message';
import { InvalidBenchmarkOutputError } from '../src/gate/kinds/kind';
import { findBenchmark } from '../src/gate/plan';
import type { ReportStore } from '../src/gate/report/store';
import { hashSeed } from '../src/gate/stats';
import type {
  BenchmarkContext,
  BenchmarkOutput,
  GateDefinition,
  ReviewScope,
  RunRole,
  StatsigReader,
  Target,
} from '../src/gate/types';
import { phaseView } from '../src/statsig/phase-rules';
import { FAILURE, type ReviewActivities, type RunBenchmarkInput } from '../workflows/contract';
import { reviewKey } from './context';
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

/**
 * What a run measures, resolved from the history's references, as the phase under review (and the
 * run's scope) serve it: the phase's rules and the value they serve, with the phase and the scope
 * for the benchmark's context. Without a phase (older histories), the versions as they were read.
 */
async function versionsFor(
  reports: ReportStore,
  input: RunBenchmarkInput,
  role: RunRole,
): Promise<{ target: Target; baseline: Target | null; extra: Partial<BenchmarkContext> }> {
  const { phase, scope } = input;
  const versions = await resolveRunVersions(reports, input);
  const reviewScope: ReviewScope | undefined = scope && {
    kind: scope.kind,
    name: scope.name,
    ruleIDs: scope.ruleIDs,
  };
  const view = (version: Target) => (phase ? phaseView(version, phase, reviewScope) : undefined);
  const candidate = view(versions.target);
  const baseline = versions.baseline && view(versions.baseline);
  const measured = role === 'baseline' && versions.baseline ? baseline : candidate;
  return {
    target:
      role === 'baseline' && versions.baseline
        ? (baseline?.target ?? versions.baseline)
        : (candidate?.target ?? versions.target),
    baseline: versions.baseline ? (baseline?.target ?? versions.baseline) : null,
    extra: {
      ...(measured ? { phase: measured.phase } : {}),
      ...(reviewScope ? { scope: reviewScope } : {}),
    },
  };
}

/** Builds the activity; `statsig` is handed to benchmarks that read Statsig (the `pulse` kind). */
export function createRunBenchmark(
  gate: GateDefinition,
  reports: ReportStore,
  statsig?: StatsigReader,
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
    const context = Context.current();
    const { workflowId, runId } = reviewKey();
    const role = input.role ?? 'candidate';
    const repeat = input.repeat ?? 0;
    // The history carries references; the benchmark sees both versions whole, from the store.
    const { target, baseline, extra } = await versionsFor(reports, input, role);
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
    const runSignal = deadline.signal;
    const scratchDir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-run-'));
    const started = Date.now();
    try {
      const running = definition.run({
        target,
        baseline,
        role,
        repeat,
        seed: hashSeed(`${workflowId}|${input.suite}|${input.benchmark}|${repeat}`),
        signal: runSignal,
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
      const ref = await reports.writeRun(
        {
          workflowId,
          runId,
          round: input.round ?? 0,
          suite: input.suite,
          benchmark: input.benchmark,
          role,
          repeat,
        },
        output,
      );
      const sampleCount = Object.values(output.samples ?? {}).reduce(
        (n, list) => n + list.length,
        0,
      );
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
  };
}
