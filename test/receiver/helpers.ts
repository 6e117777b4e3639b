// Shared fixtures for the receiver tests: a receiver wired to the run's real dev server on a task
// queue of its own (no worker, so every review it starts stays running and can be inspected), signed
// requests, captured JSON logs, and polling for Temporal's eventually consistent visibility.
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildReceiver, type ReceiverOptions } from '../../src/receiver/app';
import { createReviewStarter } from '../../src/receiver/review-starter';
import { createRunningReviews } from '../../src/receiver/running-reviews';
import { computeSignature } from '../../src/statsig/webhook-signature';
import { createClient } from '../../src/temporal/connection';
import { testTemporalAddress } from '../helpers/temporal';

export const TOLERANCE_MS = 5 * 60 * 1000;
export const BODY_LIMIT = 1024 * 1024;
export const WEBHOOK = '/webhooks/statsig';

export function newSecret(): string {
  return randomBytes(24).toString('hex');
}

/** A short unique suffix, so IDs never collide with another test's on the shared server. */
export function unique(): string {
  return randomUUID().slice(0, 8);
}

export function sharedClient(): Client {
  return createClient({ address: testTemporalAddress(), namespace: 'default' });
}

export interface TestReceiver {
  app: FastifyInstance;
  /** Base URL on loopback. */
  url: string;
  secret: string;
  taskQueue: string;
}

/** A receiver on the shared dev server, listening on loopback; options override the defaults. */
export async function testReceiver(
  client: Client,
  overrides: Partial<ReceiverOptions> = {},
): Promise<TestReceiver> {
  const secret = newSecret();
  const taskQueue = `receiver-test-${randomUUID()}`;
  const app = buildReceiver({
    webhookSecrets: [secret],
    toleranceMs: TOLERANCE_MS,
    bodyLimitBytes: BODY_LIMIT,
    reviews: createReviewStarter(client, { taskQueue }),
    runningReviews: createRunningReviews(client),
    ...overrides,
  });
  return { app, url: await listen(app), secret, taskQueue };
}

export function signed(
  secret: string,
  body: string | Buffer,
  timestampMs: number = Date.now(),
): Record<string, string> {
  const timestamp = String(timestampMs);
  return {
    'content-type': 'application/json',
    'x-statsig-request-timestamp': timestamp,
    'x-statsig-signature': computeSignature(secret, timestamp, body),
  };
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
}

/**
 * One request over loopback HTTP. (Fastify's `inject` cannot load under this jest setup: its
 * light-my-request needs the ESM-only `cookie` package.) Bodies go out as bytes, so fetch adds no
 * content type of its own.
 */
export async function http(
  baseUrl: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: Buffer.from(init.body) } : {}),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Listens on an ephemeral loopback port and returns the base URL. */
export function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** POSTs a delivery signed with `secret`; the payload is sent byte for byte. */
export function deliver(
  baseUrl: string,
  secret: string,
  payload: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<HttpResponse> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return http(baseUrl, WEBHOOK, { headers: { ...signed(secret, body), ...extraHeaders }, body });
}

/** The summary of a 2xx delivery, for reading fields out of it. */
export interface DeliverySummary {
  received: number;
  events: Array<{
    index: number;
    kind: string;
    status: string;
    workflowId?: string;
    signalled?: string[];
  }>;
}

export function summaryOf(response: HttpResponse): DeliverySummary {
  return response.body as DeliverySummary;
}

/** The error code of an error answer. */
export function errorCode(response: HttpResponse): string | undefined {
  return (response.body as { error?: { code?: string } } | undefined)?.error?.code;
}

export function reviewEvent(triggerID: string, phaseID = 'phase_1', extra: object = {}) {
  return {
    event: 'ReleasePipelineWaitingForReview',
    releasePipelineMetadata: { releasePipelineID: 'rp_test', phaseID, triggerID },
    ...extra,
  };
}

export function configChange(
  name: string,
  options: { action?: string; type?: string; timestamp?: number | string; email?: string } = {},
) {
  return {
    user: { name: 'Test User', email: options.email ?? 'test.user@example.com' },
    timestamp: options.timestamp ?? 1709660061095,
    eventName: 'statsig::config_change',
    metadata: {
      type: options.type ?? 'Gate',
      name,
      description: `Description: change to ${name}`,
      action: options.action ?? 'updated',
    },
    projectName: 'an extra field',
  };
}

export function exposure(index: number, timestamp: number | string = 1644520566968) {
  return {
    eventName: 'statsig::gate_exposure',
    user: { userID: `user_${index}`, email: `user${index}@example.com`, country: 'US' },
    userID: `user_${index}`,
    timestamp,
    value: '',
    metadata: { gate: 'test_gate', gateValue: 'true', ruleID: 'default' },
    statsigMetadata: {},
    timeUUID: `f4c414a0-8ab5-11ec-a8a3-${String(index).padStart(12, '0')}`,
    unitID: 'userID',
  };
}

export async function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Polls until `check` returns something other than undefined (visibility lags behind writes). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Workflow IDs that visibility lists for a query. */
export async function listIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

/** Waits until visibility lists every one of `workflowIds` for the query. */
export function waitUntilListed(client: Client, query: string, workflowIds: string[]) {
  return eventually(async () => {
    const ids = await listIds(client, query);
    return workflowIds.every((id) => ids.includes(id)) ? ids : undefined;
  });
}

export interface CapturedLogs {
  stream: Writable;
  /** Every line written so far, as text. */
  text(): string;
  /** Every line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
}

/** A pino destination that keeps everything written to it. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/**
 * One receiver on the shared dev server for a whole test file: started before its tests (handed to
 * `started`) and closed after them.
 */
export function useTestReceiver(
  started: (shared: { client: Client; receiver: TestReceiver }) => void,
  overrides: Partial<ReceiverOptions> = {},
): void {
  let shared: { client: Client; receiver: TestReceiver } | undefined;
  beforeAll(async () => {
    const client = sharedClient();
    shared = { client, receiver: await testReceiver(client, overrides) };
    started(shared);
  });
  afterAll(async () => {
    await shared?.receiver.app.close();
    await shared?.client.connection.close();
  });
}

/**
 * For files whose tests each need a receiver of their own (different options, fresh state): returns
 * a factory; every receiver it builds is closed with the file, with the shared client.
 */
export function useReceiverFactory(): (
  overrides?: Partial<ReceiverOptions>,
) => Promise<TestReceiver> {
  let client: Client | undefined;
  const built: TestReceiver[] = [];
  beforeAll(() => {
    client = sharedClient();
  });
  afterAll(async () => {
    await Promise.all(built.map((receiver) => receiver.app.close()));
    await client?.connection.close();
  });
  return async (overrides = {}) => {
    if (!client) throw new Error('useReceiverFactory: build receivers inside tests or hooks');
    const receiver = await testReceiver(client, overrides);
    built.push(receiver);
    return receiver;
  };
}
