// The review's writes to Statsig (approve, abort, disable, pause), each made at most once across attempts:
// the trigger is read just before the call, so a retry finds an earlier attempt's effect and a
// trigger a person moved on meanwhile is left alone. A write whose answer was unreadable or lost
// has an unknown outcome, which reading the trigger back settles: never a permanent failure.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { StatsigConsoleClient, WriteAnswer } from '../src/statsig/console-client';
import { StatsigApiError } from '../src/statsig/errors';
import type { ReleasePipelineTrigger } from '../src/statsig/schemas';
import {
  FAILURE,
  type ReviewActivities,
  type ReviewedPhase,
  type WriteResult,
  waitsForReview,
} from '../workflows/contract';
import type { RollbackActivities } from '../workflows/rollback-contract';
import { cancellation } from './context';
import { toFailure } from './failures';
import type { TriggerReader } from './statsig-reads';

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
  call(): Promise<WriteAnswer>;
}

export function createStatsigWrites(
  statsig: StatsigConsoleClient,
  triggers: TriggerReader,
): Pick<ReviewActivities, 'approvePhase' | 'abortRollout' | 'disableEntity'> &
  Pick<RollbackActivities, 'pauseRollout'> {
  /** What the trigger shows after a call whose outcome is unknown; undefined when it cannot tell. */
  async function settle(
    { triggerID, phaseID }: ReviewedPhase,
    write: Write,
  ): Promise<WriteResult | undefined> {
    const read = await triggers.readTrigger(triggerID, phaseID).catch(() => undefined);
    if (!read) return undefined;
    const landed = await Promise.resolve(write.landed(read.trigger)).catch(() => false);
    if (landed) return ALREADY_DONE;
    if (!waitsForReview(read.state, phaseID)) return { status: 'superseded', trigger: read.state };
    return undefined;
  }

  /** One Statsig write for a review, made at most once across attempts. */
  async function writeOnce(phase: ReviewedPhase, write: Write): Promise<WriteResult> {
    // On the first attempt nothing of ours can have landed: whatever the trigger shows, a person did.
    const retry = Context.current().info.attempt > 1;
    try {
      const { trigger, state } = await triggers.readTrigger(phase.triggerID, phase.phaseID);
      if (retry && (await write.landed(trigger))) return ALREADY_DONE;
      if (!waitsForReview(state, phase.phaseID)) return { status: 'superseded', trigger: state };
      const answer = await write.call();
      if (answer.confirmed) return DONE;
      const settled = await settle(phase, write);
      if (settled?.status === 'already-done') return DONE;
      if (settled) return settled;
      // Still waiting as before the call: the next attempt reads again and calls only if needed.
      throw ApplicationFailure.create({
        type: FAILURE.statsigWriteUnconfirmed,
        message: `Statsig answered ${phase.triggerID}'s write with a body it does not document, and the trigger does not show the write yet`,
      });
    } catch (error) {
      // Statsig refuses a transition the trigger already made (or a stale phaseID): someone acted
      // between our read and our call. The outcome we wanted counts as done; else it is superseded.
      if (error instanceof StatsigApiError && error.code === 'STATSIG_BAD_REQUEST') {
        const settled = await settle(phase, write);
        if (settled) return settled;
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
     * Holds the trigger at its phase (reversible: unpausing resumes it). A paused trigger after our
     * call counts as done.
     */
    pauseRollout(input) {
      return writeOnce(input, {
        landed: (trigger) => trigger.status === 'PAUSED',
        call: () => statsig.pauseTrigger(input.triggerID, input.phaseID, cancellation()),
      });
    },

    /**
     * The other kill switch: switches the whole gate or dynamic config off, outside the pipeline.
     * Disabling leaves the trigger as it was, so a retry looks at the entity itself.
     */
    disableEntity(input) {
      return writeOnce(input, {
        landed: async () =>
          (await statsig.getEntity(input.kind, input.id, cancellation())).isEnabled === false,
        call: () => statsig.disableEntity(input.kind, input.id, cancellation()),
      });
    },
  };
}
