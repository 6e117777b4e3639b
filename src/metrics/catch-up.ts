// What the catch-up found, as the worker that ran it last shows it: gauges of what needs a person
// (take max() across workers: each shows the catch-up it ran last, with its time), and the reviews
// it started, counted by source with the receiver's.
import { Gauge, type Registry } from 'prom-client';
import type { CatchUpFindings } from '../../workflows/side-contract';
import { METRIC_PREFIX } from './registry';
import { countStarts } from './starts';

export function catchUpMetrics(registry: Registry): (findings: CatchUpFindings) => void {
  const registers = [registry];
  const gauge = (name: string, help: string) =>
    new Gauge({ name: `${METRIC_PREFIX}${name}`, help, registers });
  const lastRun = gauge(
    'catch_up_timestamp_seconds',
    'When this worker last ran the catch-up (the gauges below are from that run).',
  );
  const waiting = gauge(
    'waiting_phases',
    'Phases waiting for review in Statsig, at the last catch-up.',
  );
  const withoutReview = gauge(
    'waiting_phases_without_review',
    'Phases waiting for review in Statsig whose review ended without deciding (failed, cancelled, inconclusive with no action): a person must re-run or decide.',
  );
  const waitingForPerson = gauge(
    'reviews_waiting_for_person',
    'Running reviews waiting for a person to decide, at the last catch-up.',
  );
  const retrying = gauge(
    'reviews_retrying_statsig',
    'Running reviews whose Statsig call has retried longer than REVIEW_STUCK_AFTER, at the last catch-up.',
  );
  const started = countStarts(registry, ['catch-up']);
  return (findings) => {
    lastRun.set(findings.ranAtMs / 1000);
    waiting.set(findings.waiting);
    withoutReview.set(findings.withoutReview.length);
    waitingForPerson.set(findings.waitingForPerson);
    retrying.set(findings.retryingStatsig);
    if (findings.started.length > 0) started('catch-up', findings.started.length);
  };
}
