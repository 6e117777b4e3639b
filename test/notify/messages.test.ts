// The notification's pieces without a server: which destinations a review's routes give, the Slack
// Block Kit message and the generic JSON body, and the gate config's routes checked at load.
import { defineGate } from '../../src/gate/define';
import type { NotificationSettings } from '../../src/gate/types';
import { slackMessage, title, webhookBody } from '../../src/notify/messages';
import { destinationsFor, notifiesAny, routesWithoutSecret } from '../../src/notify/routing';
import type { ReviewNotification } from '../../src/notify/types';

const SECRET = 'a-webhook-secret-of-some-length';

function notification(overrides: Partial<ReviewNotification> = {}): ReviewNotification {
  return {
    key: 'review-t1-p1/run-1/waiting',
    event: 'waiting',
    workflowId: 'review-t1-p1',
    runId: 'run-1',
    request: { releasePipelineID: 'rp_a', triggerID: 't1', phaseID: 'p1', receivedAtMs: 0 },
    stage: 'waiting for a person',
    target: { kind: 'dynamic_config', id: 'chat_prompt', name: 'chat_prompt', version: 3 },
    verdict: 'inconclusive',
    reason: 'the verdict is inconclusive: quality: no measurement',
    criteria: [
      { suite: 'quality', metric: 'score', verdict: 'inconclusive', reason: 'no measurement <x>' },
    ],
    suites: ['quality'],
    decisionDeadlineMs: Date.UTC(2030, 0, 2, 3, 4, 5),
    onDeadline: 'abort',
    atMs: Date.UTC(2030, 0, 1),
    ...overrides,
  };
}

describe('routing', () => {
  const targets = {
    slackWebhookUrl: 'https://hooks.slack.example/default',
    webhookUrl: 'https://hooks.example/default',
    webhookSecret: SECRET,
  };
  const settings: NotificationSettings = {
    routes: [
      { pipelines: ['rp_b'], slack: 'https://hooks.slack.example/b' },
      { suites: ['latency'], events: ['failed'], webhook: { url: 'https://oncall.example/hook' } },
      { suites: ['latency'], slack: 'https://hooks.slack.example/b' },
      { pipelines: ['rp_quiet'] },
    ],
  };

  it('sends a review no route matches to the NOTIFY_* defaults', () => {
    expect(destinationsFor(notification(), settings, targets)).toEqual([
      { kind: 'slack', url: targets.slackWebhookUrl },
      { kind: 'webhook', url: targets.webhookUrl, secret: SECRET },
    ]);
    expect(destinationsFor(notification(), undefined, {})).toEqual([]);
  });

  it("routes by pipeline, planned suite and event, each URL once, a route's webhook signed with the default secret", () => {
    const latencyFailure = notification({ event: 'failed', suites: ['latency'] });
    expect(destinationsFor(latencyFailure, settings, targets)).toEqual([
      { kind: 'webhook', url: 'https://oncall.example/hook', secret: SECRET },
      { kind: 'slack', url: 'https://hooks.slack.example/b' },
    ]);
    const pipelineB = notification({
      suites: ['latency'],
      request: { ...notification().request, releasePipelineID: 'rp_b' },
    });
    expect(destinationsFor(pipelineB, settings, targets)).toEqual([
      { kind: 'slack', url: 'https://hooks.slack.example/b' },
    ]);
  });

  it('silences reviews of a route without targets, and says so before a review starts one', () => {
    const quiet = { request: { releasePipelineID: 'rp_quiet' }, suites: ['quality'] };
    expect(destinationsFor({ ...quiet, event: 'decided' }, settings, targets)).toEqual([]);
    expect(notifiesAny(quiet, settings, targets)).toBe(false);
    expect(notifiesAny({ ...quiet, request: { releasePipelineID: 'rp_x' } }, settings, {})).toBe(
      false,
    );
    expect(notifiesAny({ ...quiet, suites: ['latency'] }, settings, {})).toBe(true);
  });

  it('names the routes whose webhook has no secret at all', () => {
    expect(routesWithoutSecret(settings, {})).toEqual([1]);
    expect(routesWithoutSecret(settings, { webhookSecret: SECRET })).toEqual([]);
  });
});

