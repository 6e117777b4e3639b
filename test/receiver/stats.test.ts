// GET /stats counts what happened to deliveries and events, so an operator can see a flood of
// forged requests, a wave of exposures or a run of schema errors without reading logs.
import type { ReceiverStatsSnapshot } from '../../src/receiver/stats';
import {
  configChange,
  deliver,
  exposure,
  http,
  newSecret,
  reviewEvent,
  type TestReceiver,
  unique,
  useTestReceiver,
  WEBHOOK,
} from './helpers';

let receiver: TestReceiver;

useTestReceiver((started) => {
  ({ receiver } = started);
});

describe('GET /stats', () => {
  it('counts every outcome', async () => {
    const { url, secret } = receiver;
    const review = reviewEvent(`t_${unique()}`);
    await deliver(url, secret, review);
    await deliver(url, secret, review);
    await deliver(url, secret, {
      data: [configChange(`counted_${unique()}`), exposure(1), exposure(2), { odd: true }],
    });
    await deliver(url, secret, [{ ...exposure(3), eventName: 'purchase' }]);
    await deliver(url, secret, [{ ...exposure(4), timestamp: -1 }]);
    await deliver(url, newSecret(), review);
    await http(url, WEBHOOK, { headers: { 'content-type': 'application/json' }, body: '{}' });
    await deliver(url, secret, '{"broken');
    await deliver(url, secret, { data: 7 });
    await http(url, WEBHOOK, { headers: { 'content-type': 'text/plain' }, body: 'hi' });
    await http(url, '/nowhere');
    await http(url, WEBHOOK);

    const response = await http(url, '/stats');
    expect(response.status).toBe(200);
    const stats = response.body as ReceiverStatsSnapshot;
    expect(stats).toEqual({
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      deliveries: 5,
      events: { accepted: 1, duplicate: 1, recorded: 1, ignored: 4, unreadable: 1 },
      eventKinds: { review: 2, config_change: 1, exposure: 3, custom: 1, unknown: 1 },
      signatureFailures: { SIGNATURE_MISMATCH: 1, SIGNATURE_MISSING: 1 },
      errors: {
        WEBHOOK_SIGNATURE_INVALID: { status: 401, count: 2 },
        WEBHOOK_BODY_MALFORMED: { status: 400, count: 1 },
        WEBHOOK_SCHEMA_INVALID: { status: 400, count: 1 },
        WEBHOOK_UNSUPPORTED_MEDIA_TYPE: { status: 415, count: 1 },
        ROUTE_NOT_FOUND: { status: 404, count: 1 },
        METHOD_NOT_ALLOWED: { status: 405, count: 1 },
      },
      signals: { sent: 0, failed: 0 },
    });
  });
});
