// What a review tells people, as the workflow hands it to the notification activity: plain data,
// small enough for the history, from which src/notify/ builds the Slack and JSON messages.
import type {
  ReviewAction,
  ReviewRequest,
  ReviewStage,
  TargetSummary,
} from '../../workflows/contract';
import type { KillSwitch, NotificationEvent } from '../gate/types';
import type { CriterionResult, Verdict } from '../gate/wire';

export type { NotificationEvent } from '../gate/types';

export interface ReviewNotification {
  /** `<workflowId>/<runId>/<event>`: the same on every retry, so receivers can drop repeats. */
  key: string;
  event: NotificationEvent;
  workflowId: string;
  runId: string;
  request: ReviewRequest;
  /** The stage the review was in (for `failed`, the one that failed). */
  stage: ReviewStage;
  target?: TargetSummary;
  verdict?: Verdict;
  action?: ReviewAction;
  /** Why: the decision's reason, the failing criteria in short, or the failure's message. */
  reason: string;
  /** Criteria that did not pass (failing or inconclusive), with their reasons. */
  criteria: Array<Pick<CriterionResult, 'suite' | 'metric' | 'name' | 'verdict' | 'reason'>>;
  /** The suites the review planned, for routing by suite; empty before planning. */
  suites: string[];
  /** While waiting for a person: until when (ms since epoch), and what happens then. */
  decisionDeadlineMs?: number;
  onDeadline?: KillSwitch;
  /** The stored report (paths in the workers' report store). */
  report?: { json: string; markdown: string };
  /** For `failed`: the activity that failed, and the failure's type. */
  failure?: { activity?: string; type?: string };
  atMs: number;
}

/** Where notifications go by default: the NOTIFY_* settings. */
export interface NotifyTargets {
  slackWebhookUrl?: string;
  webhookUrl?: string;
  /** Signs NOTIFY_WEBHOOK_URL's messages, and those of routes that name no secret of their own. */
  webhookSecret?: string;
}

/** One destination, resolved for one notification. */
export type NotifyDestination =
  | { kind: 'slack'; url: string }
  | { kind: 'webhook'; url: string; secret: string };

/** Links a message carries: the review in the Temporal UI, and its report when served somewhere. */
export interface NotificationLinks {
  temporalUi?: string;
  report?: string;
}
