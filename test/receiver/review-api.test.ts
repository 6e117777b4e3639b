// The review API on the receiver, through real HTTP against real reviews: read a review while its
// benchmark runs, decide it, and every refusal with its stable code (401, 404, 409, 400, 503).
import { randomBytes } from 'node:crypto';
import { buildReceiver } from '../../src/receiver/app';
import { createReviewStarter } from '../../src/receiver/review-starter';
import { createReviewControl } from '../../src/reviews/control';
import { createClient } from '../../src/temporal/connection';
import { getFreePort } from '../../src/temporal/dev-server';
import type { ReviewProgress, ReviewReport } from '../../workflows/contract';
import { type ControllableGate, controllableGate } from '../helpers/controllable-gate';
import {
  eventually,
  faultTriggerReads,
  resultOf,
  startReview,
  workflowIdOf,
  writesFor,
} from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { type CapturedLogs, captureLogs, http, listen, unique } from './helpers';

const TOKEN = randomBytes(24).toString('hex');
const OLD_TOKEN = randomBytes(24).toString('hex');

let stack: Stack;
let gate: ControllableGate;
let logs: CapturedLogs;

beforeAll(async () => {
  gate = controllableGate();
  logs = captureLogs();
  stack = await startStack({
    gate: gate.gate,
    seed: testSeed(),
    receiver: (client) => ({
      reviewApi: {
        tokens: [OLD_TOKEN, TOKEN],
        control: createReviewControl(client, {
          uiUrl: 'http://temporal-ui.example:8080',
          queryTimeoutMs: 1_500,
          decideTimeoutMs: 2_000,
        }),
      },
      logger: { level: 'debug', stream: logs.stream },
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

function getReview(workflowId: string, headers: Record<string, string> = auth()) {
  return http(stack.receiverUrl, `/reviews/${encodeURIComponent(workflowId)}`, { headers });
}

function decide(workflowId: string, body: unknown, headers: Record<string, string> = auth()) {
  return http(stack.receiverUrl, `/reviews/${encodeURIComponent(workflowId)}/decision`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const errorCode = (response: { body: unknown }) =>
  (response.body as { error?: { code?: string } }).error?.code;

/** A review whose benchmark is held running until the test releases it. */
async function heldReview(quality = 0.99) {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality });
  const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
  const handle = await startReview(stack, trigger);
  await control.started;
  return { trigger, control, handle, workflowId: handle.workflowId };
}

describe('authentication', () => {
  it('answers 401 without a token, with a wrong one, or with another scheme, and logs no token', async () => {
    const { workflowId, control } = await heldReview();
    const forged = randomBytes(24).toString('hex');
    const answers = await Promise.all([
      getReview(workflowId, {}),
      getReview(workflowId, auth(forged)),
      getReview(workflowId, { authorization: `Basic ${TOKEN}` }),
      getReview(workflowId, { authorization: 'Bearer' }),
      decide(workflowId, { decision: 'approve', actor: 'mallory' }, auth(forged)),
      http(stack.receiverUrl, '/reviews', { headers: auth(forged) }),
    ]);
    for (const response of answers) {
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('REVIEW_API_UNAUTHORIZED');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(response.text).not.toContain('MISMATCH');
    }
    // Nothing reached the review: no decision was taken from the forged request.
    const progress = await stack.client.workflow
      .getHandle(workflowId)
      .query<ReviewProgress>('progress');
    expect(progress.override).toBeUndefined();
    const reasons = logs
      .lines()
      .filter((line) => line.code === 'REVIEW_API_UNAUTHORIZED')
      .map((line) => line.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['TOKEN_MISSING', 'TOKEN_MISMATCH', 'TOKEN_MALFORMED']),
    );
    for (const secret of [TOKEN, OLD_TOKEN, forged]) expect(logs.text()).not.toContain(secret);
    control.release();
  });

  it('accepts every configured token, so one can be rotated', async () => {
    const { workflowId, control } = await heldReview();
    expect((await getReview(workflowId, auth(OLD_TOKEN))).status).toBe(200);
    expect((await getReview(workflowId, auth(TOKEN))).status).toBe(200);
    control.release();
  });

  it('answers 404 REVIEW_API_DISABLED on a receiver without REVIEW_API_TOKEN', async () => {
    const app = buildReceiver({
      webhookSecrets: [randomBytes(24).toString('hex')],
      toleranceMs: 60_000,
      bodyLimitBytes: 1024,
      reviews: createReviewStarter(stack.client, { taskQueue: stack.taskQueue }),
    });
    const url = await listen(app);
    try {
      const show = await http(url, '/reviews/review-anything', { headers: auth() });
      const post = await http(url, '/reviews/review-anything/decision', {
        headers: { 'content-type': 'text/plain', ...auth() },
        body: 'approve',
      });
      for (const response of [show, post]) {
        expect(response.status).toBe(404);
        expect(errorCode(response)).toBe('REVIEW_API_DISABLED');
        expect(response.text).toContain('REVIEW_API_TOKEN');
      }
    } finally {
      await app.close();
    }
  });
});

describe('GET /reviews/:id', () => {
  it('shows the stage, the benchmarks running and where the review is, while it runs', async () => {
    const { trigger, workflowId, control } = await heldReview();
    const response = await getReview(workflowId);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      review: {
        workflowId,
        status: 'RUNNING',
        triggerID: trigger.id,
        phaseID: trigger.currentPhaseID,
        pipelineID: trigger.releasePipelineID,
        entity: trigger.dynamicConfigID,
        decision: 'pending',
        uiUrl: `http://temporal-ui.example:8080/namespaces/default/workflows/${workflowId}`,
      },
      progress: {
        stage: 'run benchmarks',
        benchmarks: [{ suite: 'prompt-quality', benchmark: 'score', status: 'running' }],
      },
    });
    control.release();
    await resultOf(stack, trigger);
  });

  it('shows the report, with verdict and action, once the review finished', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.3 });
    await startReview(stack, trigger);
    await resultOf(stack, trigger);
    const response = await getReview(workflowIdOf(trigger));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      review: { status: 'COMPLETED', verdict: 'fail', decision: 'aborted' },
      report: { verdict: 'fail', action: 'aborted', outcome: 'decided' },
    });
  });

  it('answers 404 REVIEW_NOT_FOUND for a review that does not exist', async () => {
    const response = await getReview(`review-rpt_${unique()}-nowhere`);
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('REVIEW_NOT_FOUND');
  });

  it('still answers, without progress, when no worker polls for the review', async () => {
    const workflowId = `review-orphan-${unique()}`;
    await stack.client.workflow.start('releasePipelineReview', {
      taskQueue: `nobody-polls-${unique()}`,
      workflowId,
      args: [{ releasePipelineID: 'rp', triggerID: 't', phaseID: 'p', receivedAtMs: Date.now() }],
    });
    try {
      const shown = await getReview(workflowId);
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({
        review: { workflowId, status: 'RUNNING' },
        progressUnavailable: expect.stringContaining('no worker answered'),
      });
      const decided = await decide(workflowId, { decision: 'approve', actor: 'ana' });
      expect(decided.status).toBe(503);
      expect(errorCode(decided)).toBe('REVIEW_DECISION_TIMEOUT');
      expect(decided.headers.get('retry-after')).toBe('5');
    } finally {
      await stack.client.workflow.getHandle(workflowId).terminate('test cleanup');
    }
  });
});

