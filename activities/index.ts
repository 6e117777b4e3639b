// Activities: every piece of I/O a review does. Built by a factory so production passes real clients
// and tests pass a Statsig client pointed at the sandbox. Errors leave here as Temporal failures with
// stable types, so the workflow's retry policies (not ad-hoc loops) decide what is retried.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { DEFAULT_REPORTS_DIR } from '../src/config';
import { errorMessage } from '../src/error-message';
import { findBenchmark, planReview } from '../src/gate/define';
import { type BaselineStatus, evaluate, type RunData } from '../src/gate/evaluate';
import { contentHash } from '../src/gate/hash';
import { InvalidBenchmarkOutputError } from '../src/gate/kinds/kind';
import { CASES_IN_SUMMARY, REPORT_SCHEMA_VERSION, type StoredReport } from '../src/gate/report';
import { ReportStore, ReportStoreError } from '../src/gate/report-store';
import { hashSeed } from '../src/gate/stats';
import type {
  BenchmarkOutput,
  GateDefinition,
  Judgement,
  Metrics,
  ReviewPlan,
  RunRecord,
  RunRole,
  Target,
} from '../src/gate/types';
import type { StatsigConsoleClient, StatsigEventsClient } from '../src/statsig/console-client';
import { StatsigApiError } from '../src/statsig/errors';
import type { DynamicConfig, Gate, ReleasePipelineTrigger } from '../src/statsig/schemas';
import {
  type CaseListSummary,
  FAILURE,
  type ReviewEvaluation,
  type ReviewReport,
  type ReviewRequest,
  waitsForReview,
} from '../workflows/types';

export interface ActivityDependencies {
  statsig: StatsigConsoleClient;
  /** Present when STATSIG_SERVER_SECRET is set. */
  events?: StatsigEventsClient;
  gate: GateDefinition;
  /** Where run outputs and review reports are stored (GATE_REPORTS_DIR). */
  reportsDir?: string;
}

/** The released version a review compares with, or why there is none. */
export interface BaselineResult {
  target: Target | null;
  status: BaselineStatus;
}

export interface RunBenchmarkInput {
  suite: string;
  benchmark: string;
  target: Target;
  baseline?: Target | null;
  role?: RunRole;
  repeat?: number;
  /** The review's rerun number (0 for the first version judged). */
  round?: number;
}

export interface RunBenchmarkResult {
  metrics: Metrics;
  durationMs: number;
  /** Reference of the stored output in the report store. */
  ref: string;
  sampleCount: number;
  caseCount: number;
}

export interface EvaluateReviewInput {
  request?: ReviewRequest;
  plan: Pick<ReviewPlan, 'criteria' | 'suites' | 'gateVersion' | 'skippedSuites'>;
  target: Target;
  baseline: BaselineResult;
  runs: RunRecord[];
  onError: 'inconclusive' | 'fail';
  samplingRounds: number;
}

export interface EvaluateReviewResult {
  judgement: Judgement;
  moreSamples: Array<{ suite: string; benchmark: string }>;
  evaluation: ReviewEvaluation;
}

/** The trigger fields the workflow decides on; the rest stays out of history. */
export interface TriggerState {
  id: string;
  releasePipelineID: string;
  status: ReleasePipelineTrigger['status'];
  currentPhaseID: string | null;
  gateID: string | null;
  dynamicConfigID: string | null;
  /** When the release started (Statsig's clock): config changes up to then are the release itself. */
  createdTime: number;
}

export interface LoadedTarget {
  trigger: TriggerState;
  target: Target;
  /**
   * Whether this worker records results in Statsig (STATSIG_SERVER_SECRET is set). When it does not,
   * recording is no Statsig write, and the workflow keeps it off the rate-limited writes queue.
   */
  recordsInStatsig: boolean;
}

/**
 * What a write did: `done`, `already-done` (an earlier attempt's call had landed, or Statsig already
 * shows the outcome), or `superseded` (the trigger stopped waiting for this review before the call,
 * so nothing was called).
 */
export type WriteResult =
  | { status: 'done' | 'already-done' }
  | { status: 'superseded'; trigger: TriggerState };

/** Which trigger and phase a write acts for; every write first checks they still wait for review. */
export interface ReviewedPhase {
  triggerID: string;
  phaseID: string;
}

