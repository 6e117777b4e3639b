// The review's reads from Statsig's Console API: the trigger (with the phase that waits for review,
// from the pipeline's order), the entity under review, its version just after judging, and the
// released version to compare with.
import { ApplicationFailure } from '@temporalio/activity';
import type { ReportStore } from '../src/gate/report/store';
import type { Target } from '../src/gate/types';
import { chooseBaseline } from '../src/statsig/baseline';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import { phaseSummary } from '../src/statsig/phase-rules';
import { waitingPhase } from '../src/statsig/phases';
import type { ReleasePipeline, ReleasePipelineTrigger } from '../src/statsig/schemas';
import { configHash, entityTarget } from '../src/statsig/targets';
import {
  FAILURE,
  type LoadedTarget,
  type ReviewActivities,
  type ReviewRequest,
  type TriggerState,
} from '../workflows/contract';
import { cancellation } from './context';
import { toFailure } from './failures';

/** Pipelines change rarely (a person edits their phases); reviews of one pipeline share a read. */
const PIPELINE_CACHE_MS = 5 * 60 * 1000;

export interface TriggerReader {
  /** The trigger's state as the workflow decides on it, with the phase that waits for review. */
  triggerState(triggerID: string, announcedPhaseID?: string): Promise<TriggerState>;
  /**
   * The trigger as Statsig answered, and its state. `pipelineID`, the pipeline the webhook named,
   * is read beside the trigger instead of after it when it is not cached.
   */
  readTrigger(
    triggerID: string,
    announcedPhaseID?: string,
    pipelineID?: string,
  ): Promise<{ trigger: ReleasePipelineTrigger; state: TriggerState }>;
  /** The phase waiting for review in a trigger already read (a listed one); null when none waits. */
  waitingPhaseOf(trigger: ReleasePipelineTrigger): Promise<string | null>;
  /** The release pipeline, read at most once per few minutes. */
  pipeline(pipelineID: string): Promise<ReleasePipeline>;
}

function summarize(trigger: ReleasePipelineTrigger, waitingPhaseID: string | null): TriggerState {
  return {
    id: trigger.id,
    releasePipelineID: trigger.releasePipelineID,
    status: trigger.status,
    currentPhaseID: trigger.currentPhaseID ?? null,
    gateID: trigger.gateID ?? null,
    dynamicConfigID: trigger.dynamicConfigID ?? null,
    createdTime: trigger.createdTime ?? null,
    waitingPhaseID,
  };
}

/** A read started early, whose failure waits to be looked at (no unhandled rejection meanwhile). */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** Reads triggers with their waiting phase; each pipeline is read once per few minutes. */
export function createTriggerReader(statsig: StatsigConsoleClient, now = Date.now): TriggerReader {
  const pipelines = new Map<string, { pipeline: ReleasePipeline; readAtMs: number }>();

  async function pipelineOf(pipelineID: string): Promise<ReleasePipeline> {
    const cached = pipelines.get(pipelineID);
    if (cached && now() - cached.readAtMs < PIPELINE_CACHE_MS) return cached.pipeline;
    const pipeline = await statsig.getPipeline(pipelineID, cancellation());
    pipelines.set(pipelineID, { pipeline, readAtMs: now() });
    return pipeline;
  }

  async function readTrigger(triggerID: string, announcedPhaseID?: string, pipelineID?: string) {
    const early = pipelineID === undefined ? undefined : settled(pipelineOf(pipelineID));
    const trigger = await statsig.getTrigger(triggerID, cancellation());
    // Only a waiting trigger needs the pipeline: whatever else it is, no phase waits.
    let waiting: { phaseID: string | null } = { phaseID: null };
    if (trigger.status === 'WAITING_FOR_REVIEW') {
      const read =
        early && trigger.releasePipelineID === pipelineID
          ? await early
          : await settled(pipelineOf(trigger.releasePipelineID));
      if (!read.ok) throw read.error;
      waiting = waitingPhase(trigger, read.value, announcedPhaseID);
    }
    return { trigger, state: summarize(trigger, waiting.phaseID) };
  }

  return {
    readTrigger,
    pipeline: pipelineOf,
    async waitingPhaseOf(trigger) {
      if (trigger.status !== 'WAITING_FOR_REVIEW') return null;
      return waitingPhase(trigger, await pipelineOf(trigger.releasePipelineID)).phaseID;
    },
    async triggerState(triggerID, announcedPhaseID) {
      return (await readTrigger(triggerID, announcedPhaseID)).state;
    },
  };
}

