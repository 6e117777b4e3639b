// The webhook sender plays Statsig: its signatures must verify with the receiver's own check.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reviewEvent, sendWebhook } from '../../src/sandbox/webhook-sender';
import { verifySignature } from '../../src/statsig/webhook-signature';
import { T0 } from './helpers';

const SECRET = 'webhook-signing-secret-for-tests';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let receiver: Server;
let url: string;
const deliveries: Delivery[] = [];
// What the stand-in receiver answers with; each test sets it.
let answer: { status: number; contentType: string; text: string } = {
  status: 200,
  contentType: 'application/json',
  text: '{"ok":true}',
};

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(answer.status, { 'content-type': answer.contentType });
      response.end(answer.text);
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/statsig`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  receiver.close();
  await once(receiver, 'close');
});

beforeEach(() => {
  deliveries.length = 0;
  answer = { status: 200, contentType: 'application/json', text: '{"ok":true}' };
});

function lastDelivery(): Delivery {
  const delivery = deliveries.at(-1);
  if (!delivery) throw new Error('nothing was delivered');
  return delivery;
}

const verify = (delivery: Delivery, secret = SECRET) =>
  verifySignature(delivery.body, delivery.headers, {
    secrets: [secret],
    toleranceMs: 60_000,
    nowMs: T0,
  });

describe('reviewEvent', () => {
  test('a gate trigger announces its gate', () => {
    expect(
      reviewEvent({
        triggerID: 'rpt_1',
        releasePipelineID: 'rp_checkout',
        phaseID: 'phase_all',
        gateID: 'new_checkout',
      }),
    ).toEqual({
      event: 'ReleasePipelineWaitingForReview',
      releasePipelineMetadata: {
        releasePipelineID: 'rp_checkout',
        phaseID: 'phase_all',
        gateID: 'new_checkout',
        triggerID: 'rpt_1',
      },
    });
  });

  test('a dynamic config trigger carries dynamicConfigID and no gateID', () => {
    const event = reviewEvent({
      triggerID: 'rpt_2',
      releasePipelineID: 'rp_prompt',
      phaseID: 'phase_dev',
      dynamicConfigID: 'support_prompt',
    });
    expect(event.releasePipelineMetadata).toEqual({
      releasePipelineID: 'rp_prompt',
      phaseID: 'phase_dev',
      dynamicConfigID: 'support_prompt',
      triggerID: 'rpt_2',
    });
  });

  test('an event needs the phase waiting for review', () => {
    expect(() =>
      reviewEvent({ triggerID: 'rpt_3', releasePipelineID: 'rp_prompt', phaseID: '' }),
    ).toThrow(/phase waiting for review/);
  });
});

describe('sendWebhook', () => {
  test('the delivery verifies with the receiver’s verifySignature', async () => {
    const payload = reviewEvent({
      triggerID: 'rpt_1',
      releasePipelineID: 'rp_checkout',
      phaseID: 'phase_all',
      gateID: 'new_checkout',
    });
    const response = await sendWebhook({ url, secret: SECRET, payload, timestampMs: T0 });
    expect(response).toEqual({ status: 200, body: { ok: true }, text: '{"ok":true}' });

    const delivery = lastDelivery();
    expect(verify(delivery)).toEqual({ ok: true, secretIndex: 0, timestampMs: T0 });
    expect(JSON.parse(delivery.body.toString('utf8'))).toEqual(payload);
    expect(delivery.headers['content-type']).toBe('application/json');
  });

  test('rawBody is sent byte for byte and the signature covers exactly those bytes', async () => {
    const rawBody = '{ "event" : "ReleasePipelineWaitingForReview", "extra": "ü" }\n';
    await sendWebhook({ url, secret: SECRET, rawBody, timestampMs: T0 });
    const delivery = lastDelivery();
    expect(delivery.body.equals(Buffer.from(rawBody, 'utf8'))).toBe(true);
    expect(verify(delivery).ok).toBe(true);
  });

  test('another secret does not verify', async () => {
    await sendWebhook({ url, secret: SECRET, payload: { data: [] }, timestampMs: T0 });
    expect(verify(lastDelivery(), 'some-other-signing-secret')).toEqual({
      ok: false,
      code: 'SIGNATURE_MISMATCH',
    });
  });

  test('extra headers override the signed ones, whatever their case', async () => {
    await sendWebhook({
      url,
      secret: SECRET,
      payload: { data: [] },
      timestampMs: T0,
      headers: { 'x-statsig-signature': `v0=${'0'.repeat(64)}`, 'x-test': 'yes' },
    });
    const delivery = lastDelivery();
    expect(delivery.headers['x-test']).toBe('yes');
    expect(verify(delivery)).toEqual({ ok: false, code: 'SIGNATURE_MISMATCH' });
  });

  test('a response that is not JSON comes back as text with a null body', async () => {
    answer = { status: 401, contentType: 'text/plain', text: 'bad signature' };
    const response = await sendWebhook({ url, secret: SECRET, payload: {} });
    expect(response).toEqual({ status: 401, body: null, text: 'bad signature' });
  });
});
