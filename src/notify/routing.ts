// Which destinations a review's notification goes to: every gate-config route whose fields all match
// (pipeline, planned suite, event), else the NOTIFY_* defaults. Pure, so it is tested without I/O.
import type { NotificationSettings } from '../gate/types';
import type { NotifyDestination, NotifyTargets, ReviewNotification } from './types';

type Routed = Pick<ReviewNotification, 'event' | 'suites'> & {
  request: Pick<ReviewNotification['request'], 'releasePipelineID'>;
};

function defaults(targets: NotifyTargets): NotifyDestination[] {
  const destinations: NotifyDestination[] = [];
  if (targets.slackWebhookUrl) destinations.push({ kind: 'slack', url: targets.slackWebhookUrl });
  if (targets.webhookUrl && targets.webhookSecret) {
    destinations.push({ kind: 'webhook', url: targets.webhookUrl, secret: targets.webhookSecret });
  }
  return destinations;
}

/** The destinations for one notification, without repeats (the same URL twice is sent once). */
export function destinationsFor(
  notification: Routed,
  settings: NotificationSettings | undefined,
  targets: NotifyTargets,
): NotifyDestination[] {
  const matching = (settings?.routes ?? []).filter(
    (route) =>
      (route.pipelines === undefined ||
        route.pipelines.includes(notification.request.releasePipelineID)) &&
      (route.suites === undefined ||
        route.suites.some((suite) =>
          // A `forEach` suite runs as copies named `<suite>@<scope>`.
          notification.suites.some((name) => name === suite || name.startsWith(`${suite}@`)),
        )) &&
      (route.events === undefined || route.events.includes(notification.event)),
  );
  if (matching.length === 0) return defaults(targets);
  const destinations: NotifyDestination[] = [];
  for (const route of matching) {
    if (route.slack) destinations.push({ kind: 'slack', url: route.slack });
    if (route.webhook) {
      const secret = route.webhook.secret ?? targets.webhookSecret;
      // Validated at boot: a route's webhook without a secret needs NOTIFY_WEBHOOK_SECRET.
      if (secret) destinations.push({ kind: 'webhook', url: route.webhook.url, secret });
    }
  }
  return destinations.filter(
    (destination, index) =>
      destinations.findIndex((other) => other.url === destination.url) === index,
  );
}

/** Whether any destination could apply to a review of this pipeline with these suites. */
export function notifiesAny(
  review: Omit<Routed, 'event'>,
  settings: NotificationSettings | undefined,
  targets: NotifyTargets,
): boolean {
  return (['waiting', 'decided', 'superseded', 'failed'] as const).some(
    (event) => destinationsFor({ ...review, event }, settings, targets).length > 0,
  );
}

/** Routes whose webhook needs NOTIFY_WEBHOOK_SECRET and has none: a boot-time problem. */
export function routesWithoutSecret(
  settings: NotificationSettings | undefined,
  targets: NotifyTargets,
): number[] {
  return (settings?.routes ?? []).flatMap((route, index) =>
    route.webhook && !route.webhook.secret && !targets.webhookSecret ? [index] : [],
  );
}
