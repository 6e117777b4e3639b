// Outcome counters for the receiver, kept in one place: GET /stats reads them, and the Prometheus
// metrics (src/metrics/receiver.ts) count the same calls. Plain integers in memory: they reset when
// the process restarts.

import type { SignatureFailureCode } from '../statsig/webhook-signature';
import type { EventKind } from './events';

/** What happened to one event of a delivery; the same words as the delivery summary's `status`. */
export type EventOutcome = 'accepted' | 'duplicate' | 'recorded' | 'ignored' | 'unreadable';

export interface ReceiverStatsSnapshot {
  startedAt: string;
  /** Webhook deliveries answered 2xx (url_verification handshakes included). */
  deliveries: number;
  /** Events by outcome, across all acknowledged deliveries. */
  events: Record<EventOutcome, number>;
  /** Events by kind (unreadable ones by what they looked like): exposures and unknown kinds are counted here, then dropped. */
  eventKinds: Record<EventKind, number>;
  /** Signature rejections by reason (the 401s). */
  signatureFailures: Partial<Record<SignatureFailureCode, number>>;
  /** Error answers by stable error code, with their HTTP status. */
  errors: Record<string, { status: number; count: number }>;
  /** CONFIG_CHANGED_SIGNAL deliveries to running reviews. */
  signals: { sent: number; failed: number };
}

export interface ReceiverStats {
  delivery(): void;
  event(kind: EventKind, outcome: EventOutcome): void;
  signatureFailure(code: SignatureFailureCode): void;
  error(code: string, status: number): void;
  signals(sent: number, failed: number): void;
  snapshot(): ReceiverStatsSnapshot;
}

export function createStats(now: () => number = Date.now): ReceiverStats {
  const startedAt = new Date(now()).toISOString();
  let deliveries = 0;
  const events: Record<EventOutcome, number> = {
    accepted: 0,
    duplicate: 0,
    recorded: 0,
    ignored: 0,
    unreadable: 0,
  };
  const eventKinds: Record<EventKind, number> = {
    review: 0,
    config_change: 0,
    exposure: 0,
    custom: 0,
    unknown: 0,
  };
  const signatureFailures = new Map<SignatureFailureCode, number>();
  const errors = new Map<string, { status: number; count: number }>();
  const signals = { sent: 0, failed: 0 };

  return {
    delivery() {
      deliveries += 1;
    },
    event(kind, outcome) {
      eventKinds[kind] += 1;
      events[outcome] += 1;
    },
    signatureFailure(code) {
      signatureFailures.set(code, (signatureFailures.get(code) ?? 0) + 1);
    },
    error(code, status) {
      const entry = errors.get(code);
      if (entry) entry.count += 1;
      else errors.set(code, { status, count: 1 });
    },
    signals(sent, failed) {
      signals.sent += sent;
      signals.failed += failed;
    },
    snapshot() {
      return {
        startedAt,
        deliveries,
        events: { ...events },
        eventKinds: { ...eventKinds },
        signatureFailures: Object.fromEntries(signatureFailures),
        errors: Object.fromEntries([...errors].map(([code, entry]) => [code, { ...entry }])),
        signals: { ...signals },
      };
    },
  };
}