describe('the Slack message', () => {
  it('is Block Kit: a header, the verdict and action, the reason, the criteria, the deadline, the links', () => {
    const message = slackMessage(notification(), {
      temporalUi: 'https://ui.example/namespaces/default/workflows/review-t1-p1/run-1',
      report: 'https://reports.example/review-t1-p1/report.md',
    });
    expect(message.text).toBe(
      "⏳ chat_prompt waits for a person's decision: the verdict is inconclusive: quality: no measurement",
    );
    expect(message.blocks.map((block) => (block as { type: string }).type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'actions',
      'context',
    ]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('*Verdict*\\ninconclusive');
    expect(text).toContain('*Entity*\\nchat_prompt (version 3)');
    // Slack's markup characters in text are escaped.
    expect(text).toContain('no measurement &lt;x&gt;');
    expect(text).toContain(
      `<!date^${Math.floor(Date.UTC(2030, 0, 2, 3, 4, 5) / 1000)}^{date_short_pretty} {time}|2030-01-02T03:04:05.000Z> (then the review pulls its default action: abort)`,
    );
    expect(message.blocks).toContainEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open in Temporal UI' },
          url: 'https://ui.example/namespaces/default/workflows/review-t1-p1/run-1',
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Read the report' },
          url: 'https://reports.example/review-t1-p1/report.md',
        },
      ],
    });
  });

  it("keeps within Slack's limits and names the report's path when it is not served", () => {
    const many = Array.from({ length: 25 }, (_, index) => ({
      suite: 'quality',
      metric: `m${index}`,
      verdict: 'fail' as const,
      reason: 'x'.repeat(400),
    }));
    const message = slackMessage(
      notification({
        event: 'decided',
        action: 'aborted',
        verdict: 'fail',
        reason: 'r'.repeat(5000),
        criteria: many,
        report: { json: '/data/r/report.json', markdown: '/data/r/report.md' },
        decisionDeadlineMs: undefined,
      }),
      {},
    );
    expect(message.text.length).toBeLessThanOrEqual(3000);
    for (const block of message.blocks as Array<{ text?: { text: string } }>) {
      expect((block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    }
    const text = JSON.stringify(message.blocks);
    expect(text).toMatch(/…and 1\d more in the report/);
    expect(text).toContain('report /data/r/report.md');
    expect(text).not.toContain('"actions"');
  });

  it('titles each event', () => {
    expect(title(notification({ event: 'decided', action: 'approved' }))).toBe(
      'chat_prompt: ✅ approved',
    );
    expect(title(notification({ event: 'superseded' }))).toBe(
      '↪️ chat_prompt: superseded, nothing done',
    );
    expect(title(notification({ event: 'failed', target: undefined }))).toBe(
      '❗ The review of trigger t1 failed',
    );
  });
});

describe('the generic webhook body', () => {
  it('carries the key, the event, the review, the reason, the deadline and the links', () => {
    const body = webhookBody(notification(), { temporalUi: 'https://ui.example/x' });
    expect(body).toMatchObject({
      type: 'rollout_gate.review.waiting',
      key: 'review-t1-p1/run-1/waiting',
      event: 'waiting',
      review: { workflowId: 'review-t1-p1', runId: 'run-1', triggerID: 't1', phaseID: 'p1' },
      verdict: 'inconclusive',
      action: null,
      decisionDeadline: '2030-01-02T03:04:05.000Z',
      onDeadline: 'abort',
      links: { temporalUi: 'https://ui.example/x' },
      at: '2030-01-01T00:00:00.000Z',
    });
  });
});

describe('routes in the gate config', () => {
  const suite = {
    name: 'quality',
    benchmarks: [{ name: 'score', run: async () => ({ metrics: { score: 1 } }) }],
    criteria: [{ metric: 'score', op: '>=' as const, threshold: 0.5 }],
  };

  it('are checked at load: suites that exist, events it knows, URLs', () => {
    expect(() =>
      defineGate({
        suites: [suite],
        notifications: {
          routes: [
            { suites: ['qualty'], slack: 'https://hooks.slack.example/x' },
            {
              events: ['exploded' as never],
              slack: 'not a url',
              webhook: { url: 'https://x.example', secret: 'short' },
            },
          ],
        },
      }),
    ).toThrow(
      /notifications\.routes\[1\]\.events\[0\]: must be one of waiting, decided, superseded, failed[\s\S]*notifications\.routes\[1\]\.slack: must be an http\(s\) URL[\s\S]*notifications\.routes\[1\]\.webhook\.secret: must be at least 16 characters/,
    );
    expect(() =>
      defineGate({
        suites: [suite],
        notifications: { routes: [{ suites: ['qualty'], slack: 'https://hooks.slack.example/x' }] },
      }),
    ).toThrow("notifications.routes[0].suites: no suite 'qualty' (quality)");
  });
});
