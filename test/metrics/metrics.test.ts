// Metrics and logs of the real processes: `rollout-gate receiver` and `rollout-gate worker` run as
// separate fleets against the run's dev server and the Statsig sandbox; after real reviews, their
// Prometheus endpoints count what happened (and the worker's carries the Temporal SDK's own), and
// every line they log is JSON.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { sendWebhook } from '../../src/sandbox/webhook-sender';
import { createClient } from '../../src/temporal/connection';
import { getFreePort } from '../../src/temporal/dev-server';
import type { ReviewReport } from '../../workflows/contract';
import { ROOT } from '../helpers/cli';
import {
  parsePrometheus,
  type RoleProcess,
  sampleValue,
  startRole,
  waitForHttp,
} from '../helpers/processes';
import { faultTriggerReads } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { testTemporalAddress } from '../helpers/temporal';

jest.setTimeout(180_000);

const webhookSecret = randomBytes(24).toString('hex');
const consoleApiKey = `console-${randomBytes(8).toString('hex')}`;

let sandbox: StartedSandbox;
let client: Client;
let worker: RoleProcess;
let receiver: RoleProcess;
let receiverUrl: string;
/** The receiver's internal listener, where /metrics is served. */
let internalUrl: string;
let workerMetricsUrl: string;
const reports: ReviewReport[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ consoleApiKey, serverSecret: 'secret-unused', seed: testSeed() });
  client = createClient({ address: testTemporalAddress(), namespace: 'default' });
  const [receiverPort, internalPort, metricsPort] = [
    await getFreePort(),
    await getFreePort(),
    await getFreePort(),
  ];
  const common = {
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: `metrics-${randomUUID()}`,
    STATSIG_WEBHOOK_SECRET: webhookSecret,
    STATSIG_CONSOLE_API_KEY: consoleApiKey,
    STATSIG_CONSOLE_API_URL: sandbox.consoleApiUrl,
    LOG_LEVEL: 'info',
  };
  worker = startRole(['worker'], {
    ...common,
    GATE_CONFIG: path.join(ROOT, 'test', 'fixtures', 'quality-gate.ts'),
    WORKER_METRICS_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(metricsPort),
  });
  receiver = startRole(['receiver'], {
    ...common,
    HOST: '127.0.0.1',
    PORT: String(receiverPort),
    INTERNAL_PORT: String(internalPort),
  });
  receiverUrl = `http://127.0.0.1:${receiverPort}`;
  internalUrl = `http://127.0.0.1:${internalPort}`;
  workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await Promise.all([
    waitForHttp(`${receiverUrl}/readyz`, receiver),
    waitForHttp(workerMetricsUrl, worker),
  ]);

  // A Statsig outage on the first reads of the passing review's trigger: the local load's and the
  // ordinary load's first attempt get a 503, then a retry.
  const good = releaseConfig(sandbox.sandbox, { quality: 0.95 });
  const bad = releaseConfig(sandbox.sandbox, { quality: 0.2 });
  faultTriggerReads(sandbox.sandbox, good.id, {
    status: 503,
    times: 2,
  });
  const url = `${receiverUrl}/webhooks/statsig`;
  // Built while both wait for review: the redelivery below repeats the first one as it was.
  const events = [good, bad].map((trigger) => sandbox.sandbox.reviewEvent(trigger.id));
  for (const payload of events) {
    const answer = await sendWebhook({ url, secret: webhookSecret, payload });
    expect(answer.status).toBe(200);
    const workflowId = (answer.body as { events: Array<{ workflowId: string }> }).events[0]
      ?.workflowId as string;
    reports.push((await client.workflow.getHandle(workflowId).result()) as ReviewReport);
  }
  // The same review delivered again, and a forged delivery.
  const again = events[0];
  expect((await sendWebhook({ url, secret: webhookSecret, payload: again })).status).toBe(200);
  const forged = randomBytes(24).toString('hex');
  expect((await sendWebhook({ url, secret: forged, payload: again })).status).toBe(401);
});

afterAll(async () => {
  const codes = await Promise.all([receiver?.stop(), worker?.stop()]);
  await client?.connection.close();
  await sandbox?.close();
  // Both stop cleanly on SIGTERM.
  expect(codes).toEqual([0, 0]);
});

