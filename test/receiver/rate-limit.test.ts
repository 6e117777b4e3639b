// The optional rate limit sheds a flood of deliveries with 429 before their bodies are read, leaves
// the operational endpoints alone, and refills over time.
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { TokenBucket } from '../../src/receiver/rate-limit';
import type { ReceiverStatsSnapshot } from '../../src/receiver/stats';
import { errorCode, http, useReceiverFactory, WEBHOOK } from './helpers';

const receiverWith = useReceiverFactory();

const receiverWithLimit = (rateLimitPerMinute?: number) =>
  receiverWith(rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute });

const unsignedGarbage = (url: string) =>
  http(url, WEBHOOK, { headers: { 'content-type': 'application/json' }, body: '{not json' });

async function stats(url: string): Promise<ReceiverStatsSnapshot> {
  return (await http(url, '/stats')).body as ReceiverStatsSnapshot;
}

describe('rate limit', () => {
  it('answers a flood with 429, a stable code and Retry-After, without reading the bodies', async () => {
    const { url } = await receiverWithLimit(5);
    const allowed = await Promise.all(Array.from({ length: 5 }, () => unsignedGarbage(url)));
    expect(allowed.map((response) => response.status)).toEqual(Array(5).fill(401));

    const flood = await Promise.all(Array.from({ length: 30 }, () => unsignedGarbage(url)));
    expect(flood.map((response) => response.status)).toEqual(Array(30).fill(429));
    for (const response of flood) {
      expect(errorCode(response)).toBe('WEBHOOK_RATE_LIMITED');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }

    // Only the five admitted requests ever reached signature checking.
    const counted = await stats(url);
    expect(counted.signatureFailures).toEqual({ SIGNATURE_MISSING: 5 });
    expect(counted.errors.WEBHOOK_RATE_LIMITED).toEqual({ status: 429, count: 30 });
  });

  it('answers 429 to a delivery whose body has not even been sent', async () => {
    const { url } = await receiverWithLimit(1);
    await unsignedGarbage(url);
    const { hostname, port } = new URL(url);
    const pending = httpRequest({
      host: hostname,
      port,
      method: 'POST',
      path: WEBHOOK,
      headers: { 'content-type': 'application/json', 'content-length': '500000' },
    });
    pending.on('error', () => {});
    pending.flushHeaders();
    const [response] = (await once(pending, 'response')) as [IncomingMessage];
    response.resume();
    expect(response.statusCode).toBe(429);
    pending.destroy();
  });

  it('leaves /healthz, /readyz and /stats reachable while shedding deliveries', async () => {
    const { url } = await receiverWithLimit(1);
    await unsignedGarbage(url);
    expect((await unsignedGarbage(url)).status).toBe(429);
    const statuses = await Promise.all(
      ['/healthz', '/readyz', '/stats', '/changes'].map(
        async (path) => (await http(url, path)).status,
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
  });

  it('is off unless configured', async () => {
    const { url } = await receiverWithLimit();
    const responses = await Promise.all(Array.from({ length: 60 }, () => unsignedGarbage(url)));
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([401]));
  });
});

describe('TokenBucket', () => {
  it('refills continuously at the configured rate and says how long to wait', () => {
    let now = 0;
    const bucket = new TokenBucket(6, () => now);
    for (let i = 0; i < 6; i++) expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 10 });
    now += 4_000;
    expect(bucket.take()).toEqual({ ok: false, retryAfterSeconds: 6 });
    now += 6_000;
    expect(bucket.take()).toEqual({ ok: true });
    now += 10 * 60_000;
    for (let i = 0; i < 6; i++) expect(bucket.take()).toEqual({ ok: true });
    expect(bucket.take().ok).toBe(false);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new TokenBucket(0)).toThrow();
    expect(() => new TokenBucket(1.5)).toThrow();
  });
});
