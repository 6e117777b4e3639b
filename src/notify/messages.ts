// The messages a notification becomes: a Slack incoming-webhook message in Block Kit, and the JSON
// body of the generic webhook. Pure: the activity (activities/notify.ts) signs and sends them.
import type { NotificationLinks, ReviewNotification } from './types';

const ACTION_TITLE: Record<string, string> = {
  approved: '✅ approved',
  aborted: '🛑 rollout aborted',
  disabled: '⛔ disabled',
  paused: '⏸️ rollout paused',
  'rolled-back': '↩️ failing rules rolled back',
  none: 'decided, no action taken',
};

/** What a person reads first: what happened to which entity. */
export function title(notification: ReviewNotification): string {
  const subject = notification.target?.name ?? `trigger ${notification.request.triggerID}`;
  switch (notification.event) {
    case 'waiting':
      return `⏳ ${subject} waits for a person's decision`;
    case 'decided':
      return `${subject}: ${ACTION_TITLE[notification.action ?? 'none'] ?? notification.action}`;
    case 'superseded':
      return `↪️ ${subject}: superseded, nothing done`;
    case 'failed':
      return `❗ The review of ${subject} failed`;
  }
}

/** Slack's mrkdwn treats these three as markup. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const MAX_CRITERIA = 10;
/** Room for the criteria in one section (Slack allows 3000 characters), with the "more" line. */
const CRITERIA_BUDGET = 2700;

function criteriaLines(notification: ReviewNotification): string[] {
  const lines: string[] = [];
  let used = 0;
  for (const criterion of notification.criteria.slice(0, MAX_CRITERIA)) {
    const line = clip(
      `• ${criterion.verdict === 'fail' ? 'FAIL' : criterion.verdict} ${criterion.suite} / ${criterion.name ?? criterion.metric}: ${criterion.reason}`,
      300,
    );
    if (used + line.length > CRITERIA_BUDGET) break;
    lines.push(line);
    used += line.length + 1;
  }
  const more = notification.criteria.length - lines.length;
  if (more > 0) lines.push(`…and ${more} more in the report`);
  return lines;
}

function deadlineText(notification: ReviewNotification): string | undefined {
  const deadline = notification.decisionDeadlineMs;
  if (deadline === undefined) return undefined;
  const iso = new Date(deadline).toISOString();
  const then =
    notification.onDeadline && notification.onDeadline !== 'none'
      ? `then the review pulls its default action: ${notification.onDeadline}`
      : 'then the phase stays waiting in Statsig';
  return `*Decide by* <!date^${Math.floor(deadline / 1000)}^{date_short_pretty} {time}|${iso}> (${then}): \`rollout-gate review approve|reject ${notification.workflowId}\``;
}

const section = (text: string) => ({
  type: 'section',
  text: { type: 'mrkdwn', text: clip(text, 2900) },
});

/** A Slack incoming-webhook message: `text` for notifications and old clients, `blocks` to read. */
export function slackMessage(notification: ReviewNotification, links: NotificationLinks) {
  const { request, target } = notification;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title(notification), 150) } },
    {
      type: 'section',
      fields: [
        `*Entity*\n${escapeMrkdwn(target ? `${target.name} (version ${target.version ?? 'n/a'})` : '-')}`,
        `*Verdict*\n${notification.verdict ?? '-'}`,
        `*Action*\n${notification.action ?? '-'}`,
        `*Pipeline / phase*\n${escapeMrkdwn(`${request.releasePipelineID} / ${request.phaseID}`)}`,
      ].map((text) => ({ type: 'mrkdwn', text })),
    },
    section(`*Reason*\n${escapeMrkdwn(notification.reason)}`),
  ];
  const criteria = criteriaLines(notification);
  if (criteria.length > 0) {
    blocks.push(section(`*Criteria that did not pass*\n${escapeMrkdwn(criteria.join('\n'))}`));
  }
  const deadline = deadlineText(notification);
  if (deadline) blocks.push(section(deadline));
  if (notification.failure) {
    const { activity, type } = notification.failure;
    blocks.push(
      section(
        `*Failed at* ${escapeMrkdwn(notification.stage)}${activity ? ` (${escapeMrkdwn(activity)})` : ''}${type ? `: ${escapeMrkdwn(type)}` : ''}. Re-run: \`rollout-gate review rerun ${notification.workflowId}\``,
      ),
    );
  }
  const buttons = [
    links.temporalUi && { text: 'Open in Temporal UI', url: links.temporalUi },
    links.report && { text: 'Read the report', url: links.report },
  ].flatMap((button) =>
    button
      ? [{ type: 'button', text: { type: 'plain_text', text: button.text }, url: button.url }]
      : [],
  );
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const context = [`review \`${notification.workflowId}\``];
  if (notification.report && !links.report) context.push(`report ${notification.report.markdown}`);
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(context.join(' · ')), 2900) }],
  });
  return { text: clip(`${title(notification)}: ${notification.reason}`, 3000), blocks };
}

/** The generic webhook's JSON: everything the notification holds, with links and ISO times. */
export function webhookBody(notification: ReviewNotification, links: NotificationLinks) {
  const { key, event, workflowId, runId, request, stage, target } = notification;
  return {
    type: `rollout_gate.review.${event}`,
    key,
    event,
    title: title(notification),
    review: { workflowId, runId, stage, ...request },
    ...(target ? { target } : {}),
    verdict: notification.verdict ?? null,
    action: notification.action ?? null,
    reason: notification.reason,
    criteria: notification.criteria,
    ...(notification.decisionDeadlineMs !== undefined
      ? {
          decisionDeadline: new Date(notification.decisionDeadlineMs).toISOString(),
          onDeadline: notification.onDeadline ?? 'none',
        }
      : {}),
    ...(notification.failure ? { failure: notification.failure } : {}),
    ...(notification.report ? { report: notification.report } : {}),
    links,
    at: new Date(notification.atMs).toISOString(),
  };
}
