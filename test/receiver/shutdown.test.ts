// Graceful shutdown: closing the receiver waits for a delivery already in flight, answers it in full,
// and takes no new connections meanwhile.
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Client } from '@temporalio/client';
import {
  reviewEvent,
  sharedClient,
  signed,
  testReceiver,
  unique,
  WEBHOOK,
  workflowExists,
} from './helpers';

let client: Client;

beforeAll(() => {
  client = sharedClient();
});

afterAll(async () => {
  await client.connection.close();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('graceful shutdown', () => {
  it('finishes a delivery in flight before close() resolves', async () => {
    const { app, url, secret } = await testReceiver(client);
    const { hostname, port } = new URL(url);
    const triggerID = `t_${unique()}`;
    const body = Buffer.from(JSON.stringify(reviewEvent(triggerID)));

    // Half the body now, the rest after shutdown has begun: the request is in flight throughout.
    const inFlight = httpRequest({
      host: hostname,
      port,
      method: 'POST',
      path: WEBHOOK,
      headers: { ...signed(secret, body), 'content-length': String(body.length) },
    });
    const responded = once(inFlight, 'response') as Promise<[IncomingMessage]>;
    inFlight.write(body.subarray(0, 20));
    await pause(100);

    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await pause(300);
    expect(closed).toBe(false);

    // A newcomer is turned away while the old request is still being served.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();

    inFlight.end(body.subarray(20));
    const [response] = await responded;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(await readBody(response))).toMatchObject({
      events: [{ status: 'accepted' }],
    });
    expect(response.headers.connection).toBe('close');
    // The answered connection closes with the answer, so shutdown does not wait on the client.
    const answeredAt = Date.now();
    await closing;
    expect(Date.now() - answeredAt).toBeLessThan(1_000);
    expect(await workflowExists(client, `review-${triggerID}-phase_1`)).toBe(true);
  });
});
