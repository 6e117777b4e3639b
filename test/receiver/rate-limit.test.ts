// The webhook route's two budgets, on a real receiver wired to the run's dev server: the review
// budget (WEBHOOK_RATE_LIMIT_PER_MINUTE) is spent only by deliveries whose signature checked out, so
// unsigned traffic cannot starve Statsig's; the unverified budget (WEBHOOK_UNVERIFIED_PER_MINUTE)
// caps each source's unsigned or forged requests before their bodies are read, and a request that
// proves its signature gives its token back.
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { MAX_SOURCES, SourceBuckets, sourceKey, TokenBucket } from '../../src/receiver/rate-limit';
import type { ReceiverStatsSnapshot } from '../../src/receiver/stats';
import {
  deliver,
  errorCode,
  http,
  reviewEvent,
  signed,
  summaryOf,
  type TestReceiver,
  unique,
  useReceiverFactory,
  WEBHOOK,
} from './helpers';

const receiverWith = useReceiverFactory();

const unsignedGarbage = (url: string, headers: Record<string, string> = {}) =>
  http(url, WEBHOOK, {
    headers: { 'content-type': 'application/json', ...headers },
    body: '{not json',
  });

async function stats(url: string): Promise<ReceiverStatsSnapshot> {
  return (await http(url, '/stats')).body as ReceiverStatsSnapshot;
}

/** A signed review delivery: 200 and a review started, unless a budget refuses it. */
const signedReview = (receiver: TestReceiver) =>
  deliver(receiver.url, receiver.secret, reviewEvent(`rpt_rate_${unique()}`));

/**
 * One request from a chosen loopback address (127.0.0.2 is a different source from 127.0.0.1 on
 * Linux's loopback), with node:http since fetch cannot pick its local address.
 */