async function scrape(url: string) {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

it('drove one approve and one abort', () => {
  expect(reports.map((report) => [report.verdict, report.action])).toEqual([
    ['pass', 'approved'],
    ['fail', 'aborted'],
  ]);
});

describe('the receiver at GET /metrics', () => {
  it('counts webhook answers by status, signature failures, events and reviews started', async () => {
    const samples = await scrape(`${internalUrl}/metrics`);
    expect(sampleValue(samples, 'rollout_gate_webhook_requests_total', { status: '200' })).toBe(3);
    expect(sampleValue(samples, 'rollout_gate_webhook_requests_total', { status: '401' })).toBe(1);
    expect(
      sampleValue(samples, 'rollout_gate_webhook_signature_failures_total', {
        reason: 'SIGNATURE_MISMATCH',
      }),
    ).toBe(1);
    expect(sampleValue(samples, 'rollout_gate_reviews_started_total')).toBe(2);
    expect(
      sampleValue(samples, 'rollout_gate_webhook_events_total', {
        kind: 'review',
        outcome: 'duplicate',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'rollout_gate_http_errors_total', {
        code: 'WEBHOOK_SIGNATURE_INVALID',
        status: '401',
      }),
    ).toBe(1);
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe("the worker's metrics listener", () => {
  it('counts reviews decided by verdict and action, and who decided', async () => {
    const samples = await scrape(workerMetricsUrl);
    const decided = (verdict: string, action: string) =>
      sampleValue(samples, 'rollout_gate_reviews_decided_total', {
        verdict,
        action,
        outcome: 'decided',
        decided_by: 'gate',
      });
    expect(decided('pass', 'approved')).toBe(1);
    expect(decided('fail', 'aborted')).toBe(1);
  });

  it('times every benchmark', async () => {
    const samples = await scrape(workerMetricsUrl);
    const labels = { suite: 'prompt-quality', benchmark: 'score', status: 'completed' };
    expect(sampleValue(samples, 'rollout_gate_benchmark_duration_seconds_count', labels)).toBe(2);
    expect(
      sampleValue(samples, 'rollout_gate_benchmark_duration_seconds_sum', labels),
    ).toBeGreaterThan(0);
  });

  it('counts Statsig calls by operation and status, the outage included', async () => {
    const samples = await scrape(workerMetricsUrl);
    const calls = (method: string, operation: string, status: string) =>
      sampleValue(samples, 'rollout_gate_statsig_calls_total', { method, operation, status });
    expect(calls('PUT', '/release_pipeline_triggers/{id}/approve', '200')).toBe(1);
    expect(calls('PUT', '/release_pipeline_triggers/{id}/abort', '200')).toBe(1);
    expect(calls('GET', '/release_pipeline_triggers/{id}', '503')).toBe(2);
    expect(calls('GET', '/release_pipeline_triggers/{id}', '200')).toBeGreaterThanOrEqual(4);
    expect(calls('GET', '/dynamic_configs/{id}', '200')).toBeGreaterThanOrEqual(2);
    // No ID or key reaches a label.
    const operations = samples
      .filter((sample) => sample.name === 'rollout_gate_statsig_calls_total')
      .map((sample) => sample.labels.operation);
    expect(
      operations.every((operation) => /^\/[a-z_]+(\/\{id\}(\/[a-z_]+)?)?$/.test(operation ?? '')),
    ).toBe(true);
  });

  it("carries the Temporal SDK's own metrics", async () => {
    const samples = await scrape(workerMetricsUrl);
    const sdk = samples.filter((sample) => sample.name.startsWith('temporal_'));
    expect(sdk.length).toBeGreaterThan(0);
    expect(
      sampleValue(samples, 'temporal_workflow_completed', {
        workflow_type: 'releasePipelineReview',
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('answers /healthz', async () => {
    const response = await fetch(workerMetricsUrl.replace('/metrics', '/healthz'));
    expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
  });
});

describe('the Grafana dashboard (deploy/grafana/dashboards/rollout-gate.json)', () => {
  it('charts only metrics that the receiver or the worker expose', async () => {
    const exposed = new Set<string>();
    for (const url of [`${internalUrl}/metrics`, workerMetricsUrl]) {
      const text = await (await fetch(url)).text();
      for (const sample of parsePrometheus(text)) exposed.add(sample.name);
      // Declared metrics count too: a labelled counter has no sample until its first event.
      for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
        const [, name = '', type] = match;
        exposed.add(name);
        if (type === 'histogram')
          for (const suffix of ['_bucket', '_count', '_sum']) exposed.add(name + suffix);
      }
    }
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, 'deploy', 'grafana', 'dashboards', 'rollout-gate.json'), 'utf8'),
    ) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const charted = new Set(
      dashboard.panels.flatMap((panel) =>
        panel.targets.flatMap((target) =>
          [...target.expr.matchAll(/\b(?:rollout_gate|temporal|process|nodejs)_\w+/g)].map(
            (match) => match[0],
          ),
        ),
      ),
    );
    expect(charted.size).toBeGreaterThan(10);
    expect([...charted].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

describe('logs', () => {
  it('are JSON, one object per line, on both processes', () => {
    for (const [role, expected] of [
      [worker, 'workers polling'],
      [receiver, 'receiver listening'],
    ] as const) {
      const lines = role
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(0);
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.every((entry) => typeof entry.level === 'number' && 'time' in entry)).toBe(
        true,
      );
      expect(entries.map((entry) => entry.msg)).toContain(expected);
    }
    expect(receiver.stdout()).not.toContain(webhookSecret);
    expect(worker.stdout()).not.toContain(consoleApiKey);
  });

  it('show progress on stderr while starting', () => {
    expect(worker.stderr()).toMatch(/\]\s+Loading the gate config .*quality-gate\.ts/);
    expect(worker.stderr()).toMatch(/Workers polling task queue metrics-/);
    expect(worker.stderr()).toMatch(/worker metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(receiver.stderr()).toMatch(/Receiver listening on http:\/\/127\.0\.0\.1:\d+/);
  });
});
