// The review's reads from Statsig's Console API: the trigger, the entity under review, its version
// just after judging, and the released version to compare with.
import { ApplicationFailure } from '@temporalio/activity';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import type { ReleasePipelineTrigger } from '../src/statsig/schemas';
import { entityTarget } from '../src/statsig/targets';
import {
  FAILURE,
  type ReviewActivities,
  type ReviewRequest,
  type TriggerState,
} from '../workflows/contract';
import { cancellation } from './context';
import { toFailure } from './failures';

/** The trigger fields the workflow decides on; the rest stays out of history. */
export function summarizeTrigger(trigger: ReleasePipelineTrigger): TriggerState {
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

export function createStatsigReads(
  statsig: StatsigConsoleClient,
  options: { recordsInStatsig: boolean },
): Pick<ReviewActivities, 'readTrigger' | 'loadReviewTarget' | 'reconcileReview' | 'loadBaseline'> {
  async function readTrigger(triggerID: string): Promise<TriggerState> {
    try {
      return summarizeTrigger(await statsig.getTrigger(triggerID, cancellation()));
    } catch (error) {
      return toFailure(error);
    }
  }

  return {
    readTrigger,

    async loadReviewTarget(request: ReviewRequest) {
      try {
        const trigger = await statsig.getTrigger(request.triggerID, cancellation());
        // The trigger is the source of truth for what it releases; the webhook's gateID is a hint.
        const gateID = trigger.gateID ?? request.gateID;
        const entity = gateID
          ? { kind: 'gate' as const, id: gateID }
          : trigger.dynamicConfigID
            ? { kind: 'dynamic_config' as const, id: trigger.dynamicConfigID }
            : undefined;
        if (!entity) {
          throw ApplicationFailure.nonRetryable(
            `Trigger ${trigger.id} names neither a gate nor a dynamic config`,
            FAILURE.triggerHasNoEntity,
          );
        }
        const read = await statsig.getEntity(entity.kind, entity.id, cancellation());
        return {
          trigger: summarizeTrigger(trigger),
          target: entityTarget(entity.kind, read),
          recordsInStatsig: options.recordsInStatsig,
        };
      } catch (error) {
        return toFailure(error);
      }
    },

    async reconcileReview(input) {
      try {
        const trigger = await readTrigger(input.triggerID);
        if (trigger.status !== 'WAITING_FOR_REVIEW') return { trigger, version: null };
        const entity = await statsig.getEntity(input.kind, input.id, cancellation());
        return { trigger, version: entity.version };
      } catch (error) {
        return toFailure(error);
      }
    },

    /**
     * The released version to compare with: the latest version older than the one under review,
     * from `GET /gates|dynamic_configs/{id}/versions`. None is an answer, not an error.
     */
    async loadBaseline(input) {
      try {
        const entity = await statsig.findVersionBefore(
          input.kind,
          input.id,
          input.version,
          cancellation(),
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
        const target = entityTarget(input.kind, entity);
        return { target, status: { version: target.version } };
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}
