// POST /webhooks/statsig/pre-commit on a real receiver and the shared dev server (no worker: every
// validation it starts stays as started): the key checked in constant time with rotation, off
// without a key, its own JSON parsing and error codes, an answer only after a durable start, and
// duplicates that start nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createPreCommitStarter } from '../../src/receiver/pre-commit-starter';
import { createClient } from '../../src/temporal/connection';
import { getFreePort } from '../../src/temporal/dev-server';
import {
  PRE_COMMIT_WORKFLOW_TYPE,
  type PreCommitRequest,
} from '../../workflows/pre-commit-contract';
import { rulesChange } from '../helpers/pre-commit';
import {
  BODY_LIMIT,
  type CapturedLogs,
  captureLogs,
  errorCode,
  http,
  sharedClient,
  type TestReceiver,
  testReceiver,
  unique,
  workflowExists,
} from './helpers';

const PATH = '/webhooks/statsig/pre-commit';
const oldKey = randomBytes(16).toString('hex');
const newKey = randomBytes(16).toString('hex');
/** The new key with its last digit changed: always another key, whatever that digit was. */
const nearlyNewKey = `${newKey.slice(0, -1)}${newKey.endsWith('0') ? '1' : '0'}`;

let client: Client;
let receiver: TestReceiver;
let disabled: TestReceiver;
let logs: CapturedLogs;

beforeAll(async () => {
  client = sharedClient();
  logs = captureLogs();
  receiver = await testReceiver(client, {
    preCommit: {
      keys: [oldKey, newKey],
      starter: createPreCommitStarter(client, { taskQueue: `precommit-test-${randomUUID()}` }),
    },
    logger: { level: 'trace', stream: logs.stream },
  });
  disabled = await testReceiver(client);
});

afterAll(async () => {
  await receiver?.app.close();
  await disabled?.app.close();
  await client?.connection.close();
});

function post(
  target: TestReceiver,
  body: string | object,
  headers: Record<string, string> = { 'x-statsig-webhook-key': newKey },
) {
  return http(target.url, PATH, {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const reviewID = () => `rev_${unique()}`;

it('answers 404 PRECOMMIT_DISABLED without a key configured', async () => {
  const answer = await post(disabled, rulesChange(reviewID(), 'chat', { from: 0.8, to: 0.9 }));
  expect(answer.status).toBe(404);
  expect(errorCode(answer)).toBe('PRECOMMIT_DISABLED');
});

it('accepts either key while one is rotated; 401 for any other, starting nothing', async () => {
  const [first, second, third] = [reviewID(), reviewID(), reviewID()];
  const withOld = await post(receiver, rulesChange(first, 'chat', { from: 0.8, to: 0.9 }), {
    'x-statsig-webhook-key': oldKey,
  });
  const withNew = await post(receiver, rulesChange(second, 'chat', { from: 0.8, to: 0.9 }));
  expect([withOld.status, withNew.status]).toEqual([200, 200]);
  const refused = await Promise.all([
    post(receiver, rulesChange(third, 'chat', { from: 0.8, to: 0.9 }), {
      'x-statsig-webhook-key': nearlyNewKey,
    }),
    post(receiver, rulesChange(third, 'chat', { from: 0.8, to: 0.9 }), {}),
    post(receiver, rulesChange(third, 'chat', { from: 0.8, to: 0.9 }), {
      'x-statsig-webhook-key': `${newKey},${oldKey}`,
    }),
  ]);
  expect(refused.map((answer) => [answer.status, errorCode(answer)])).toEqual([
    [401, 'PRECOMMIT_UNAUTHORIZED'],
    [401, 'PRECOMMIT_UNAUTHORIZED'],
    [401, 'PRECOMMIT_UNAUTHORIZED'],
  ]);
  expect(await workflowExists(client, `precommit-${third}`)).toBe(false);
  // The key never reaches a log line, even at trace level.
  expect(logs.text()).not.toContain(newKey);
  expect(logs.text()).not.toContain(oldKey);
});

it('starts one validation per review with what Statsig sent; a redelivery starts nothing', async () => {
  const id = reviewID();
  const body = rulesChange(id, 'chat_prompt', { from: 0.85, to: 0.9 });
  const first = await post(receiver, body);
  const again = await post(receiver, body);
  expect(first.body).toEqual({ reviewID: id, status: 'accepted', workflowId: `precommit-${id}` });
  expect(again.body).toEqual({ reviewID: id, status: 'duplicate', workflowId: `precommit-${id}` });
  const handle = client.workflow.getHandle(`precommit-${id}`);
  const description = await handle.describe();
  expect(description.type).toBe(PRE_COMMIT_WORKFLOW_TYPE);
  const history = await handle.fetchHistory();
  const payload =
    history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  const request = JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as PreCommitRequest;
  expect(request).toMatchObject({
    reviewID: id,
    configType: 'dynamic_config',
    configName: 'chat_prompt',
    changeType: 'rules',
    submitter: 'ada@example.com',
    committer: 'grace@example.com',
    change: {
      kind: 'config',
      candidate: {
        kind: 'dynamic_config',
        name: 'chat_prompt',
        version: 4,
        value: { quality: 0.9 },
      },
      baseline: {
        kind: 'dynamic_config',
        name: 'chat_prompt',
        version: 3,
        value: { quality: 0.85 },
      },
    },
  });
});

it('reads its own JSON: 400 for a body that is not JSON or names no review, 415, 413', async () => {
  const malformed = await post(receiver, '{"review_id": ');
  const noReview = await post(receiver, { config_type: 'gate', config_name: 'g', type: 'rules' });
  const spaced = await post(receiver, {
    review_id: 'has spaces',
    config_type: 'gate',
    config_name: 'g',
    type: 'rules',
  });
  const text = await http(receiver.url, PATH, {
    headers: { 'content-type': 'text/plain', 'x-statsig-webhook-key': newKey },
    body: 'review',
  });
  const large = await post(receiver, { review_id: 'x', padding: 'x'.repeat(BODY_LIMIT) });
  expect(
    [malformed, noReview, spaced, text, large].map((answer) => [answer.status, errorCode(answer)]),
  ).toEqual([
    [400, 'PRECOMMIT_BODY_MALFORMED'],
    [400, 'PRECOMMIT_SCHEMA_INVALID'],
    [400, 'PRECOMMIT_SCHEMA_INVALID'],
    [415, 'PRECOMMIT_UNSUPPORTED_MEDIA_TYPE'],
    [413, 'PRECOMMIT_BODY_TOO_LARGE'],
  ]);
  expect(noReview.body).toMatchObject({ error: { path: 'review_id' } });
  expect(spaced.body).toMatchObject({ error: { path: 'review_id' } });
});

it('answers 503 with Retry-After when Temporal does not take the start, so Statsig can retry', async () => {
  const nowhere = createClient({
    address: `127.0.0.1:${await getFreePort()}`,
    namespace: 'default',
  });
  const down = await testReceiver(nowhere, {
    preCommit: {
      keys: [newKey],
      starter: createPreCommitStarter(nowhere, { taskQueue: 'nowhere', startTimeoutMs: 1_000 }),
    },
  });
  try {
    const answer = await post(down, rulesChange(reviewID(), 'chat', { from: 0.8, to: 0.9 }));
    expect([answer.status, errorCode(answer)]).toEqual([503, 'TEMPORAL_UNAVAILABLE']);
    expect(answer.headers.get('retry-after')).toBe('5');
  } finally {
    await down.app.close();
  }
});
