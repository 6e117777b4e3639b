// Signature verification as a user of the HTTP endpoint sees it, around the frozen golden vector:
// every failure is a 401 with the same stable code and no detail, the reason goes to the log, and no
// review starts. The receiver's clock is pinned to the vector's timestamp.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildReceiver } from '../../src/receiver/app';
import { createReviewStarter } from '../../src/receiver/review-starter';
import { computeSignature } from '../../src/statsig/webhook-signature';
import { reviewWorkflowId } from '../../workflows/contract';
import golden from '../fixtures/golden-signatures.json';
import {
  BODY_LIMIT,
  type CapturedLogs,
  captureLogs,
  errorCode,
  http,
  listen,
  sharedClient,
  TOLERANCE_MS,
  WEBHOOK,
  workflowExists,
} from './helpers';

const NOW = Number(golden.timestampMs);
const [review, multibyte] = golden.vectors as [
  (typeof golden.vectors)[0],
  (typeof golden.vectors)[0],
];
// The review the golden body announces (trigger t_789, phase phase_2).
const GOLDEN_WORKFLOW_ID = reviewWorkflowId('t_789', 'phase_2');

let client: Client;
const apps: FastifyInstance[] = [];

beforeAll(() => {
  client = sharedClient();
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await client.connection.close();
});

async function receiver(
  secrets: string[] = [golden.secret],
  nowMs = NOW,
): Promise<{ url: string; logs: CapturedLogs }> {
  const logs = captureLogs();
  const app = buildReceiver({
    webhookSecrets: secrets,
    toleranceMs: TOLERANCE_MS,
    bodyLimitBytes: BODY_LIMIT,
    reviews: createReviewStarter(client, { taskQueue: 'signature-http-test' }),
    now: () => nowMs,
    logger: { level: 'info', stream: logs.stream },
  });
  apps.push(app);
  return { url: await listen(app), logs };
}

type Headers = Record<string, string | undefined>;