describe('GET /reviews', () => {
  it('finds reviews by entity and by decision', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
    await startReview(stack, trigger);
    await resultOf(stack, trigger);
    const entity = trigger.dynamicConfigID ?? '';
    // Other test files release the same entity names on this server: the trigger keeps it to ours.
    const listed = await eventually(async () => {
      const response = await http(
        stack.receiverUrl,
        `/reviews?entity=${entity}&triggerID=${trigger.id}&decision=approved&status=completed`,
        { headers: auth() },
      );
      const reviews = (response.body as { reviews: Array<{ workflowId: string }> }).reviews;
      return reviews.length > 0 ? response : undefined;
    });
    expect(listed.body).toEqual({
      reviews: [
        expect.objectContaining({
          workflowId: workflowIdOf(trigger),
          entity,
          verdict: 'pass',
          decision: 'approved',
          status: 'COMPLETED',
        }),
      ],
    });
    const none = await http(
      stack.receiverUrl,
      `/reviews?entity=${entity}&triggerID=${trigger.id}&decision=aborted`,
      {
        headers: auth(),
      },
    );
    expect(none.body).toEqual({ reviews: [] });
  });

  it('answers 400 REVIEW_FILTER_INVALID for a filter it cannot use', async () => {
    for (const query of ['entity=%22%20OR%20true', 'status=sleeping', 'limit=0', 'colour=red']) {
      const response = await http(stack.receiverUrl, `/reviews?${query}`, { headers: auth() });
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('REVIEW_FILTER_INVALID');
    }
  });
});

