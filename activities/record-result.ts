// Records a decided review: the decision goes into the stored report (when the review got that far),
// and the review's events go to Statsig beside the rollout (log_event) when a server secret is set.
import { Context } from '@temporalio/activity';
import { errorMessage } from '../src/error-message';
import type { ReportStore } from '../src/gate/report/store';
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

/** The events a decided review logs: one for the review, one per benchmark. */
export function reviewEvents(report: ReviewReport): LogEventBody['events'] {
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
        : { error: eventError(outcome.error) }),
    },
  }));
  return [
    {
      eventName: 'rollout_gate_review',
      value: report.verdict ?? report.outcome,
      time: report.decidedAtMs,
      user,
      metadata: reviewMetadata(report),
    },
    ...perBenchmark,
  ];
}

export function createRecordResult(
  reports: ReportStore,
  events: StatsigEventsClient | undefined,
): ReviewActivities['recordReviewResult'] {
  return async function recordReviewResult(report) {
    if (report.evaluation) await addDecisionToReport(reports, report);
    if (!events) return 'skipped';
    try {
      await events.logEvents(reviewEvents(report), cancellation());
      return 'recorded';
    } catch (error) {
      return toFailure(error);
    }
  };
}