function toFailure(error: unknown): never {
  if (error instanceof StatsigApiError) {
    if (error.retryable) {
      throw ApplicationFailure.create({
        type: error.code,
        message: error.message,
        // Honour Retry-After over the policy's own backoff when Statsig names a time.
        nextRetryDelay: error.details.retryAfterMs,
      });
    }
    throw ApplicationFailure.create({
      type: FAILURE.statsigRejected,
      message: error.message,
      nonRetryable: true,
      details: [{ code: error.code, status: error.details.status ?? null }],
    });
  }
  throw error;
}

function summarizeTrigger(trigger: ReleasePipelineTrigger): TriggerState {
  return {
    id: trigger.id,
    releasePipelineID: trigger.releasePipelineID,
    status: trigger.status,
    currentPhaseID: trigger.currentPhaseID ?? null,
    gateID: trigger.gateID ?? null,
    dynamicConfigID: trigger.dynamicConfigID ?? null,
    createdTime: trigger.createdTime,
  };
}

function approvedFor(trigger: ReleasePipelineTrigger, phaseID: string): boolean {
  return trigger.actions.some(
    (action) => action.type === 'APPROVED_FOR' && action.phaseID === phaseID,
  );
}

const DONE: WriteResult = { status: 'done' };
const ALREADY_DONE: WriteResult = { status: 'already-done' };

function gateTarget(gate: Gate): Target {
  return {
    kind: 'gate',
    id: gate.id,
    name: gate.name ?? gate.id,
    version: gate.version,
    value: null,
    rules: gate.rules,
    tags: gate.tags ?? [],
    raw: gate,
  };
}

function dynamicConfigTarget(config: DynamicConfig): Target {
  return {
    kind: 'dynamic_config',
    id: config.id,
    name: config.name ?? config.id,
    version: config.version,
    value: config.defaultValue,
    rules: config.rules,
    tags: config.tags ?? [],
    raw: config,
  };
}

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

function isRecordOf(value: unknown, check: (item: unknown) => boolean): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(check);
}

