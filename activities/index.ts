// Activities: every piece of I/O a review does. Built by a factory so production passes real clients
// and tests pass a Statsig client pointed at the sandbox. Errors leave here as Temporal failures with
// stable types, so the workflow's retry policies (not ad-hoc loops) decide what is retried.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { findBenchmark, planReview } from '../src/gate/define';
import type { GateDefinition, Metrics, ReviewPlan, Target } from '../src/gate/types';
import type { StatsigConsoleClient, StatsigEventsClient } from '../src/statsig/console-client';
import { StatsigApiError } from '../src/statsig/errors';
import type { DynamicConfig, Gate, ReleasePipelineTrigger } from '../src/statsig/schemas';
import type { ReviewReport, ReviewRequest } from '../workflows/types';

export interface ActivityDependencies {
  statsig: StatsigConsoleClient;
  /** Present when STATSIG_SERVER_SECRET is set. */
  events?: StatsigEventsClient;
  gate: GateDefinition;
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

/** Failure types the workflow and its retry policies key on. */
export const FAILURE = {
  statsigRejected: 'StatsigRejected',
  triggerHasNoEntity: 'TriggerHasNoEntity',
  benchmarkNotFound: 'BenchmarkNotFound',
  benchmarkInvalidResult: 'BenchmarkInvalidResult',
  benchmarkFailed: 'BenchmarkFailed',
} as const;

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

function waitsForReview(trigger: ReleasePipelineTrigger, phaseID: string): boolean {
  return trigger.status === 'WAITING_FOR_REVIEW' && trigger.currentPhaseID === phaseID;
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
    raw: config,
  };
}

function validMetrics(value: unknown): value is Metrics {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(
    (metric) => typeof metric === 'number' && Number.isFinite(metric),
  );
}

export function createActivities(deps: ActivityDependencies) {
  const { statsig, events, gate } = deps;
  const signal = () => Context.current().cancellationSignal;

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
        return { trigger: summarizeTrigger(trigger), target };
      } catch (error) {
        return toFailure(error);
      }
    },

    async planReview(input: { target: Target; releasePipelineID: string }): Promise<ReviewPlan> {
      return planReview(gate, input.target, input.releasePipelineID);
    },

    /** The entity's current version, to notice a change saved while benchmarks ran. */
    async readEntityVersion(input: { kind: Target['kind']; id: string }): Promise<number> {
      try {
        const entity =
          input.kind === 'gate'
            ? await statsig.getGate(input.id, signal())
            : await statsig.getDynamicConfig(input.id, signal());
        return entity.version;
      } catch (error) {
        return toFailure(error);
      }
    },

    async runBenchmark(input: {
      suite: string;
      benchmark: string;
      target: Target;
    }): Promise<{ metrics: Metrics; durationMs: number }> {
      const definition = findBenchmark(gate, input.suite, input.benchmark);
      if (!definition) {
        throw ApplicationFailure.nonRetryable(
          `Benchmark ${input.suite}/${input.benchmark} is not registered on this worker`,
          FAILURE.benchmarkNotFound,
        );
      }
      const context = Context.current();
      // Heartbeat on a timer as well as on request: a benchmark that never calls heartbeat() still
      // proves its worker is alive, and a dead worker is noticed within the heartbeat timeout.
      let lastProgress: unknown;
      const timer = setInterval(() => context.heartbeat(lastProgress), 1_000);
      const started = Date.now();
      try {
        const output = await definition.run({
          target: input.target,
          signal: context.cancellationSignal,
          heartbeat: (progress?: unknown) => {
            lastProgress = progress;
            context.heartbeat(progress);
          },
          log: {
            info: (message, fields) => context.log.info(message, fields),
            warn: (message, fields) => context.log.warn(message, fields),
          },
        });
        if (!validMetrics(output?.metrics)) {
          throw ApplicationFailure.nonRetryable(
            `Benchmark ${input.suite}/${input.benchmark} must return { metrics: { name: finite number } }`,
            FAILURE.benchmarkInvalidResult,
          );
        }
        return { metrics: output.metrics, durationMs: Date.now() - started };
      } catch (error) {
        if (error instanceof ApplicationFailure) throw error;
        throw ApplicationFailure.create({
          type: FAILURE.benchmarkFailed,
          message: `${input.suite}/${input.benchmark} threw: ${(error as Error)?.message ?? String(error)}`,
        });
      } finally {
        clearInterval(timer);
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
      const read = () =>
        input.kind === 'gate'
          ? statsig.getGate(input.id, signal())
          : statsig.getDynamicConfig(input.id, signal());
      return writeOnce(input, {
        landed: async () => !(await read()).isEnabled,
        call: () =>
          input.kind === 'gate'
            ? statsig.disableGate(input.id, signal())
            : statsig.disableDynamicConfig(input.id, signal()),
      });
    },

    /** Records the review beside the rollout in Statsig; a no-op without STATSIG_SERVER_SECRET. */
    async recordReviewResult(report: ReviewReport): Promise<'recorded' | 'skipped'> {
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
      for (const criterion of report.criteria) {
        metadata[`${criterion.suite}.${criterion.metric}`] = String(criterion.observed);
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
