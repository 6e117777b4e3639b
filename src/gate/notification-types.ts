// The gate config's notification settings: which events, for which reviews, to which targets.
// Types and plain values only (workflow code reads them); re-exported by ./types.ts.

/** When a review tells people: it waits for a person, decided, was superseded, or failed. */
export type NotificationEvent = 'waiting' | 'decided' | 'superseded' | 'failed';
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = [
  'waiting',
  'decided',
  'superseded',
  'failed',
];

/**
 * Where a review's notifications go. Every route whose fields all match sends to its targets; a
 * review no route matches goes to NOTIFY_SLACK_WEBHOOK_URL and NOTIFY_WEBHOOK_URL. A matching route
 * without targets silences those reviews.
 */
export interface NotificationRoute {
  /** Reviews of these release pipeline IDs; any when absent. */
  pipelines?: string[];
  /** Reviews that planned at least one of these suites; any when absent. */
  suites?: string[];
  /** Which events; all when absent. */
  events?: NotificationEvent[];
  /** A Slack incoming webhook URL. */
  slack?: string;
  /** A JSON webhook, signed like Statsig's (`secret` defaults to NOTIFY_WEBHOOK_SECRET). */
  webhook?: { url: string; secret?: string };
}

export interface NotificationSettings {
  routes?: NotificationRoute[];
}
