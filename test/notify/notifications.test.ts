// Notifications on the real dev server, into the sandbox's sink: an inconclusive review tells Slack
// and the signed JSON webhook once, with the reason, the deadline and the links; its decision and a
// failure are told too; a target that is down or slow does not delay the decision, and a review
// whose route names no target starts no notification at all.
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ReceivedNotification } from '../../src/sandbox';
import { verifySignature } from '../../src/statsig/webhook-signature';
import type { ReviewReport } from '../../workflows/contract';
import { type ControllableGate, controllableGate } from '../helpers/controllable-gate';
import { eventually, faultTriggerReads, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { workflowBundleOption } from '../helpers/temporal';

jest.setTimeout(180_000);

const SECRET = randomBytes(24).toString('hex');
const UI = 'http://ui.example:8080';
let stack: Stack;
let gate: ControllableGate;

beforeAll(async () => {
  gate = controllableGate();
  stack = await startStack({
    gate: gate.gate,
    seed: testSeed(),
    notify: (sandboxUrl) => ({
      slackWebhookUrl: `${sandboxUrl}/_sandbox/notify/slack`,
      webhookUrl: `${sandboxUrl}/_sandbox/notify/webhook`,
      webhookSecret: SECRET,
      temporalUiUrl: UI,
      namespace: 'default',
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

interface WebhookBody {
  type: string;
  key: string;
  event: string;
  reason: string;
  verdict: string | null;
  action: string | null;
  criteria: Array<{ suite: string; verdict: string; reason: string }>;
  decisionDeadline?: string;
  failure?: { activity?: string; type?: string };
  review: { workflowId: string; runId: string; stage: string; triggerID: string };
  links: { temporalUi?: string };
}

interface SlackBody {
  text: string;
  blocks: Array<{
    type: string;
    text?: { type: string; text: string };
    fields?: Array<{ text: string }>;
    elements?: Array<{ type: string; url?: string; text?: unknown }>;
  }>;
}

/** What reached the sink about one review and event, by channel. */
function received(workflowId: string, event: string) {
  const ours = stack.sandbox.sandbox.notifications.filter((notification) =>
    notification.rawBody.includes(workflowId),
  );
  const webhook = ours.filter(
    (notification) =>
      notification.channel === 'webhook' && (notification.body as WebhookBody).event === event,
  );
  const slack = ours.filter(
    (notification) =>
      notification.channel === 'slack' &&
      webhook.some((hook) => (notification.body as SlackBody).text.startsWith(titleOf(hook))),
  );
  return { slack, webhook };
}

const titleOf = (notification: ReceivedNotification) =>
  (notification.body as { title: string }).title;

async function both(workflowId: string, event: string) {
  return eventually(() => {
    const got = received(workflowId, event);
    return got.slack.length > 0 && got.webhook.length > 0 ? got : undefined;
  }, 60_000);
}

function blockText(body: SlackBody): string {
  return body.blocks
    .flatMap((block) => [block.text?.text ?? '', ...(block.fields ?? []).map((f) => f.text)])
    .join('\n');
}

it('tells Slack and the signed webhook once that an inconclusive review waits, with the reason; then its decision', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service unreachable' });
  const handle = await startReview(stack, trigger);
  const { workflowId } = handle;
  const { runId } = await handle.describe();
  const { slack, webhook } = await both(workflowId, 'waiting');

  const [hook] = webhook;
  if (!hook) throw new Error('no webhook notification');
  const check = verifySignature(Buffer.from(hook.rawBody), hook.headers, {
    secrets: [SECRET],
    toleranceMs: 5 * 60 * 1000,
    nowMs: Date.now(),
  });
  expect(check.ok).toBe(true);
  const key = `${workflowId}/${runId}/waiting`;
  expect(hook.headers).toMatchObject({
    'x-rollout-gate-event': 'waiting',
    'x-rollout-gate-delivery': key,
    'idempotency-key': key,
  });
  const body = hook.body as WebhookBody;
  expect(body).toMatchObject({
    type: 'rollout_gate.review.waiting',
    key,
    verdict: 'inconclusive',
    action: null,
    review: { workflowId, runId, stage: 'waiting for a person', triggerID: trigger.id },
    links: { temporalUi: `${UI}/namespaces/default/workflows/${workflowId}/${runId}` },
  });
  expect(body.reason).toMatch(/inconclusive: prompt-quality: .*eval service unreachable/);
  expect(body.criteria).toEqual([
    expect.objectContaining({ suite: 'prompt-quality', verdict: 'inconclusive' }),
  ]);
  expect(Date.parse(body.decisionDeadline ?? '')).toBeGreaterThan(Date.now() + 23 * 3600_000);

  const message = slack[0]?.body as SlackBody;
  expect(message.blocks[0]).toEqual({
    type: 'header',
    text: {
      type: 'plain_text',
      text: `⏳ ${trigger.dynamicConfigID} waits for a person's decision`,
    },
  });
  const text = blockText(message);
  expect(text).toContain('*Verdict*\ninconclusive');
  expect(text).toMatch(/\*Reason\*\n.*eval service unreachable/);
  expect(text).toMatch(
    /\*Criteria that did not pass\*\n• inconclusive prompt-quality \/ quality &gt;= 0\.8: no measurement/,
  );
  expect(text).toMatch(/\*Decide by\* <!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-/);
  expect(message.blocks).toContainEqual({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Open in Temporal UI' },
        url: `${UI}/namespaces/default/workflows/${workflowId}/${runId}`,
      },
    ],
  });

  await handle.executeUpdate('decide', { args: [{ decision: 'approve', actor: 'ana' }] });
  expect(await handle.result()).toMatchObject({ action: 'approved' });
  const decided = await both(workflowId, 'decided');
  expect(decided.webhook[0]?.body).toMatchObject({ action: 'approved' });
  expect(decided.slack[0]?.body).toMatchObject({
    text: expect.stringContaining('approved by ana'),
  });
  // Each event went out once per channel, retries or not.
  const again = received(workflowId, 'waiting');
  expect([again.slack.length, again.webhook.length]).toEqual([1, 1]);
  expect([decided.slack.length, decided.webhook.length]).toEqual([1, 1]);
  // A history with notifications (behind their patch) replays on the current code.
  await expect(
    Worker.runReplayHistory(workflowBundleOption(), await handle.fetchHistory(), workflowId),
  ).resolves.toBeUndefined();
});

it('tells of a failed review: the stage, the activity, the failure', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
    status: 403,
    // The local load's read, then the ordinary load's: the failure the notification names.
    times: 2,
  });
  const handle = await startReview(stack, trigger);
  await expect(handle.result()).rejects.toThrow();
  const { slack, webhook } = await both(handle.workflowId, 'failed');
  expect(webhook[0]?.body).toMatchObject({
    type: 'rollout_gate.review.failed',
    review: { stage: 'load target' },
    failure: { activity: 'loadReviewTarget', type: 'StatsigRejected' },
    reason: expect.stringContaining('403'),
  });
  expect(blockText(slack[0]?.body as SlackBody)).toContain(
    `*Failed at* load target (loadReviewTarget): StatsigRejected. Re-run: \`rollout-gate review rerun ${handle.workflowId}\``,
  );
});

it('decides on time while its notification targets are down or hanging', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const sink = `${stack.sandbox.url}/_sandbox/notify`;
  // This pipeline's route: a Slack that answers 503, a webhook that holds every request 2 minutes.
  gate.gate.notifications = {
    routes: [
      {
        pipelines: [trigger.releasePipelineID],
        slack: `${sink}/slack?status=503`,
        webhook: { url: `${sink}/webhook?delayMs=120000`, secret: SECRET },
      },
    ],
  };
  try {
    const handle = await startReview(stack, trigger);
    const report = (await handle.result()) as ReviewReport;
    expect(report).toMatchObject({ outcome: 'decided', action: 'approved' });
    expect(writesFor(stack, trigger)).toHaveLength(1);
    const { runId } = await handle.describe();
    // The notification is still being tried, on its own: the decision did not wait for it.
    const notification = stack.client.workflow.getHandle(
      `${handle.workflowId}-notify-decided-${runId}`,
    );
    expect((await notification.describe()).status.name).toBe('RUNNING');
    // Slack refused it; the webhook holds it: both were tried while the review went on.
    const tried = (channel: string, status: number) =>
      stack.sandbox.sandbox.notifications.some(
        (received) =>
          received.channel === channel &&
          received.status === status &&
          received.rawBody.includes(handle.workflowId),
      );
    await eventually(() => tried('slack', 503) && tried('webhook', 200), 60_000);
    await notification.terminate('test over');
  } finally {
    gate.gate.notifications = undefined;
  }
});