describe('POST /reviews/:id/decision', () => {
  it('rejects mid-run: the benchmark is cancelled and Statsig gets exactly one abort', async () => {
    const { trigger, workflowId } = await heldReview();
    const response = await decide(workflowId, {
      decision: 'reject',
      actor: 'ana@example.com',
      reason: 'known bad prompt',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      accepted: true,
      workflowId,
      decision: 'reject',
      actor: 'ana@example.com',
      stage: 'run benchmarks',
    });
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({
      action: 'aborted',
      override: { decision: 'reject', actor: 'ana@example.com', reason: 'known bad prompt' },
    });
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/abort`,
    ]);
    // The decision is recorded with the review and shown to the next reader.
    const shown = await getReview(workflowId);
    expect((shown.body as { report: ReviewReport }).report.override?.actor).toBe('ana@example.com');
    // The receiver's log keeps no names or emails.
    expect(logs.text()).not.toContain('ana@example.com');
  });

  it('answers 409 REVIEW_ALREADY_DECIDED to a second decision', async () => {
    const { trigger, workflowId } = await heldReview();
    // Hold the review between the decision and the action, so the second one arrives in between.
    faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
      delayMs: 2_000,
      times: 1,
    });
    expect((await decide(workflowId, { decision: 'approve', actor: 'ana' })).status).toBe(200);
    const second = await decide(workflowId, { decision: 'reject', actor: 'bob' });
    expect(second.status).toBe(409);
    expect(errorCode(second)).toBe('REVIEW_ALREADY_DECIDED');
    expect(second.text).toContain('already decided by ana: approve');
    expect((await resultOf(stack, trigger)).action).toBe('approved');
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });

  it('answers 409 REVIEW_ALREADY_ACTED once the review has acted', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
    await startReview(stack, trigger);
    await resultOf(stack, trigger);
    const response = await decide(workflowIdOf(trigger), { decision: 'reject', actor: 'late' });
    expect(response.status).toBe(409);
    expect(errorCode(response)).toBe('REVIEW_ALREADY_ACTED');
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });

  it('answers 409 REVIEW_NOT_RUNNING for a cancelled review, and Statsig stays untouched', async () => {
    const { trigger, handle, workflowId } = await heldReview(0.2);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const response = await decide(workflowId, { decision: 'approve', actor: 'ana' });
    expect(response.status).toBe(409);
    expect(errorCode(response)).toBe('REVIEW_NOT_RUNNING');
    expect(writesFor(stack, trigger)).toEqual([]);
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
  });

  it('answers 400 to a body that is not a decision, and the review goes on undecided', async () => {
    const { trigger, workflowId, control } = await heldReview();
    const bodies: Array<[unknown, string]> = [
      ['{"decision": "approve", ', 'REVIEW_DECISION_MALFORMED'],
      [{ decision: 'maybe', actor: 'ana' }, 'REVIEW_DECISION_INVALID'],
      [{ decision: 'approve' }, 'REVIEW_DECISION_INVALID'],
      [{ decision: 'approve', actor: '   ' }, 'REVIEW_DECISION_INVALID'],
      [{ decision: 'approve', actor: 'ana', by: 'ana' }, 'REVIEW_DECISION_INVALID'],
      [[{ decision: 'approve', actor: 'ana' }], 'REVIEW_DECISION_INVALID'],
    ];
    for (const [body, code] of bodies) {
      const response = await decide(workflowId, body);
      expect([response.status, errorCode(response)]).toEqual([400, code]);
    }
    const wrongType = await http(stack.receiverUrl, `/reviews/${workflowId}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...auth() },
      body: 'approve',
    });
    expect([wrongType.status, errorCode(wrongType)]).toEqual([
      415,
      'REVIEW_UNSUPPORTED_MEDIA_TYPE',
    ]);
    const tooLarge = await decide(workflowId, {
      decision: 'approve',
      actor: 'ana',
      reason: 'x'.repeat(20_000),
    });
    expect([tooLarge.status, errorCode(tooLarge)]).toEqual([413, 'REVIEW_DECISION_TOO_LARGE']);
    const progress = await stack.client.workflow
      .getHandle(workflowId)
      .query<ReviewProgress>('progress');
    expect(progress.override).toBeUndefined();
    control.release();
    expect((await resultOf(stack, trigger)).override).toBeUndefined();
  });

  it('answers 405 to another method on a review path', async () => {
    const response = await http(stack.receiverUrl, '/reviews/review-x/decision', {
      method: 'GET',
      headers: auth(),
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('with Temporal down', () => {
  it('answers 503 TEMPORAL_UNAVAILABLE, with Retry-After', async () => {
    const client = createClient({
      address: `127.0.0.1:${await getFreePort()}`,
      namespace: 'default',
    });
    const app = buildReceiver({
      webhookSecrets: [randomBytes(24).toString('hex')],
      toleranceMs: 60_000,
      bodyLimitBytes: 1024,
      reviews: createReviewStarter(client, { taskQueue: 'unused' }),
      reviewApi: {
        tokens: [TOKEN],
        control: createReviewControl(client, { readTimeoutMs: 1_000 }),
      },
    });
    const url = await listen(app);
    try {
      const answers = [
        await http(url, '/reviews/review-anything', { headers: auth() }),
        await http(url, '/reviews/review-anything/decision', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth() },
          body: JSON.stringify({ decision: 'approve', actor: 'ana' }),
        }),
        await http(url, '/reviews', { headers: auth() }),
      ];
      for (const response of answers) {
        expect([response.status, errorCode(response)]).toEqual([503, 'TEMPORAL_UNAVAILABLE']);
        expect(response.headers.get('retry-after')).toBe('5');
      }
    } finally {
      await app.close();
      await client.connection.close();
    }
  });
});
