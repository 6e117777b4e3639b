// The review's writes to Statsig (approve, abort, disable), each made at most once across attempts:
// the trigger is read just before the call, so a retry finds an earlier attempt's effect and a
// trigger a person moved on meanwhile is left alone.
import { Context } from '@temporalio/activity';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import { StatsigApiError } from '../src/statsig/errors';
import type { ReleasePipelineTrigger } from '../src/statsig/schemas';
import {
  type ReviewActivities,
  type ReviewedPhase,
  type WriteResult,
  waitsForReview,
} from '../workflows/contract';
import { cancellation } from './context';
import { toFailure } from './failures';
import { summarizeTrigger } from './statsig-reads';

const DONE: WriteResult = { status: 'done' };
const ALREADY_DONE: WriteResult = { status: 'already-done' };

function approvedFor(trigger: ReleasePipelineTrigger, phaseID: string): boolean {
  return trigger.actions.some(
    (action) => action.type === 'APPROVED_FOR' && action.phaseID === phaseID,
  );
}

interface Write {
  /** Whether the trigger (or the entity) already shows the write's effect. */
  landed(trigger: ReleasePipelineTrigger): boolean | Promise<boolean>;
  call(): Promise<unknown>;
}

export function createStatsigWrites(
  statsig: StatsigConsoleClient,
): Pick<ReviewActivities, 'approvePhase' | 'abortRollout' | 'disableEntity'> {
  /** One Statsig write for a review, made at most once across attempts. */
  async function writeOnce({ triggerID, phaseID }: ReviewedPhase, write: Write) {
    // On the first attempt nothing of ours can have landed: whatever the trigger shows, a person did.
    const retry = Context.current().info.attempt > 1;
    try {
      const trigger = await statsig.getTrigger(triggerID, cancellation());
      if (retry && (await write.landed(trigger))) return ALREADY_DONE;
      if (!waitsForReview(trigger, phaseID)) {
        return { status: 'superseded', trigger: summarizeTrigger(trigger) } as const;
      }
      await write.call();
      return DONE;
    } catch (error) {
      // Statsig refuses a transition the trigger already made: someone acted between our read and
      // our call. If the outcome is the one we wanted it counts as done, else the review is superseded.
      if (error instanceof StatsigApiError && error.code === 'STATSIG_BAD_REQUEST') {
        const trigger = await statsig.getTrigger(triggerID, cancellation()).catch(() => undefined);
        if (trigger) {
          const landed = await Promise.resolve(write.landed(trigger)).catch(() => false);
          if (landed) return ALREADY_DONE;
          if (!waitsForReview(trigger, phaseID)) {
            return { status: 'superseded', trigger: summarizeTrigger(trigger) } as const;
          }
        }
      }
      return toFailure(error);
    }
  }

  return {
    /**
     * Approves the phase at most once: on a retry, an approval an earlier attempt made (whose answer
     * was lost) is already there and counts as done.
     */
    approvePhase(input) {
      return writeOnce(input, {
        landed: (trigger) => approvedFor(trigger, input.phaseID),
        call: () => statsig.approvePhase(input.triggerID, input.phaseID, cancellation()),
      });
    },

    /** Aborts the trigger at most once; an aborted trigger after our call counts as done. */
    abortRollout(input) {
      return writeOnce(input, {
        landed: (trigger) => trigger.status === 'ABORTED',
        call: () => statsig.abortTrigger(input.triggerID, cancellation()),
      });
    },

    /**
     * The other kill switch: switches the whole gate or dynamic config off, outside the pipeline.
     * Disabling leaves the trigger as it was, so a retry looks at the entity itself.
     */
    disableEntity(input) {
      return writeOnce(input, {
        landed: async () =>
          !(await statsig.getEntity(input.kind, input.id, cancellation())).isEnabled,
        call: () => statsig.disableEntity(input.kind, input.id, cancellation()),
      });
    },
  };
}
