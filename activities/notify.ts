// Sends a review's notification to every destination its routes give (Slack, the signed JSON
// webhook), on the notification task queue. Each destination is sent at most once per attempt
// sequence: those already sent are kept in the attempt's heartbeat details, so a retry for one
// that failed does not repeat the others. Receivers can also drop repeats by the notification key.
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { reportLink } from '../src/gate/report/store';
import type { GateDefinition } from '../src/gate/types';
import { slackMessage, webhookBody } from '../src/notify/messages';
import { hostOf, NotifyError, postMessage } from '../src/notify/post';
import { destinationsFor } from '../src/notify/routing';
import type {
  NotificationLinks,
  NotifyDestination,
  NotifyTargets,
  ReviewNotification,
} from '../src/notify/types';
import { signedHeaders } from '../src/statsig/webhook-signature';
import type { SideActivities } from '../workflows/side-contract';
import { cancellation } from './context';

export const NOTIFICATION_FAILED = 'NotificationFailed';

export interface NotifyDependencies extends NotifyTargets {
  /** The Temporal UI's base URL and the namespace, for links to the review. */
  temporalUiUrl?: string;
  namespace?: string;
  /** Where GATE_REPORTS_DIR is served over HTTP (GATE_REPORTS_URL), with the folder itself. */
  reportsUrl?: string;
  reportsDir?: string;
  /** Per HTTP call; default 10 s. */
  timeoutMs?: number;
}

function linksFor(notification: ReviewNotification, deps: NotifyDependencies): NotificationLinks {
  const links: NotificationLinks = {};
  if (deps.temporalUiUrl) {
    const base = deps.temporalUiUrl.replace(/\/+$/, '');
    const namespace = encodeURIComponent(deps.namespace ?? 'default');
    links.temporalUi = `${base}/namespaces/${namespace}/workflows/${encodeURIComponent(notification.workflowId)}/${encodeURIComponent(notification.runId)}`;
  }
  const markdown = notification.report?.markdown;
  if (deps.reportsUrl && deps.reportsDir && markdown?.startsWith(deps.reportsDir)) {
    links.report = reportLink(markdown, deps.reportsDir, deps.reportsUrl);
  }
  return links;
}

function request(
  destination: NotifyDestination,
  notification: ReviewNotification,
  links: NotificationLinks,
): { body: string; headers: Record<string, string> } {
  if (destination.kind === 'slack') {
    return { body: JSON.stringify(slackMessage(notification, links)), headers: {} };
  }
  const body = JSON.stringify(webhookBody(notification, links));
  return {
    body,
    headers: {
      // Statsig's scheme and header names, so the verifier of Statsig's webhooks checks these too.
      ...signedHeaders(destination.secret, body),
      'x-rollout-gate-event': notification.event,
      'x-rollout-gate-delivery': notification.key,
      'idempotency-key': notification.key,
    },
  };
}

/** A destination's name in results and logs: its kind and host, never its full URL. */
const nameOf = (destination: NotifyDestination) => `${destination.kind}:${hostOf(destination.url)}`;

/** What the heartbeat keeps of a destination already sent to: a digest, as the URL is a secret. */
const digestOf = (destination: NotifyDestination) =>
  createHash('sha256').update(destination.url).digest('hex').slice(0, 16);

export function createNotify(
  gate: Pick<GateDefinition, 'notifications'>,
  deps: NotifyDependencies,
): Pick<SideActivities, 'sendReviewNotification'> {
  return {
    async sendReviewNotification(notification) {
      const context = Context.current();
      const destinations = destinationsFor(notification, gate.notifications, deps);
      const links = linksFor(notification, deps);
      const earlier = context.info.heartbeatDetails as { sent?: string[] } | undefined;
      const sent = new Set(earlier?.sent ?? []);
      const failures: NotifyError[] = [];
      for (const destination of destinations) {
        const name = nameOf(destination);
        if (sent.has(digestOf(destination))) continue;
        const { body, headers } = request(destination, notification, links);
        try {
          await postMessage(destination.url, body, headers, {
            timeoutMs: deps.timeoutMs ?? 10_000,
            signal: cancellation(),
          });
          sent.add(digestOf(destination));
          context.heartbeat({ sent: [...sent] });
        } catch (error) {
          if (!(error instanceof NotifyError)) throw error;
          context.log.warn('notification not delivered', {
            destination: name,
            error: error.message,
          });
          failures.push(error);
        }
      }
      if (failures.length > 0) {
        throw ApplicationFailure.create({
          type: NOTIFICATION_FAILED,
          message: failures.map((failure) => failure.message).join('; '),
          // A destination that refuses for good (a revoked Slack URL) is not worth an hour of retries.
          nonRetryable: failures.every((failure) => !failure.retryable),
        });
      }
      return {
        sent: destinations.filter((destination) => sent.has(digestOf(destination))).map(nameOf),
      };
    },
  };
}