it('starts no notification for a review whose route names no target', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  gate.gate.notifications = { routes: [{ pipelines: [trigger.releasePipelineID] }] };
  try {
    const handle = await startReview(stack, trigger);
    const report = (await handle.result()) as ReviewReport & { policy: { notify?: boolean } };
    expect(report).toMatchObject({ action: 'approved', policy: { notify: false } });
    const { runId } = await handle.describe();
    await expect(
      stack.client.workflow.getHandle(`${handle.workflowId}-notify-decided-${runId}`).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  } finally {
    gate.gate.notifications = undefined;
  }
});

it('retries a destination that failed without repeating the one that was reached', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const sink = `${stack.sandbox.url}/_sandbox/notify`;
  gate.gate.notifications = {
    routes: [
      {
        pipelines: [trigger.releasePipelineID],
        slack: `${sink}/slack`,
        webhook: { url: `${sink}/webhook?status=500`, secret: SECRET },
      },
    ],
  };
  try {
    const handle = await startReview(stack, trigger);
    await handle.result();
    const ours = (channel: string) =>
      stack.sandbox.sandbox.notifications.filter(
        (received) => received.channel === channel && received.rawBody.includes(handle.workflowId),
      );
    // The first retry comes 5 s after the first attempt; wait for the second and third attempts.
    await eventually(() => ours('webhook').length >= 3, 90_000);
    expect(ours('slack')).toHaveLength(1);
    const { runId } = await handle.describe();
    await stack.client.workflow
      .getHandle(`${handle.workflowId}-notify-decided-${runId}`)
      .terminate('test over');
  } finally {
    gate.gate.notifications = undefined;
  }
});
