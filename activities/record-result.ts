// Records a decided review: the decision goes into the stored report (when the review got that far),
// and the review's events go to Statsig beside the rollout (log_event) when a server secret is set.
//
// Recording is at least once, never silently lost, and de-duplicable: Statsig's Events API can be
// neither asked what it holds nor given an idempotency key, so
// - every event carries a key stable across attempts (`metadata.eventKey`: the review's workflow
//   and run IDs and the event's place), which is what a consumer de-duplicates on;
// - once Statsig has answered, a marker in the report store says so, and a later attempt (the
//   worker died before Temporal heard the activity complete, say) sends nothing.
// What no client can prevent: an answer lost after Statsig took the events (a timeout, a dropped
// connection) leaves no marker, and the retry sends the same events again, same keys, same content.
import { Context } from '@temporalio/activity';
import { errorMessage } from '../src/error-message';
import type { ReportStore, ReviewKey } from '../src/gate/report/store';
import { redactSecrets } from '../src/redact';
import type { StatsigEventsClient } from '../src/statsig/events-client';
import type { LogEventBody } from '../src/statsig/schemas';
import type { ReviewActivities, ReviewReport } from '../workflows/contract';
import { cancellation, reviewKey } from './context';
import { toFailure } from './failures';

/** The decision has been made already: a report that cannot be updated is logged, not fatal. */
async function addDecisionToReport(reports: ReportStore, report: ReviewReport): Promise<void> {
  try {
    const key = reviewKey();
    const stored = await reports.readReport(key);
    if (!stored) return;
    const { override } = report;
    await reports.writeReport(key, {
      ...stored,
      decision: {
        outcome: report.outcome,
        action: report.action,
        reason: report.reason,
        ...(override
          ? {
              override: {
                actor: override.actor,
                decision: override.decision,
                ...(override.reason ? { reason: override.reason } : {}),
              },
            }
          : {}),
        decidedAt: new Date(report.decidedAtMs).toISOString(),
        ...(report.rollback ? { rollback: report.rollback } : {}),
      },
    });
  } catch (error) {
    Context.current().log.warn('could not add the decision to the stored report', {
      error: errorMessage(error),
    });
  }
}

/** The review's own event: what it decided, and each criterion's observed value and verdict. */
function reviewMetadata(report: ReviewReport): Record<string, string> {
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
  return metadata;
}

/**
 * A run's failure as an event shows it. Failures are redacted where they are made; again here, as
 * this text leaves for Statsig, and before the cut: a key cut in half would no longer be recognised.
 */
function eventError(text: string): string {
  return redactSecrets(text).slice(0, 500);
}

/** The key of a review's event: the same on every attempt, different for every event and review. */
export function eventKey(review: ReviewKey, index: number): string {
  return `${review.workflowId}/${review.runId}/${index}`;
}

/** The events a decided review logs: one for the review, one per benchmark, each with its key. */
export function reviewEvents(report: ReviewReport, review: ReviewKey): LogEventBody['events'] {
  const user = { userID: 'rollout-gate' };
  const perBenchmark = report.benchmarks.map((outcome, index) => ({
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
        : { error: eventError(outcome.error) }),
      // Last, so that no metric of that name can replace it.
      eventKey: eventKey(review, index + 1),
    },
  }));
  return [
    {
      eventName: 'rollout_gate_review',
      value: report.verdict ?? report.outcome,
      time: report.decidedAtMs,
      user,
      metadata: { ...reviewMetadata(report), eventKey: eventKey(review, 0) },
    },
    ...perBenchmark,
  ];
}

/** Whether Statsig has answered this review's log_event before (a marker no error can fake). */
async function answeredBefore(reports: ReportStore, review: ReviewKey): Promise<boolean> {
  return (await reports.readEventsMarker(review)) !== undefined;
}

export function createRecordResult(
  reports: ReportStore,
  events: StatsigEventsClient | undefined,
): ReviewActivities['recordReviewResult'] {
  return async function recordReviewResult(report) {
    if (report.evaluation) await addDecisionToReport(reports, report);
    if (!events) return 'skipped';
    const review = reviewKey();
    if (await answeredBefore(reports, review)) {
      Context.current().log.info('log_event was answered on an earlier attempt: not sent again');
      return 'recorded';
    }
    const body = reviewEvents(report, review);
    try {
      await events.logEvents(body, cancellation());
    } catch (error) {
      return toFailure(error);
    }
    try {
      await reports.writeEventsMarker(review, {
        recordedAt: new Date().toISOString(),
        eventKeys: body.flatMap((event) => event.metadata?.eventKey ?? []),
      });
    } catch (error) {
      // Recorded all the same; only a later attempt, should there be one, would send again.
      Context.current().log.warn('could not write the log_event marker', {
        error: errorMessage(error),
      });
    }
    return 'recorded';
  };
}