function goldenHeaders(overrides: Headers = {}): Record<string, string> {
  const headers: Headers = {
    'content-type': 'application/json',
    'x-statsig-request-timestamp': golden.timestampMs,
    'x-statsig-signature': review.signature,
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function post(url: string, headers: Record<string, string>, body: string | Buffer) {
  return http(url, WEBHOOK, { method: 'POST', headers, body });
}

function signatureReasons(logs: CapturedLogs): unknown[] {
  return logs
    .lines()
    .filter((line) => line.code === 'WEBHOOK_SIGNATURE_INVALID')
    .map((line) => line.reason);
}

describe('signature failures through HTTP', () => {
  const tampered = Buffer.from(review.body.replace('rp_123', 'rp_124'));

  // Every row names its clock: jest hands a `done` callback to a parameter a row leaves out.
  it.each<[string, Headers, string | Buffer, string, number]>([
    [
      'no signature header',
      { 'x-statsig-signature': undefined },
      review.body,
      'SIGNATURE_MISSING',
      NOW,
    ],
    [
      'no timestamp header',
      { 'x-statsig-request-timestamp': undefined },
      review.body,
      'TIMESTAMP_MISSING',
      NOW,
    ],
    [
      'neither header',
      { 'x-statsig-signature': undefined, 'x-statsig-request-timestamp': undefined },
      review.body,
      'SIGNATURE_MISSING',
      NOW,
    ],
    [
      'a garbled signature',
      { 'x-statsig-signature': 'v0=zz-not-hex-zz' },
      review.body,
      'SIGNATURE_MALFORMED',
      NOW,
    ],
    [
      'a truncated signature',
      { 'x-statsig-signature': review.signature.slice(0, -1) },
      review.body,
      'SIGNATURE_MALFORMED',
      NOW,
    ],
    [
      'a signature without its v0= prefix',
      { 'x-statsig-signature': review.signature.slice(3) },
      review.body,
      'SIGNATURE_MALFORMED',
      NOW,
    ],
    ['a body with one byte changed', {}, tampered, 'SIGNATURE_MISMATCH', NOW],
    [
      'a timestamp in seconds',
      { 'x-statsig-request-timestamp': golden.timestampMs.slice(0, 10) },
      review.body,
      'TIMESTAMP_INVALID',
      NOW,
    ],
    ['a stale timestamp', {}, review.body, 'TIMESTAMP_OUT_OF_TOLERANCE', NOW + TOLERANCE_MS + 1],
    [
      'a timestamp from the future',
      {},
      review.body,
      'TIMESTAMP_OUT_OF_TOLERANCE',
      NOW - TOLERANCE_MS - 1,
    ],
    ['an empty unsigned body', { 'x-statsig-signature': undefined }, '', 'SIGNATURE_MISSING', NOW],
  ])('answers 401 to %s and starts no review', async (_name, headers, body, reason, nowMs) => {
    const { url, logs } = await receiver([golden.secret], nowMs);
    const response = await post(url, goldenHeaders(headers), body);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: { code: 'WEBHOOK_SIGNATURE_INVALID', message: 'invalid signature' },
    });
    expect(signatureReasons(logs)).toEqual([reason]);
    expect(await workflowExists(client, GOLDEN_WORKFLOW_ID)).toBe(false);
  });

  it('answers 401 when signed with a secret the receiver does not have', async () => {
    const { url, logs } = await receiver(['a-secret-statsig-never-used-for-us']);
    const response = await post(url, goldenHeaders(), review.body);
    expect(response.status).toBe(401);
    expect(signatureReasons(logs)).toEqual(['SIGNATURE_MISMATCH']);
    expect(await workflowExists(client, GOLDEN_WORKFLOW_ID)).toBe(false);
  });

  it('verifies a multibyte UTF-8 body over its bytes, not over a re-encoding', async () => {
    const { url, logs } = await receiver();
    const headers = goldenHeaders({ 'x-statsig-signature': multibyte.signature });
    const asLatin1 = await post(url, headers, Buffer.from(multibyte.body, 'latin1'));
    expect(asLatin1.status).toBe(401);
    expect(signatureReasons(logs)).toEqual(['SIGNATURE_MISMATCH']);

    // Past the signature, this vector's change lacks a timestamp: it is set aside, naming the field.
    const asUtf8 = await post(url, headers, Buffer.from(multibyte.body, 'utf8'));
    expect(asUtf8.status).toBe(200);
    expect(asUtf8.body).toMatchObject({
      unreadable: 1,
      events: [{ kind: 'config_change', status: 'unreadable', path: 'data[0].timestamp' }],
    });
  });

  it('records a signed multibyte config change with its name intact', async () => {
    const { url } = await receiver();
    const body = JSON.stringify({
      data: [
        {
          eventName: 'statsig::config_change',
          timestamp: NOW,
          metadata: { type: 'DynamicConfig', name: 'prompt_überarbeitet', action: 'updated' },
        },
      ],
    });
    const signature = computeSignature(golden.secret, golden.timestampMs, Buffer.from(body));
    const response = await post(url, goldenHeaders({ 'x-statsig-signature': signature }), body);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      received: 1,
      unreadable: 0,
      events: [{ index: 0, kind: 'config_change', status: 'recorded', signalled: [] }],
    });
    const changes = await http(url, '/changes');
    expect(changes.body).toMatchObject({ changes: [{ title: 'prompt_überarbeitet updated' }] });
  });

  it('answers 400 to a correctly signed empty body', async () => {
    const { url } = await receiver();
    const signature = computeSignature(golden.secret, golden.timestampMs, '');
    const response = await post(url, goldenHeaders({ 'x-statsig-signature': signature }), '');
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('WEBHOOK_BODY_MALFORMED');
  });

  it('answers 413 to a signed body over the limit, without reading it', async () => {
    const { url, logs } = await receiver();
    const body = JSON.stringify({ data: [], padding: 'x'.repeat(BODY_LIMIT) });
    const signature = computeSignature(golden.secret, golden.timestampMs, body);
    const response = await post(url, goldenHeaders({ 'x-statsig-signature': signature }), body);
    expect(response.status).toBe(413);
    expect(errorCode(response)).toBe('WEBHOOK_BODY_TOO_LARGE');
    expect(signatureReasons(logs)).toEqual([]);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp'])(
    'answers 415 to the golden vector sent as %s',
    async (contentType) => {
      const { url } = await receiver();
      const response = await post(url, goldenHeaders({ 'content-type': contentType }), review.body);
      expect(response.status).toBe(415);
      expect(errorCode(response)).toBe('WEBHOOK_UNSUPPORTED_MEDIA_TYPE');
      expect(await workflowExists(client, GOLDEN_WORKFLOW_ID)).toBe(false);
    },
  );

  it('answers 415 to a body without a content type', async () => {
    const { url } = await receiver();
    const headers = goldenHeaders();
    delete headers['content-type'];
    const response = await post(url, headers, review.body);
    expect(response.status).toBe(415);
  });
});

// Last in this file: these start the golden vector's review, which the cases above must not find.
describe('valid signatures through HTTP', () => {
  it('accepts the golden vector signed with a rotated-out secret still configured', async () => {
    const { url, logs } = await receiver(['the-new-secret-statsig-rotated-to', golden.secret]);
    const response = await post(
      url,
      goldenHeaders({ 'content-type': 'application/json; charset=utf-8' }),
      review.body,
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      received: 1,
      unreadable: 0,
      events: [{ index: 0, kind: 'review', status: 'accepted', workflowId: GOLDEN_WORKFLOW_ID }],
    });
    expect(signatureReasons(logs)).toEqual([]);
    expect(await workflowExists(client, GOLDEN_WORKFLOW_ID)).toBe(true);
  });

  it('accepts the golden vector at the edge of the tolerance, as a duplicate now', async () => {
    const { url } = await receiver([golden.secret], NOW + TOLERANCE_MS);
    const response = await post(url, goldenHeaders(), review.body);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ events: [{ status: 'duplicate' }] });
  });
});
