// A latency SLO gate against an HTTP service: the request is built from the configuration under
// review (model, template, token budget), so the gate measures what this configuration costs, and
// compares it with the released configuration measured side by side in the same review.
// The service's URL comes from MODEL_SERVICE_URL (src/demo/model-service.ts is a local one).

import { asPromptConfig } from '../src/demo/local-model';
import { defineGate, defineSuite, http } from '../src/index';

function serviceUrl(): string {
  return process.env.MODEL_SERVICE_URL ?? 'http://127.0.0.1:4200';
}

export const latencySlo = defineSuite({
  name: 'latency-slo',
  benchmarks: [
    http({
      name: 'completion-latency',
      url: ({ target }) => {
        const config = asPromptConfig(target.value);
        const query = new URLSearchParams({
          model: config.model,
          template: config.template,
          temperature: String(config.temperature),
          maxTokens: String(config.maxTokens ?? 64),
          question: 'What is the capital of France?',
        });
        return `${serviceUrl()}/v1/complete?${query}`;
      },
      // A p95 from 200 requests moves only when more than 10 are slow: one stall of the machine
      // measuring it (a pause holds the 8 in flight) does not decide the SLO, and the medians the
      // comparison tests barely move.
      requests: 200,
      concurrency: 8,
      warmup: 8,
      timeoutMs: 60_000,
    }),
  ],
  criteria: [
    {
      name: 'p95 within the SLO',
      metric: 'latency_ms',
      aggregate: 'p95',
      op: '<=',
      threshold: 400,
      critical: true,
    },
    // Mann-Whitney on per-request latencies: passes only when the data show the median is at most
    // 50 ms slower than the released configuration's (significance 5%).
    {
      name: 'median no more than 50 ms slower',
      metric: 'latency_ms',
      aggregate: 'median',
      compare: 'delta',
      op: '<=',
      threshold: 50,
      minSamples: 20,
    },
    { name: 'error rate', metric: 'error_rate', op: '<=', threshold: 0.01 },
  ],
});

export default defineGate({ suites: [latencySlo] });
