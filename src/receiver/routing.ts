// Routes the events of a verified delivery: reviews start (or find) their workflow, config changes
// become change records and reach the running reviews of their entity, everything else is counted
// and dropped. Returns one summary per event, in delivery order.
import type { FastifyBaseLogger } from 'fastify';
import { errorMessage } from '../error-message';
import type { ChangeStore } from './changes';
import type { EventKind, StatsigEvent } from './events';
import { type ReviewStarter, TemporalUnavailableError } from './review-starter';
import type { RunningReviews, SignalOutcome } from './running-reviews';
import type { ReceiverStats } from './stats';

export type EventSummary =
  | {
      index: number;
      kind: 'review';
      status: 'accepted' | 'duplicate';
      workflowId: string;
    }
  | {
      index: number;
      kind: 'config_change';
      /** `duplicate`: the same change was already recorded (a redelivery). */
      status: 'recorded' | 'duplicate';
      /** Running reviews of the entity that received CONFIG_CHANGED_SIGNAL. */
      signalled: string[];
    }
  | {
      index: number;
      kind: Exclude<StatsigEvent['kind'], 'review' | 'config_change' | 'unreadable'>;
      status: 'ignored';
    }
  | {
      index: number;
      /** What the item looked like, as far as that could be told. */
      kind: EventKind;
      status: 'unreadable';
      /** The field that could not be read, e.g. `data[1].releasePipelineMetadata.triggerID`. */
      path: string;
      reason: string;
    };

const SIGNAL_FAILED_CODE = 'CONFIG_CHANGE_SIGNAL_FAILED';

export interface RoutingDependencies {
  reviews: ReviewStarter;
  changes: ChangeStore;
  runningReviews: RunningReviews | undefined;
  stats: ReceiverStats;
}

/**
 * Throws TemporalUnavailableError when a review could not be started, after every other event of the
 * delivery has been handled, so the caller can answer 503 and Statsig delivers the whole batch again.
 */
export async function routeEvents(
  events: readonly StatsigEvent[],
  receivedAtMs: number,
  deps: RoutingDependencies,
  log: FastifyBaseLogger,
): Promise<EventSummary[]> {
  const summaries: Array<EventSummary | undefined> = new Array(events.length);
  const pending: Array<Promise<void>> = [];

  events.forEach((event, index) => {
    switch (event.kind) {
      case 'review':
        pending.push(
          deps.reviews.start(event.review, receivedAtMs).then((started) => {
            log.info(
              { workflowId: started.workflowId, status: started.status },
              'review webhook handled',
            );
            summaries[index] = { index, kind: 'review', ...started };
          }),
        );
        break;
      case 'config_change':
        pending.push(
          recordChange(event.change, deps, log).then((result) => {
            summaries[index] = { index, kind: 'config_change', ...result };
          }),
        );
        break;
      case 'unreadable': {
        // Set aside, not refused: the rest of the batch is handled, and Statsig is not asked to
        // redeliver what would fail the same way. The log names the field, never its value.
        const { looksLike: kind, path, reason } = event;
        log.warn(
          { code: 'WEBHOOK_EVENT_UNREADABLE', index, kind, path, reason },
          'event set aside',
        );
        summaries[index] = { index, kind, status: 'unreadable', path, reason };
        break;
      }
      default:
        // Exposures, custom and unknown events: acknowledged so Statsig stops sending them again.
        summaries[index] = { index, kind: event.kind, status: 'ignored' };
    }
  });

  if (pending.length > 0) {
    const settled = await Promise.allSettled(pending);
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) {
      // Unavailability wins over other errors: the delivery is worth retrying as a whole.
      const unavailable = settled.find(
        (result) =>
          result.status === 'rejected' && result.reason instanceof TemporalUnavailableError,
      );
      throw ((unavailable ?? failure) as PromiseRejectedResult).reason;
    }
  }

  const done = summaries as EventSummary[];
  for (const summary of done) deps.stats.event(summary.kind, summary.status);
  return done;
}

async function recordChange(
  change: Parameters<ChangeStore['add']>[0],
  deps: RoutingDependencies,
  log: FastifyBaseLogger,
): Promise<{ status: 'recorded' | 'duplicate'; signalled: string[] }> {
  const stored = deps.changes.add(change);
  const status = stored.added ? 'recorded' : 'duplicate';
  const entity = change.metadata.name;
  const type = stored.record.type;
  // A redelivered change is signalled again only if the first attempt failed: that happens when
  // Temporal was down, which is also when Statsig redelivers (the batch's review got a 503).
  const needsSignal = stored.added || stored.signalState() === 'failed';
  if (deps.runningReviews === undefined || !needsSignal) {
    if (stored.added) stored.setSignalState('done');
    log.info({ entity, type, status }, 'config change handled');
    return { status, signalled: [] };
  }

  stored.setSignalState('pending');
  let outcome: SignalOutcome;
  try {
    outcome = await deps.runningReviews.signalConfigChange({
      type: change.metadata.type,
      name: entity,
      ...(change.metadata.id ? { id: change.metadata.id } : {}),
      action: change.metadata.action,
      happenedAtMs: change.timestamp,
    });
  } catch (error) {
    outcome = { signalled: [], failed: [], error: errorMessage(error) };
  }
  const failed = outcome.failed.length > 0 || outcome.error !== undefined;
  stored.setSignalState(failed ? 'failed' : 'done');
  deps.stats.signals(outcome.signalled.length, failed ? Math.max(1, outcome.failed.length) : 0);
  if (failed) {
    // Not a delivery failure: the change is recorded, and a redelivery of it signals again.
    log.warn(
      {
        code: SIGNAL_FAILED_CODE,
        entity,
        signalled: outcome.signalled,
        failed: outcome.failed,
        err: outcome.error,
      },
      'could not signal every running review about a config change',
    );
  }
  log.info({ entity, type, status, signalled: outcome.signalled }, 'config change handled');
  return { status, signalled: outcome.signalled };
}
