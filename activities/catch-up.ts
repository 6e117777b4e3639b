// The catch-up: lists every trigger waiting for review in Statsig (all pages), works out the phase
// that waits with the same rule the review uses, and starts the review a lost webhook would have
// started (same workflow ID, so an existing review is found, never doubled). Also counts what needs
// a person, for the worker's metrics and `rollout-gate review list --stuck`.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import type { ReleasePipelineTrigger } from '../src/statsig/schemas';
import type { ReviewRequest, ReviewSource } from '../workflows/contract';
import type { CatchUpFindings, SideActivities } from '../workflows/side-contract';
import { cancellation } from './context';
import { toFailure } from './failures';
import type { TriggerReader } from './statsig-reads';

/** What the catch-up needs from Temporal; the worker passes one built on its client (src/reviews/). */
export interface ReviewDirectory {
  /** Starts the review unless its workflow ID exists; says which, with the existing one's status. */
  startReview(
    request: ReviewRequest,
    source: ReviewSource,
  ): Promise<
    | { status: 'accepted'; workflowId: string }
    | { status: 'duplicate'; workflowId: string; existing: string; decision?: string }
  >;
  /** Running reviews waiting for a person, and retrying a Statsig call longer than `overMs`. */
  countStuck(overMs: number): Promise<{ waitingForPerson: number; retryingStatsig: number }>;
}

const ACTED = new Set(['approved', 'aborted', 'disabled']);

/** 100 pages of 100 (the list's largest page): far more reviews waiting than any project has. */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;

async function waitingTriggers(
  statsig: StatsigConsoleClient,
  pageSize: number,
): Promise<ReleasePipelineTrigger[]> {
  const triggers: ReleasePipelineTrigger[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const answer = await statsig.listTriggers(
      { status: 'WAITING_FOR_REVIEW' },
      { limit: pageSize, page },
      cancellation(),
    );
    triggers.push(...answer.data);
    Context.current().heartbeat({ page });
    if (answer.pagination?.nextPage == null || answer.data.length === 0) break;
  }
  return triggers;
}

export function createCatchUp(
  statsig: StatsigConsoleClient,
  triggers: TriggerReader,
  reviews: ReviewDirectory | undefined,
  options: { stuckAfterMs: number; pageSize?: number },
): Pick<SideActivities, 'catchUpWaitingReviews'> {
  return {
    async catchUpWaitingReviews() {
      if (!reviews) {
        throw ApplicationFailure.nonRetryable(
          'this worker has no Temporal client to start reviews with',
          'CatchUpUnavailable',
        );
      }
      const findings: CatchUpFindings = {
        ranAtMs: Date.now(),
        waiting: 0,
        started: [],
        withoutReview: [],
        waitingForPerson: 0,
        retryingStatsig: 0,
      };
      let listed: ReleasePipelineTrigger[];
      try {
        listed = await waitingTriggers(statsig, options.pageSize ?? PAGE_SIZE);
      } catch (error) {
        return toFailure(error);
      }
      for (const trigger of listed) {
        let phaseID: string | null;
        try {
          phaseID = await triggers.waitingPhaseOf(trigger);
        } catch (error) {
          return toFailure(error);
        }
        if (phaseID === null) continue;
        findings.waiting += 1;
        const request: ReviewRequest = {
          releasePipelineID: trigger.releasePipelineID,
          triggerID: trigger.id,
          phaseID,
          ...(trigger.gateID ? { gateID: trigger.gateID } : {}),
          ...(trigger.dynamicConfigID ? { dynamicConfigID: trigger.dynamicConfigID } : {}),
          receivedAtMs: Date.now(),
        };
        const started = await reviews.startReview(request, 'catch-up');
        if (started.status === 'accepted') findings.started.push(started.workflowId);
        else if (started.existing !== 'RUNNING' && !ACTED.has(started.decision ?? '')) {
          // (A review that acted since the list was read is not one: Statsig moved on meanwhile.)
          findings.withoutReview.push({
            triggerID: trigger.id,
            phaseID,
            workflowId: started.workflowId,
            status: started.existing,
          });
        }
        Context.current().heartbeat({ trigger: trigger.id });
      }
      Object.assign(findings, await reviews.countStuck(options.stuckAfterMs));
      return findings;
    },
  };
}