async function fromAddress(
  localAddress: string,
  url: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; code: string | undefined }> {
  const { hostname, port } = new URL(url);
  const request = httpRequest({
    host: hostname,
    port,
    localAddress,
    method: 'POST',
    path: WEBHOOK,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  request.end(init.body ?? '{not json');
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  return { status: response.statusCode ?? 0, code };
}

describe('the review budget (WEBHOOK_RATE_LIMIT_PER_MINUTE)', () => {
  it('is spent only by verified deliveries: unsigned requests leave a signed review its 200', async () => {
    const receiver = await receiverWith({ rateLimitPerMinute: 3 });
    const unsigned = await Promise.all(
      Array.from({ length: 10 }, () => unsignedGarbage(receiver.url)),
    );
    expect(unsigned.map((response) => response.status)).toEqual(Array(10).fill(401));

    // Before, the three unsigned POSTs above had spent the whole budget: Statsig got a 429.
    const genuine = await signedReview(receiver);
    expect(genuine.status).toBe(200);
    expect(summaryOf(genuine).events[0]?.status).toBe('accepted');
    expect((await stats(receiver.url)).errors.WEBHOOK_RATE_LIMITED).toBeUndefined();
  });

  it('answers verified deliveries over the budget with 429, a stable code and Retry-After', async () => {
    const receiver = await receiverWith({ rateLimitPerMinute: 3 });
    const admitted = [];
    for (let index = 0; index < 3; index += 1) admitted.push(await signedReview(receiver));
    expect(admitted.map((response) => response.status)).toEqual([200, 200, 200]);

    const over = await signedReview(receiver);
    expect(over.status).toBe(429);
    expect(errorCode(over)).toBe('WEBHOOK_RATE_LIMITED');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A forged delivery is still told it is forged, not that the budget is spent.
    expect((await unsignedGarbage(receiver.url)).status).toBe(401);
  });

  it('is off unless configured', async () => {
    const receiver = await receiverWith();
    const responses = await Promise.all(
      Array.from({ length: 60 }, () => unsignedGarbage(receiver.url)),
    );
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([401]));
  });
});

describe('the unverified budget per source (WEBHOOK_UNVERIFIED_PER_MINUTE)', () => {
  it("sheds a source's unsigned flood before reading the bodies; another source keeps its own", async () => {
    const receiver = await receiverWith({ unverifiedPerMinute: 5 });
    const { url } = receiver;
    const allowed = await Promise.all(Array.from({ length: 5 }, () => unsignedGarbage(url)));
    expect(allowed.map((response) => response.status)).toEqual(Array(5).fill(401));

    const flood = await Promise.all(Array.from({ length: 30 }, () => unsignedGarbage(url)));
    expect(flood.map((response) => response.status)).toEqual(Array(30).fill(429));
    for (const response of flood) {
      expect(errorCode(response)).toBe('WEBHOOK_SOURCE_RATE_LIMITED');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Only the five admitted requests ever reached signature checking.
    const counted = await stats(url);
    expect(counted.signatureFailures).toEqual({ SIGNATURE_MISSING: 5 });
    expect(counted.errors.WEBHOOK_SOURCE_RATE_LIMITED).toEqual({ status: 429, count: 30 });

    // Another address: its unsigned requests are read and refused for what they are...
    expect(await fromAddress('127.0.0.2', url)).toEqual({
      status: 401,
      code: 'WEBHOOK_SIGNATURE_INVALID',
    });
    // ...and its signed deliveries are served.
    const body = JSON.stringify(reviewEvent(`rpt_other_${unique()}`));
    expect(
      await fromAddress('127.0.0.2', url, { headers: signed(receiver.secret, body), body }),
    ).toEqual({
      status: 200,
      code: undefined,
    });
  });

  it('gives the token back when a request proves its signature', async () => {
    const receiver = await receiverWith({ unverifiedPerMinute: 2 });
    // Far more signed deliveries than the budget, from the one source: none is refused.
    for (let index = 0; index < 8; index += 1) {
      expect((await signedReview(receiver)).status).toBe(200);
    }
    // The budget is whole for what it is for.
    expect((await unsignedGarbage(receiver.url)).status).toBe(401);
    expect((await unsignedGarbage(receiver.url)).status).toBe(401);
    expect((await unsignedGarbage(receiver.url)).status).toBe(429);
  });

  it('answers 429 to a request whose body has not even been sent', async () => {
    const { url } = await receiverWith({ unverifiedPerMinute: 1 });
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

  it('leaves /healthz, /readyz, /stats and /changes reachable while shedding', async () => {
    const { url } = await receiverWith({ unverifiedPerMinute: 1, rateLimitPerMinute: 1 });
    await unsignedGarbage(url);
    expect((await unsignedGarbage(url)).status).toBe(429);
    const statuses = await Promise.all(
      ['/healthz', '/readyz', '/stats', '/changes'].map(
        async (path) => (await http(url, path)).status,
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200]);
  });

  it('reads the source from X-Forwarded-For only when told to trust the proxy', async () => {
    const forwardedFor = (address: string) => ({ 'x-forwarded-for': address });
    const trusting = await receiverWith({ unverifiedPerMinute: 1, trustProxy: ['127.0.0.1'] });
    expect((await unsignedGarbage(trusting.url, forwardedFor('203.0.113.7'))).status).toBe(401);
    expect((await unsignedGarbage(trusting.url, forwardedFor('203.0.113.7'))).status).toBe(429);
    expect((await unsignedGarbage(trusting.url, forwardedFor('203.0.113.8'))).status).toBe(401);

    // Untrusted, the header is anyone's to write: the socket's address is the source.
    const plain = await receiverWith({ unverifiedPerMinute: 1 });
    expect((await unsignedGarbage(plain.url, forwardedFor('203.0.113.7'))).status).toBe(401);
    expect((await unsignedGarbage(plain.url, forwardedFor('203.0.113.8'))).status).toBe(429);
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
    bucket.refund();
    expect(bucket.take()).toEqual({ ok: true });
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new TokenBucket(0)).toThrow();
    expect(() => new TokenBucket(1.5)).toThrow();
    expect(() => new SourceBuckets(0)).toThrow();
  });
});

describe('SourceBuckets', () => {
  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(sourceKey('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:db8::1:2:3:4')).toBe(sourceKey('2001:0db8:0000:0000:5:6:7:8'));
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
  });

  it('remembers a bounded number of sources, forgetting the least recently used', () => {
    const now = 0;
    const buckets = new SourceBuckets(1, () => now, 3);
    for (const source of ['a', 'b', 'c']) expect(buckets.take(source).ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false); // a is now the most recently used
    expect(buckets.take('d').ok).toBe(true); // evicts b
    expect(buckets.size).toBe(3);
    expect(buckets.take('a').ok).toBe(false);
    expect(buckets.take('b').ok).toBe(true); // forgotten, so whole again
    expect(MAX_SOURCES).toBeGreaterThanOrEqual(1000);
  });

  it('forgets a source once a refund makes its bucket whole', () => {
    const buckets = new SourceBuckets(2, () => 0);
    buckets.take('a');
    buckets.refund('a');
    expect(buckets.size).toBe(0);
  });
});
