// The http kind against a real server on loopback: percentiles, error rate, throughput, the
// concurrency it promises, warm-up, an endpoint built from the config, and cancellation.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http } from '../../src/gate/kinds/http';
import { quantile } from '../../src/gate/stats';
import { benchmarkContext, promptTarget } from './context';

let server: Server;
let baseUrl: string;
let inFlight = 0;
let maxInFlight = 0;
let seen: Array<{ url: string; body: string; headers: IncomingMessage['headers'] }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      seen.push({ url: request.url ?? '', body, headers: request.headers });
      const url = new URL(request.url ?? '/', 'http://x');
      const delay = Number(url.searchParams.get('delay') ?? 0);
      const fail = url.searchParams.get('failEvery');
      const index = seen.length;
      setTimeout(() => {
        inFlight -= 1;
        const status = fail && index % Number(fail) === 0 ? 503 : 200;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end('{}');
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  inFlight = 0;
  maxInFlight = 0;
});

it('measures latency percentiles from every request and keeps them as samples', async () => {
  const benchmark = http({
    name: 'probe',
    url: `${baseUrl}/?delay=20`,
    requests: 30,
    concurrency: 5,
  });
  const output = await benchmark.run(await benchmarkContext());
  const latencies = output.samples?.latency_ms ?? [];
  expect(latencies).toHaveLength(30);
  expect(Math.min(...latencies)).toBeGreaterThanOrEqual(19);
  expect(output.metrics).toMatchObject({ requests: 30, errors: 0, error_rate: 0 });
  expect(output.metrics.latency_p95_ms).toBeCloseTo(quantile(latencies, 0.95), 1);
  expect(output.metrics.latency_p50_ms).toBeCloseTo(quantile(latencies, 0.5), 1);
  // 30 requests of ≥ 20 ms, 5 at a time: at most 250 requests per second.
  expect(output.metrics.throughput_rps).toBeLessThanOrEqual(250);
  expect(output.metrics.throughput_rps).toBeGreaterThan(0);
});

it('keeps the concurrency it was given', async () => {
  await http({ name: 'probe', url: `${baseUrl}/?delay=30`, requests: 24, concurrency: 4 }).run(
    await benchmarkContext(),
  );
  expect(maxInFlight).toBe(4);
});

it('counts non-2xx answers and unreachable endpoints as errors', async () => {
  const output = await http({
    name: 'probe',
    url: `${baseUrl}/?failEvery=4`,
    requests: 20,
    concurrency: 1,
  }).run(await benchmarkContext());
  expect(output.metrics).toMatchObject({ errors: 5, error_rate: 0.25 });
  expect(output.samples?.error?.filter((value) => value === 1)).toHaveLength(5);
  expect(output.samples?.latency_ms).toHaveLength(15);

  const unreachable = await http({
    name: 'probe',
    url: 'http://127.0.0.1:9/',
    requests: 3,
    concurrency: 3,
  }).run(await benchmarkContext());
  expect(unreachable.metrics).toMatchObject({ errors: 3, error_rate: 1 });
  // No successful request, no latency: criteria on it are inconclusive rather than passing on 0.
  expect(unreachable.metrics.latency_p95_ms).toBeUndefined();
});

it('shows its progress in heartbeats as it goes, warm-up requests not counted', async () => {
  const benchmark = http({ name: 'probe', url: baseUrl, requests: 40, warmup: 3, concurrency: 4 });
  const context = await benchmarkContext();
  await benchmark.run(context);
  // About 20 heartbeats over the run, every 2 requests here, the last one at the end.
  expect(context.heartbeats).toHaveLength(20);
  expect(context.heartbeats[0]).toEqual({ requests: 2, of: 40 });
  expect(context.heartbeats.at(-1)).toEqual({ requests: 40, of: 40 });
});

it('builds the request from the version under review, and does not count warm-up requests', async () => {
  const benchmark = http({
    name: 'probe',
    url: ({ target }) => `${baseUrl}/complete?model=${(target.value as { model: string }).model}`,
    method: 'POST',
    headers: { authorization: 'Bearer test' },
    body: (context, request) => ({ role: context.role, request }),
    requests: 3,
    warmup: 2,
    concurrency: 1,
  });
  const output = await benchmark.run(
    await benchmarkContext({
      target: promptTarget({ model: 'local-echo-2', template: '{question}' }),
    }),
  );
  expect(output.metrics.requests).toBe(3);
  expect(seen).toHaveLength(5);
  expect(seen.every((request) => request.url === '/complete?model=local-echo-2')).toBe(true);
  expect(seen.map((request) => JSON.parse(request.body).request)).toEqual([-2, -1, 0, 1, 2]);
  expect(seen[0]?.headers).toMatchObject({
    authorization: 'Bearer test',
    'content-type': 'application/json',
  });
});

it('a slow request over requestTimeoutMs counts as an error', async () => {
  const output = await http({
    name: 'probe',
    url: `${baseUrl}/?delay=300`,
    requests: 2,
    requestTimeoutMs: 50,
  }).run(await benchmarkContext());
  expect(output.metrics.errors).toBe(2);
});

it('stops when the run is cancelled, rejecting with the reason', async () => {
  const context = await benchmarkContext();
  const running = http({
    name: 'probe',
    url: `${baseUrl}/?delay=200`,
    requests: 100,
    concurrency: 2,
  }).run(context);
  setTimeout(() => context.controller.abort(new Error('review decided')), 100);
  const started = Date.now();
  await expect(running).rejects.toThrow('review decided');
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(seen.length).toBeLessThan(10);
});
