// Re-running reviews on the real dev server: a failed review says why it failed and, re-run from the
// CLI, approves once; an approved one is refused (CLI and review API); a webhook redelivered after a
// failed run starts a new run, after a success nothing; an inconclusive review nobody decided is
// re-run through the review API.
import { randomBytes } from 'node:crypto';
import { createReviewControl } from '../../src/reviews/control';
import { sendWebhook } from '../../src/sandbox/webhook-sender';
import type { ReviewReport } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { runBin } from '../helpers/cli';
import { type ControllableGate, controllableGate } from '../helpers/controllable-gate';
import {
  eventually,
  faultTriggerReads,
  startReview,
  workflowIdOf,
  writesFor,
} from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal';
import { http } from '../receiver/helpers';

jest.setTimeout(180_000);

const TOKEN = randomBytes(24).toString('hex');
let stack: Stack;
let gate: ControllableGate;

beforeAll(async () => {
  gate = controllableGate();
  stack = await startStack({
    gate: gate.gate,
    seed: testSeed(),
    receiver: (client) => ({
      reviewApi: { tokens: [TOKEN], control: createReviewControl(client) },
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

const review = (args: string[]) =>
  runBin(['review', ...args], { env: { TEMPORAL_ADDRESS: testTemporalAddress() } });

const rerunOverApi = (workflowId: string, body?: unknown) =>
  http(stack.receiverUrl, `/reviews/${encodeURIComponent(workflowId)}/rerun`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** A review whose first read of the trigger Statsig refuses with 403: it fails at once. */
async function failedReview(quality = 0.9) {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality });
  faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
    status: 403,
    // The local load's read, then the ordinary load's (not retried): a re-run finds Statsig answering.
    times: 2,
  });
  const event = stack.sandbox.sandbox.reviewEvent(trigger.id);
  const handle = await startReview(stack, trigger);
  await expect(handle.result()).rejects.toThrow();
  return { trigger, event, workflowId: handle.workflowId };
}

async function latestResult(workflowId: string): Promise<ReviewReport> {
  return (await stack.client.workflow.getHandle(workflowId).result()) as ReviewReport;
}

it('says why a failed review failed, re-runs it from the CLI, and it approves once', async () => {
  const { trigger, workflowId } = await failedReview();

  const shown = await review(['show', workflowId]);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain(`Review ${workflowId}: FAILED`);
  expect(shown.stdout).toMatch(/failed at\s+stage 'load target', activity loadReviewTarget/);
  expect(shown.stdout).toMatch(/failure\s+StatsigRejected: .*403/);
  expect(shown.stdout).toMatch(/statsig\s+last answer HTTP 403/);
  expect(shown.stdout).toContain(`Re-run: rollout-gate review rerun ${workflowId}`);
  const json = JSON.parse((await review(['show', workflowId, '--json'])).stdout);
  expect(json.failure).toMatchObject({
    status: 'FAILED',
    stage: 'load target',
    activity: 'loadReviewTarget',
    type: 'StatsigRejected',
    statsigStatus: 403,
  });

  const rerun = await review(['rerun', workflowId, '--actor', 'ana', '--reason', 'key fixed']);
  expect(rerun.code).toBe(0);
  expect(rerun.stdout).toMatch(
    new RegExp(`^Re-running ${workflowId}: new run \\S+ \\(the previous run \\S+: it ended FAILED`),
  );
  expect(await latestResult(workflowId)).toMatchObject({ action: 'approved' });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  const described = await stack.client.workflow.getHandle(workflowId).describe();
  expect(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.source)).toBe('rerun');
  expect(await described.memo).toMatchObject({
    rerunOf: { status: 'FAILED', by: 'ana', reason: 'key fixed' },
  });

  // Approved now: a second re-run is refused with the reason, from the CLI and over HTTP.
  const refused = await review(['rerun', workflowId]);
  expect(refused.code).toBe(4);
  expect(refused.stderr).toContain(`review ${workflowId} already approved the phase`);
  const overApi = await rerunOverApi(workflowId, { actor: 'bob' });
  expect(overApi.status).toBe(409);
  expect(overApi.body).toMatchObject({ error: { code: 'REVIEW_RERUN_REFUSED' } });
  expect(writesFor(stack, trigger)).toHaveLength(1);
});

it('starts a new run for a webhook redelivered after a failed run, and nothing after a success', async () => {
  const { trigger, event, workflowId } = await failedReview();
  const deliver = () =>
    sendWebhook({ url: stack.webhookUrl, secret: stack.webhookSecret, payload: event });

  const afterFailure = await deliver();
  expect(afterFailure.body).toMatchObject({ events: [{ status: 'accepted', workflowId }] });
  expect(await latestResult(workflowId)).toMatchObject({ action: 'approved' });
  const { runId } = await stack.client.workflow.getHandle(workflowId).describe();

  const afterSuccess = await deliver();
  expect(afterSuccess.body).toMatchObject({ events: [{ status: 'duplicate', workflowId }] });
  expect((await stack.client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});

it('re-runs an inconclusive review that nobody decided, through the review API', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  gate.gate.policies = [{ match: { entity: configID }, policy: { decisionTimeoutMs: 1_000 } }];
  gate.control(configID, { error: 'eval service unreachable' });
  const handle = await startReview(stack, trigger);
  expect(await handle.result()).toMatchObject({ verdict: 'inconclusive', action: 'none' });

  // The eval service is back.
  gate.control(configID);
  const response = await rerunOverApi(workflowIdOf(trigger), { actor: 'oncall' });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({
    rerun: true,
    workflowId: workflowIdOf(trigger),
    previous: { status: 'COMPLETED', why: 'it ended inconclusive without acting' },
  });
  expect(await latestResult(workflowIdOf(trigger))).toMatchObject({
    verdict: 'pass',
    action: 'approved',
  });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});

it('refuses to re-run a review that is still running or was superseded, and one it does not know', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
  const handle = await startReview(stack, trigger);
  await control.started;
  const running = await review(['rerun', handle.workflowId]);
  expect([running.code, running.stderr]).toEqual([4, expect.stringContaining('is still running')]);

  await fetch(`${stack.sandbox.consoleApiUrl}/release_pipeline_triggers/${trigger.id}/abort`, {
    method: 'PUT',
    headers: { 'STATSIG-API-KEY': stack.consoleApiKey },
  });
  control.release();
  expect(await handle.result()).toMatchObject({ outcome: 'superseded' });
  const superseded = await rerunOverApi(handle.workflowId);
  expect(superseded.status).toBe(409);
  expect(superseded.body).toMatchObject({
    error: { code: 'REVIEW_RERUN_REFUSED', message: expect.stringContaining('was superseded') },
  });

  const unknown = await review(['rerun', 'review-rpt_nope-rp_nope']);
  expect([unknown.code, unknown.stderr.trim()]).toEqual([3, 'no review review-rpt_nope-rp_nope']);
});

it('lists the reviews waiting for a person over the review API (GET /reviews/stuck)', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service unreachable' });
  const handle = await startReview(stack, trigger);
  const stuck = await eventually(async () => {
    const response = await http(stack.receiverUrl, '/reviews/stuck?retryingMinutes=5', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = response.body as { waitingForPerson?: Array<{ workflowId: string }> };
    return body.waitingForPerson?.some((review) => review.workflowId === handle.workflowId)
      ? body
      : undefined;
  }, 60_000);
  expect(stuck).toMatchObject({
    retrying: expect.any(Array),
    // This receiver's control was given no task queue, so it cannot name the catch-up to read.
    withoutReview: { unknown: expect.stringContaining('task queue is not known') },
  });
  await handle.cancel();
});
