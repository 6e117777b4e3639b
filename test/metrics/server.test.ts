// The worker's metrics listener on its own: what a scrape gets when the SDK's exporter is gone, the
// routes it does not serve, and a port that is already taken.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import { createMetricsRegistry } from '../../src/metrics/registry';
import { MetricsPortError, startMetricsServer } from '../../src/metrics/server';
import { getFreePort } from '../../src/temporal/dev-server';

it("still serves its own metrics when the SDK's exporter does not answer", async () => {
  const registry = createMetricsRegistry();
  new Counter({ name: 'test_scrapes_total', help: 'a test counter', registers: [registry] }).inc(3);
  const server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry,
    sdkMetricsUrl: `http://127.0.0.1:${await getFreePort()}/metrics`,
  });
  try {
    const response = await fetch(`${server.url}/metrics`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toMatch(/^test_scrapes_total 3$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^# Temporal SDK metrics unavailable: /m);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  } finally {
    await server.close();
  }
});

it('refuses a port in use with a message naming the setting', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    const attempt = startMetricsServer({
      host: '127.0.0.1',
      port,
      registry: createMetricsRegistry(),
    });
    await expect(attempt).rejects.toThrow(MetricsPortError);
    await expect(attempt).rejects.toThrow(
      `The worker's metrics port ${port} on 127.0.0.1 is already in use: set WORKER_METRICS_PORT to another port, or to 'off'.`,
    );
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});
