// `http`: N requests at a concurrency against an endpoint built from the config under review;
// reports latency percentiles, error rate and throughput, and keeps each request's latency as a
// sample so criteria can aggregate or compare them with the baseline.
import { z } from 'zod';
import { causeMessage } from '../../error-message';
import { aggregate } from '../stats';
import type { BenchmarkContext, Metrics } from '../types';
import {
  defineBenchmarkKind,
  type FromContext,
  forEachIndex,
  fromContext,
  progressHeartbeat,
  resolve,
  type WithDefaults,
} from './kind';

/** Anything JSON.stringify sends. */
export type JsonBody = string | number | boolean | null | object;

export interface HttpOptions {
  /** The endpoint; a function builds it from the version under review (`context.target`). */
  url: FromContext<string>;
  method?: string;
  headers?: FromContext<Record<string, string>>;
  /** Sent as JSON; a function may vary it per request (warm-up requests have negative indexes). */
  body?: JsonBody | ((context: BenchmarkContext, request: number) => JsonBody);
  /** Requests counted in the results. Default 50. */
  requests?: number;
  /** Requests in flight at once. Default 5. */
  concurrency?: number;
  /** Requests sent first and not counted (connection setup, caches). Default 0. */
  warmup?: number;
  /** A request slower than this counts as an error. Default 10 s. */
  requestTimeoutMs?: number;
  /** Which statuses count as success. Default: 2xx. */
  expectStatus?: number[];
}

const HTTP_METRICS = [
  'requests',
  'errors',
  'error_rate',
  'throughput_rps',
  'latency_mean_ms',
  'latency_p50_ms',
  'latency_p90_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'latency_max_ms',
  // Samples: one per successful request / one 0-or-1 per request.
  'latency_ms',
  'error',
] as const;

type CheckedHttpOptions = WithDefaults<
  HttpOptions,
  'requests' | 'concurrency' | 'warmup' | 'requestTimeoutMs'
>;

const httpOptionsSchema = z.object({
  url: fromContext(z.url({ message: 'url must be an http(s) URL' })),
  method: z
    .string()
    .regex(/^[A-Z]+$/, 'method must be an upper-case HTTP method')
    .optional(),
  headers: fromContext(z.record(z.string(), z.string())).optional(),
  body: z.unknown().optional(),
  requests: z.number().int().positive().max(1_000_000).default(50),
  concurrency: z.number().int().positive().max(1_000).default(5),
  warmup: z.number().int().min(0).default(0),
  requestTimeoutMs: z.number().int().positive().default(10_000),
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
}) as unknown as z.ZodType<CheckedHttpOptions, HttpOptions>;

interface RequestResult {
  ok: boolean;
  latencyMs: number;
}

export const http = defineBenchmarkKind<HttpOptions, CheckedHttpOptions>(
  'http',
  (options) => ({
    metrics: HTTP_METRICS,
    async run(context) {
      const url = resolve(options.url, context);
      const headers = options.headers ? resolve(options.headers, context) : {};
      const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
      const { requests, warmup } = options;
      const accepted = (status: number) =>
        options.expectStatus
          ? options.expectStatus.includes(status)
          : status >= 200 && status < 300;

      // Why requests failed, so an error-rate verdict can be explained: the first few, distinct.
      const failures = new Set<string>();
      const noteFailure = (reason: string) => {
        if (failures.size < 5) failures.add(reason);
      };

      const send = async (index: number): Promise<RequestResult> => {
        const body =
          typeof options.body === 'function'
            ? (options.body as (context: BenchmarkContext, request: number) => unknown)(
                context,
                index,
              )
            : options.body;
        const signal = AbortSignal.any([
          context.signal,
          AbortSignal.timeout(options.requestTimeoutMs),
        ]);
        const started = performance.now();
        try {
          const response = await fetch(url, {
            method,
            headers:
              body === undefined ? headers : { 'content-type': 'application/json', ...headers },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal,
          });
          // The whole answer counts: a slow body is a slow request.
          await response.arrayBuffer();
          const ok = accepted(response.status);
          if (!ok) noteFailure(`HTTP ${response.status}`);
          return { ok, latencyMs: performance.now() - started };
        } catch (error) {
          // Cancellation of the run is not a failed request: stop here.
          if (context.signal.aborted) throw context.signal.reason ?? error;
          noteFailure(causeMessage(error));
          return { ok: false, latencyMs: performance.now() - started };
        }
      };

      const results: RequestResult[] = new Array(requests);
      const requestDone = progressHeartbeat(context, requests, 'requests');
      let startedAt = 0;
      // Warm-up requests have negative indexes: sent first, never counted.
      await forEachIndex(-warmup, requests, options.concurrency, context.signal, async (index) => {
        if (index === 0 && startedAt === 0) startedAt = performance.now();
        const result = await send(index);
        if (index < 0) return;
        results[index] = result;
        requestDone();
      });
      if (failures.size > 0) {
        // The path only: a query string may carry a token.
        const { origin, pathname } = new URL(url);
        context.log.warn('some requests failed', {
          endpoint: `${origin}${pathname}`,
          reasons: [...failures],
        });
      }
      const elapsedS = (performance.now() - (startedAt || performance.now())) / 1000;
      const latencies = results.filter((r) => r.ok).map((r) => r.latencyMs);
      const errors = results.filter((r) => !r.ok).length;
      const round = (value: number) => Math.round(value * 100) / 100;
      // Without a successful request there is no latency: leaving the metrics out makes latency
      // criteria inconclusive rather than passing on a made-up zero.
      const latency: Metrics =
        latencies.length === 0
          ? {}
          : {
              latency_mean_ms: round(aggregate(latencies, 'mean')),
              latency_p50_ms: round(aggregate(latencies, 'p50')),
              latency_p90_ms: round(aggregate(latencies, 'p90')),
              latency_p95_ms: round(aggregate(latencies, 'p95')),
              latency_p99_ms: round(aggregate(latencies, 'p99')),
              latency_max_ms: round(aggregate(latencies, 'max')),
            };
      return {
        metrics: {
          requests,
          errors,
          error_rate: errors / requests,
          throughput_rps: round(requests / Math.max(elapsedS, 1e-6)),
          ...latency,
        },
        samples: {
          latency_ms: latencies.map(round),
          error: results.map((r) => (r.ok ? 0 : 1)),
        },
      };
    },
  }),
  httpOptionsSchema,
);
