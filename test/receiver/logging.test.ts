// The receiver's JSON log: request IDs on every line, stable reason codes for rejections, and never a
// secret, a signature or a person's email, even at the most verbose level.
import type { Client } from '@temporalio/client';
import {
  type CapturedLogs,
  captureLogs,
  configChange,
  deliver,
  exposure,
  http,
  newSecret,
  reviewEvent,
  sharedClient,
  signed,
  type TestReceiver,
  testReceiver,
  unique,
  WEBHOOK,
} from './helpers';

let client: Client;
let receiver: TestReceiver;
let logs: CapturedLogs;

beforeAll(async () => {
  client = sharedClient();
  logs = captureLogs();
  receiver = await testReceiver(client, {
    logger: { level: 'trace', stream: logs.stream },
  });
});

afterAll(async () => {
  await receiver.app.close();
  await client.connection.close();
});

function linesFor(requestId: string) {
  return logs.lines().filter((line) => line.requestId === requestId);
}

describe('receiver logs', () => {
  it('carries the caller’s x-request-id on every line and echoes it back', async () => {
    const requestId = `statsig-delivery-${unique()}`;
    const response = await deliver(receiver.url, receiver.secret, [exposure(1)], {
      'x-request-id': requestId,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const lines = linesFor(requestId);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
  });

  it('replaces a request ID that could forge log content with its own', async () => {
    const response = await http(receiver.url, '/healthz', {
      headers: { 'x-request-id': 'a"b} {"level":60' },
    });
    const assigned = response.headers.get('x-request-id') ?? '';
    expect(assigned).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesFor(assigned).length).toBeGreaterThan(0);
  });

  it('logs the reason of a signature failure by its stable code', async () => {
    const body = JSON.stringify(reviewEvent(`t_${unique()}`));
    const requestId = `bad-signature-${unique()}`;
    const response = await http(receiver.url, WEBHOOK, {
      headers: { ...signed(newSecret(), body), 'x-request-id': requestId },
      body,
    });
    expect(response.status).toBe(401);
    expect(response.text).not.toMatch(/MISMATCH/);
    expect(linesFor(requestId)).toContainEqual(
      expect.objectContaining({
        level: 40,
        code: 'WEBHOOK_SIGNATURE_INVALID',
        reason: 'SIGNATURE_MISMATCH',
      }),
    );
  });

  it('never writes a secret, a signature or an email, whatever the outcome', async () => {
    const email = `someone.${unique()}@example.com`;
    const entity = `logged_entity_${unique()}`;
    const payload = { data: [configChange(entity, { email }), exposure(7)] };
    const body = JSON.stringify(payload);
    const good = signed(receiver.secret, body);
    const forged = signed(newSecret(), body);
    const credentials = {
      authorization: `Bearer ${newSecret()}`,
      cookie: `session=${newSecret()}`,
      'statsig-api-key': `secret-${newSecret()}`,
    };

    const accepted = await http(receiver.url, WEBHOOK, {
      headers: { ...good, ...credentials },
      body,
    });
    const rejected = await http(receiver.url, WEBHOOK, { headers: forged, body });
    const malformed = await deliver(receiver.url, receiver.secret, `{"email":"${email}"`);
    const invalid = await deliver(receiver.url, receiver.secret, {
      data: [{ ...configChange(entity, { email }), timestamp: 'yesterday' }],
    });
    expect([accepted.status, rejected.status, malformed.status, invalid.status]).toEqual([
      200, 401, 400, 200,
    ]);
    expect(invalid.body).toMatchObject({ unreadable: 1 });

    const text = logs.text();
    expect(text).toContain(entity);
    expect(text).toContain('SIGNATURE_MISMATCH');
    for (const secretValue of [
      receiver.secret,
      good['x-statsig-signature'],
      forged['x-statsig-signature'],
      ...Object.values(credentials),
      email,
      'example.com',
    ]) {
      expect(text).not.toContain(secretValue);
    }
  });
});