/** Why a benchmark's output is unusable, or undefined when it is a valid BenchmarkOutput. */
function outputProblem(output: unknown): string | undefined {
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

/** A stable hash of what a version of the entity serves: its value and rules. */
function configHash(target: Pick<Target, 'kind' | 'id' | 'value' | 'rules'>): string {
  return contentHash({
    kind: target.kind,
    id: target.id,
    value: target.value,
    rules: target.rules,
  });
}

function caseList(
  analyses: ReturnType<typeof evaluate>['datasets'],
  pick: 'flaky' | 'regressions' | 'improvements',
): CaseListSummary {
  const all = analyses.flatMap((analysis) =>
    analysis[pick].map((item) => ({
      suite: analysis.suite,
      benchmark: analysis.benchmark,
      ...item,
    })),
  );
  return { count: all.length, cases: all.slice(0, CASES_IN_SUMMARY) };
}

/** Where a run's outputs are filed: its review's workflow execution (activities run inside one). */
function reviewKey(): { workflowId: string; runId: string } {
  const info = Context.current().info;
  return info.workflowExecution ?? { workflowId: 'standalone', runId: info.activityId };
}

export function createActivities(deps: ActivityDependencies) {
  const { statsig, events, gate } = deps;
  const reports = new ReportStore(deps.reportsDir ?? DEFAULT_REPORTS_DIR);
  const signal = () => Context.current().cancellationSignal;

  /** Judges the review's runs and writes report.json and report.md (see evaluateReview). */
  async function evaluateAndStore(input: EvaluateReviewInput): Promise<EvaluateReviewResult> {
    const { workflowId, runId } = reviewKey();
    const runs: RunData[] = [];
    try {
      for (const run of input.runs) {
        if (run.status === 'completed') {
          const { ref, metrics, durationMs, sampleCount, caseCount, ...key } = run;
          runs.push({ ...key, status: 'completed', output: await reports.readRun(ref) });
        } else {
          runs.push(run);
        }
      }
    } catch (error) {
      if (error instanceof ReportStoreError) {
        throw ApplicationFailure.create({
          type: FAILURE.reportStoreMissing,
          message: error.message,
        });
      }
      throw error;
    }
    const result = evaluate({
      criteria: input.plan.criteria,
      suites: input.plan.suites,
      runs,
      baseline: input.baseline.status,
      onError: input.onError,
      seed: workflowId,
    });
    const key = { workflowId, runId };
    const target = input.target;
    const report: StoredReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      subject: {
        workflowId,
        runId,
        ...(input.request
          ? {
              triggerID: input.request.triggerID,
              phaseID: input.request.phaseID,
              releasePipelineID: input.request.releasePipelineID,
            }
          : {}),
        target: { kind: target.kind, id: target.id, name: target.name, version: target.version },
      },
      generatedAt: new Date().toISOString(),
      gateVersion: input.plan.gateVersion,
      configHash: configHash(target),
      baseline: input.baseline.target
        ? { ...input.baseline.status, configHash: configHash(input.baseline.target) }
        : input.baseline.status,
      verdict: result.judgement.verdict,
      judgement: result.judgement,
      samplingRounds: input.samplingRounds,
      runs: input.runs,
      datasets: result.datasets,
      skippedSuites: input.plan.skippedSuites,
    };
    const files = await reports.writeReport(key, report);
    return {
      judgement: result.judgement,
      moreSamples: result.moreSamples,
      evaluation: {
        report: files,
        gateVersion: report.gateVersion,
        configHash: report.configHash,
        baseline: report.baseline,
        samplingRounds: input.samplingRounds,
        runs: input.runs.length,
        skippedSuites: input.plan.skippedSuites,
        flaky: caseList(result.datasets, 'flaky'),
        regressions: caseList(result.datasets, 'regressions'),
        improvements: caseList(result.datasets, 'improvements'),
      },
    };
  }

  async function readTrigger(triggerID: string): Promise<TriggerState> {
    try {
      return summarizeTrigger(await statsig.getTrigger(triggerID, signal()));
    } catch (error) {
      return toFailure(error);
    }
  }

  /**
   * One Statsig write for a review, made at most once across attempts. `landed` tells from the
   * trigger whether the write's effect is already there.
   */
  async function writeOnce(
    { triggerID, phaseID }: ReviewedPhase,
    write: {
      landed(trigger: ReleasePipelineTrigger): boolean | Promise<boolean>;
      call(): Promise<unknown>;
    },
  ): Promise<WriteResult> {
    // On the first attempt nothing of ours can have landed: whatever the trigger shows, a person did.
    const retry = Context.current().info.attempt > 1;
    try {
      const trigger = await statsig.getTrigger(triggerID, signal());
      if (retry && (await write.landed(trigger))) return ALREADY_DONE;
      if (!waitsForReview(trigger, phaseID)) {
        return { status: 'superseded', trigger: summarizeTrigger(trigger) };
      }
      await write.call();
      return DONE;
    } catch (error) {
      // Statsig refuses a transition the trigger already made: someone acted between our read and
      // our call. If the outcome is the one we wanted it counts as done, else the review is superseded.
      if (error instanceof StatsigApiError && error.code === 'STATSIG_BAD_REQUEST') {
        const trigger = await statsig.getTrigger(triggerID, signal()).catch(() => undefined);
        if (trigger) {
          const landed = await Promise.resolve(write.landed(trigger)).catch(() => false);
          if (landed) return ALREADY_DONE;
          if (!waitsForReview(trigger, phaseID)) {
            return { status: 'superseded', trigger: summarizeTrigger(trigger) };
          }
        }
      }
      return toFailure(error);
    }
  }

  return {
    readTrigger,

    async loadReviewTarget(request: ReviewRequest): Promise<LoadedTarget> {
      try {
        const trigger = await statsig.getTrigger(request.triggerID, signal());
        // The trigger is the source of truth for what it releases; the webhook's gateID is a hint.
        const gateID = trigger.gateID ?? request.gateID;
        let target: Target;
        if (gateID) target = gateTarget(await statsig.getGate(gateID, signal()));
        else if (trigger.dynamicConfigID) {
          target = dynamicConfigTarget(
            await statsig.getDynamicConfig(trigger.dynamicConfigID, signal()),
          );
        } else {
          throw ApplicationFailure.nonRetryable(
            `Trigger ${trigger.id} names neither a gate nor a dynamic config`,
            FAILURE.triggerHasNoEntity,
          );
        }
        return {
          trigger: summarizeTrigger(trigger),
          target,
          recordsInStatsig: events !== undefined,
        };
      } catch (error) {
        return toFailure(error);
      }
    },

    async planReview(input: { target: Target; releasePipelineID: string }): Promise<ReviewPlan> {
      return planReview(gate, input.target, input.releasePipelineID);
    },

    /**
     * What reconciling needs, read together just after judging: the trigger (has a person moved it
     * on?) and, while it still waits, the entity's version (was a change saved while benchmarks ran?).
     */
    async reconcileReview(input: {
      triggerID: string;
      kind: Target['kind'];
      id: string;
    }): Promise<{ trigger: TriggerState; version: number | null }> {
      try {
        const trigger = await readTrigger(input.triggerID);
        if (trigger.status !== 'WAITING_FOR_REVIEW') return { trigger, version: null };
        const entity = await statsig.getEntity(input.kind, input.id, signal());
        return { trigger, version: entity.version };
      } catch (error) {
        return toFailure(error);
      }
    },

    /**
     * The released version to compare with: the latest version older than the one under review,
     * from `GET /gates|dynamic_configs/{id}/versions`. None is an answer, not an error.
     */
    async loadBaseline(input: {
      kind: Target['kind'];
      id: string;
      version: number;
    }): Promise<BaselineResult> {
      try {
        const entity = await statsig.findVersionBefore(
          input.kind,
          input.id,
          input.version,
          signal(),
        );
        if (!entity) {
          return {
            target: null,
            status: {
              version: null,
              reason: `${input.id} has no version older than ${input.version} to compare with`,
            },
          };
        }
        const target =
          input.kind === 'gate'
            ? gateTarget(entity as Gate)
            : dynamicConfigTarget(entity as DynamicConfig);
        return { target, status: { version: target.version } };
      } catch (error) {
        return toFailure(error);
      }
    },

    /**
     * Runs one benchmark once, on the candidate or the baseline, in a scratch directory of its own,
     * and stores its full output in the report store; the workflow keeps the metrics and a reference.
     */
    async runBenchmark(input: RunBenchmarkInput): Promise<RunBenchmarkResult> {
      const definition = findBenchmark(gate, input.suite, input.benchmark);
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
      const target = role === 'baseline' && input.baseline ? input.baseline : input.target;
      const where = `${input.suite}/${input.benchmark} (${role}, repeat ${repeat})`;
      // Heartbeat on a timer as well as on request: a benchmark that never calls heartbeat() still
      // proves its worker is alive, and a dead worker is noticed within the heartbeat timeout.
      let lastProgress: unknown;
      const timer = setInterval(() => context.heartbeat(lastProgress), 1_000);
      // Stop the benchmark at its own timeout too, not only when Temporal says so: a killed process
      // or an aborted request frees the worker at once.
      const deadline = AbortSignal.timeout(context.info.startToCloseTimeoutMs);
      const runSignal = AbortSignal.any([context.cancellationSignal, deadline]);
      const scratchDir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-run-'));
      const started = Date.now();
      try {
        const output = await definition.run({
          target,
          baseline: input.baseline ?? null,
          role,
          repeat,
          seed: hashSeed(`${workflowId}|${input.suite}|${input.benchmark}|${repeat}`),
          signal: runSignal,
          heartbeat: (progress?: unknown) => {
            lastProgress = progress;
            context.heartbeat(progress);
          },
          log: {
            info: (text, fields) => context.log.info(text, { benchmark: where, ...fields }),
            warn: (text, fields) => context.log.warn(text, { benchmark: where, ...fields }),
          },
          scratchDir,
        });
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
        if (deadline.aborted && !context.cancellationSignal.aborted) {
          throw ApplicationFailure.create({
            type: FAILURE.benchmarkFailed,
            message: `${input.suite}/${input.benchmark} timed out after ${context.info.startToCloseTimeoutMs} ms`,
          });
        }
        throw ApplicationFailure.create({
          type: FAILURE.benchmarkFailed,
          message: `${input.suite}/${input.benchmark} threw: ${errorMessage(error)}`,
        });
      } finally {
        clearInterval(timer);
        await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
      }
    },

    /**
     * Judges every run of the review: reads the stored outputs, runs the statistics (seeded by the
     * workflow ID, so the verdict is reproducible), writes report.json and report.md, and returns
     * the verdict with per-criterion evidence (small enough for the workflow's history).
     */
    async evaluateReview(input: EvaluateReviewInput): Promise<EvaluateReviewResult> {
      const context = Context.current();
      // Beats between the reads and writes. The judging itself is synchronous (no beats meanwhile);
      // at the sizes tested (5,000 cases, two runs a side) it takes well under the 1 min timeout.
      const beat = setInterval(() => context.heartbeat(), 5_000);
      try {
        return await evaluateAndStore(input);
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Approves the phase at most once. The trigger is read just before the call: on a retry, an
     * approval an earlier attempt made (whose answer was lost) is already there and counts as done;
     * on any attempt, a trigger that no longer waits for this phase means a person moved it on.
     */
    approvePhase(input: ReviewedPhase): Promise<WriteResult> {
      return writeOnce(input, {
        landed: (trigger) => approvedFor(trigger, input.phaseID),
        call: () => statsig.approvePhase(input.triggerID, input.phaseID, signal()),
      });
    },

    /** Aborts the trigger at most once; an aborted trigger after our call counts as done. */
    abortRollout(input: ReviewedPhase): Promise<WriteResult> {
      return writeOnce(input, {
        landed: (trigger) => trigger.status === 'ABORTED',
        call: () => statsig.abortTrigger(input.triggerID, signal()),
      });
    },

    /**
     * The other kill switch: switches the whole gate or dynamic config off, outside the pipeline.
     * Disabling leaves the trigger as it was, so a retry looks at the entity itself.
     */
    disableEntity(
      input: ReviewedPhase & { kind: Target['kind']; id: string },
    ): Promise<WriteResult> {
      return writeOnce(input, {
        landed: async () => !(await statsig.getEntity(input.kind, input.id, signal())).isEnabled,
        call: () => statsig.disableEntity(input.kind, input.id, signal()),
      });
    },

    /**
     * Adds the decision to the stored report (when the review got that far), and records the review
     * beside the rollout in Statsig; the latter is a no-op without STATSIG_SERVER_SECRET.
     */
    async recordReviewResult(report: ReviewReport): Promise<'recorded' | 'skipped'> {
      if (report.evaluation) {
        // The decision has been made already: a report that cannot be updated is logged, not fatal.
        try {
          const key = reviewKey();
          const stored = await reports.readReport(key);
          if (stored) {
            await reports.writeReport(key, {
              ...stored,
              decision: {
                outcome: report.outcome,
                action: report.action,
                reason: report.reason,
                ...(report.override
                  ? {
                      override: {
                        actor: report.override.actor,
                        decision: report.override.decision,
                        ...(report.override.reason ? { reason: report.override.reason } : {}),
                      },
                    }
                  : {}),
                decidedAt: new Date(report.decidedAtMs).toISOString(),
              },
            });
          }
        } catch (error) {
          Context.current().log.warn('could not add the decision to the stored report', {
            error: errorMessage(error),
          });
        }
      }
      if (!events) return 'skipped';
      const metadata: Record<string, string> = {
        releasePipelineID: report.request.releasePipelineID,
        triggerID: report.request.triggerID,
        phaseID: report.request.phaseID,
        outcome: report.outcome,
        verdict: report.verdict ?? 'none',
        action: report.action,
        entity: report.target?.name ?? '',
        version: String(report.target?.version ?? ''),
      };
      // One key per criterion: `<suite>.<metric>` holds the observed value (absent when nothing was
      // measured) and `….verdict` the criterion's verdict. A second criterion on the same metric is
      // keyed by its name instead, so none overwrites another.
      for (const criterion of report.criteria) {
        const byMetric = `${criterion.suite}.${criterion.metric}`;
        const key =
          `${byMetric}.verdict` in metadata && criterion.name
            ? `${criterion.suite}.${criterion.name}`
            : byMetric;
        if (criterion.observed !== null) metadata[key] = String(criterion.observed);
        metadata[`${key}.verdict`] = criterion.verdict;
      }
      if (report.override) {
        metadata.overrideBy = report.override.actor;
        metadata.overrideDecision = report.override.decision;
      }
      const user = { userID: 'rollout-gate' };
      const perBenchmark = report.benchmarks.map((outcome) => ({
        eventName: 'rollout_gate_benchmark',
        value: outcome.status,
        time: report.decidedAtMs,
        user,
        metadata: {
          triggerID: report.request.triggerID,
          phaseID: report.request.phaseID,
          suite: outcome.suite,
          benchmark: outcome.benchmark,
          ...(outcome.status === 'completed'
            ? Object.fromEntries(Object.entries(outcome.metrics).map(([k, v]) => [k, String(v)]))
            : { error: outcome.error.slice(0, 500) }),
        },
      }));
      try {
        await events.logEvents(
          [
            {
              eventName: 'rollout_gate_review',
              value: report.verdict ?? report.outcome,
              time: report.decidedAtMs,
              user,
              metadata,
            },
            ...perBenchmark,
          ],
          signal(),
        );
        return 'recorded';
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}

export type ReviewActivities = ReturnType<typeof createActivities>;