function entityOf(
  gateID: string | null | undefined,
  configID: string | null | undefined,
): { kind: 'gate' | 'dynamic_config'; id: string } | undefined {
  if (gateID) return { kind: 'gate', id: gateID };
  return configID ? { kind: 'dynamic_config', id: configID } : undefined;
}

/** What loadReviewTarget returns, with the whole entity it stored (for a step that goes on with it). */
type LoadTarget = (request: ReviewRequest) => Promise<{ loaded: LoadedTarget; target: Target }>;

/**
 * Reads Statsig. The entity under review and its baseline are stored whole in the snapshot store
 * and returned by reference: their values can weigh megabytes, and every activity result lands in
 * the review's history (Temporal refuses payloads over 2 MiB, and histories over 50 MB).
 * `loadTarget` is the load with the whole entity beside its reference, for loadAndPlanReview.
 */
export function createStatsigReads(
  statsig: StatsigConsoleClient,
  triggers: TriggerReader,
  snapshots: ReportStore,
): Pick<
  ReviewActivities,
  'readTrigger' | 'loadReviewTarget' | 'reconcileReview' | 'loadBaseline'
> & {
  loadTarget: LoadTarget;
} {
  const loadTarget: LoadTarget = async (request) => {
    try {
      // The webhook names the entity: its read starts beside the trigger's, and is used when the
      // trigger (the source of truth for what it releases) names the same one.
      const hinted = entityOf(request.gateID, request.dynamicConfigID);
      const early = hinted && settled(statsig.getEntity(hinted.kind, hinted.id, cancellation()));
      const { trigger, state } = await triggers.readTrigger(
        request.triggerID,
        request.phaseID,
        request.releasePipelineID,
      );
      const entity = entityOf(
        trigger.gateID || request.gateID,
        trigger.dynamicConfigID || request.dynamicConfigID,
      );
      if (!entity) {
        throw ApplicationFailure.nonRetryable(
          `Trigger ${trigger.id} names neither a gate nor a dynamic config`,
          FAILURE.triggerHasNoEntity,
        );
      }
      const read =
        early && hinted?.kind === entity.kind && hinted.id === entity.id
          ? await early
          : await settled(statsig.getEntity(entity.kind, entity.id, cancellation()));
      if (!read.ok) throw read.error;
      const target = entityTarget(entity.kind, read.value);
      const hash = configHash(target);
      // The phase and the rules it rolls out; a trigger no longer waiting is superseded anyway.
      const phase =
        trigger.status === 'WAITING_FOR_REVIEW'
          ? phaseSummary(
              await triggers.pipeline(trigger.releasePipelineID),
              request.phaseID,
              target.rules,
            )
          : null;
      const loaded = {
        trigger: state,
        targetRef: await snapshots.writeSnapshot(target, hash),
        configHash: hash,
        ...(phase ? { phase } : {}),
      };
      return { loaded, target };
    } catch (error) {
      return toFailure(error);
    }
  };
  return {
    loadTarget,

    async readTrigger(triggerID: string, announcedPhaseID?: string) {
      try {
        return await triggers.triggerState(triggerID, announcedPhaseID);
      } catch (error) {
        return toFailure(error);
      }
    },

    async loadReviewTarget(request: ReviewRequest) {
      return (await loadTarget(request)).loaded;
    },

    async reconcileReview(input) {
      try {
        // Both at once: the entity's read is wasted only when the trigger no longer waits.
        const entity = settled(statsig.getEntity(input.kind, input.id, cancellation()));
        const trigger = await triggers.triggerState(input.triggerID, input.phaseID);
        if (trigger.status !== 'WAITING_FOR_REVIEW') return { trigger, version: null };
        const read = await entity;
        if (!read.ok) throw read.error;
        const target = entityTarget(input.kind, read.value);
        return { trigger, version: target.version, configHash: configHash(target) };
      } catch (error) {
        return toFailure(error);
      }
    },

    /**
     * The released version to compare with, from `GET /gates|dynamic_configs/{id}/versions`. None is
     * an answer, not an error.
     */
    async loadBaseline(input) {
      try {
        const versions = await statsig.allVersions(input.kind, input.id, cancellation());
        const choice = chooseBaseline(versions, input);
        if (choice.entity === null) {
          return { target: null, status: { version: null, reason: choice.reason } };
        }
        const target = entityTarget(input.kind, choice.entity);
        return {
          targetRef: await snapshots.writeSnapshot(target, configHash(target)),
          status: { version: target.version },
        };
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}
