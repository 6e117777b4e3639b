// The worker's metrics listener: GET /metrics (ours, then the Temporal SDK's own, scraped from the
// SDK's exporter on loopback so one scrape target per worker holds both) and GET /healthz.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errorMessage } from '../error-message';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** The Temporal SDK's Prometheus exporter, e.g. http://127.0.0.1:40123/metrics. */
  sdkMetricsUrl?: string;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export class MetricsPortError extends Error {
  readonly code = 'METRICS_PORT_IN_USE';
  constructor(host: string, port: number) {
    super(
      `The worker's metrics port ${port} on ${host} is already in use: set WORKER_METRICS_PORT to another port, or to 'off'.`,
    );
    this.name = 'MetricsPortError';
  }
}

async function sdkMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal SDK metrics unavailable: ${errorMessage(error)}\n`;
  }
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    void (async () => {
      try {
        const ours = await options.registry.metrics();
        const sdk = options.sdkMetricsUrl ? await sdkMetrics(options.sdkMetricsUrl) : '';
        response.writeHead(200, { 'content-type': options.registry.contentType });
        response.end(sdk === '' ? ours : `${ours}\n${sdk}`);
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`metrics failed: ${errorMessage(error)}\n`);
      }
    })();
  });
  // Scrapers keep connections alive; don't let one hold shutdown open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new MetricsPortError(options.host, options.port) : error,
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
