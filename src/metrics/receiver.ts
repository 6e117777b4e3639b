// The receiver's Prometheus metrics. They ride on the same calls as GET /stats (one place counts,
// two places show), plus the HTTP status of every answer to a webhook delivery.
import { Counter, type Registry } from 'prom-client';
import type { ReviewSource } from '../../workflows/contract';
import type { EventKind } from '../receiver/events';
import type { EventOutcome, ReceiverStats } from '../receiver/stats';
import type { SignatureFailureCode } from '../statsig/webhook-signature';
import { METRIC_PREFIX } from './registry';
import { countStarts } from './starts';

export interface ReceiverMetrics {
  readonly registry: Registry;
  /** Every answer to POST /webhooks/statsig, by HTTP status. */
  webhookAnswered(status: number): void;
  /** Wraps the receiver's counters so each count also reaches Prometheus. */
  instrument(stats: ReceiverStats): ReceiverStats;
  /** A review the receiver started other than by webhook (a re-run through the review API). */
  reviewStarted(source: ReviewSource): void;
}

export function createReceiverMetrics(registry: Registry): ReceiverMetrics {
  const webhookRequests = new Counter({
    name: `${METRIC_PREFIX}webhook_requests_total`,
    help: 'Answers to Statsig webhook deliveries, by HTTP status (200 acknowledged, 401 bad signature, 503 Temporal unavailable, …).',
    labelNames: ['status'],
    registers: [registry],
  });
  const signatureFailures = new Counter({
    name: `${METRIC_PREFIX}webhook_signature_failures_total`,
    help: 'Webhook deliveries refused for their signature, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const events = new Counter({
    name: `${METRIC_PREFIX}webhook_events_total`,
    help: 'Events in acknowledged deliveries, by kind and what the receiver did with them.',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const reviewStarted = countStarts(registry, ['webhook', 'rerun']);
  const errors = new Counter({
    name: `${METRIC_PREFIX}http_errors_total`,
    help: 'Error answers of the receiver, by stable error code and HTTP status.',
    labelNames: ['code', 'status'],
    registers: [registry],
  });
  const signals = new Counter({
    name: `${METRIC_PREFIX}config_change_signals_total`,
    help: 'Config-change signals to running reviews, by result.',
    labelNames: ['result'],
    registers: [registry],
  });

  // Zero-valued series from the start, so a rate() over "no failures yet" is 0 rather than absent.
  webhookRequests.inc({ status: '200' }, 0);

  // Bound children per label set: a 50-event batch counts 50 events, and hashing the labels on each
  // call would cost the receiver a measurable share of its throughput.
  const answered = new Map<number, Counter.Internal>();
  const eventCounters = new Map<string, Counter.Internal>();

  return {
    registry,
    reviewStarted: (source) => reviewStarted(source),
    webhookAnswered(status) {
      let child = answered.get(status);
      if (!child) {
        child = webhookRequests.labels(String(status));
        answered.set(status, child);
      }
      child.inc();
    },
    instrument(stats) {
      return {
        ...stats,
        event(kind: EventKind, outcome: EventOutcome) {
          stats.event(kind, outcome);
          const key = `${kind}:${outcome}`;
          let child = eventCounters.get(key);
          if (!child) {
            child = events.labels(kind, outcome);
            eventCounters.set(key, child);
          }
          child.inc();
          if (kind === 'review' && outcome === 'accepted') reviewStarted('webhook');
        },
        signatureFailure(code: SignatureFailureCode) {
          stats.signatureFailure(code);
          signatureFailures.inc({ reason: code });
        },
        error(code: string, status: number) {
          stats.error(code, status);
          errors.inc({ code, status: String(status) });
        },
        signals(sent: number, failed: number) {
          stats.signals(sent, failed);
          if (sent > 0) signals.inc({ result: 'sent' }, sent);
          if (failed > 0) signals.inc({ result: 'failed' }, failed);
        },
      };
    },
  };
}
