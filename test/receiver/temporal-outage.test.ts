// While Temporal is down the receiver answers 503 (so Statsig delivers again) and /readyz says so;
// once Temporal is back the same delivery is acknowledged and exactly one review exists. Runs its own
// dev server, persisted to SQLite so that stopping and restarting it on the same port keeps state.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildReceiver } from '../../src/receiver/app';
import { createReviewStarter } from '../../src/receiver/review-starter';
import { createRunningReviews, runningReviewsQuery } from '../../src/receiver/running-reviews';
import { createClient } from '../../src/temporal/connection';
import { type DevServer, getFreePort, startDevServer } from '../../src/temporal/dev-server';
import { REVIEW_WORKFLOW_TYPE, reviewWorkflowId } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  BODY_LIMIT,
  configChange,
  deliver,
  errorCode,
  eventually,
  type HttpResponse,
  http,
  listen,
  listIds,
  newSecret,
  reviewEvent,
  summaryOf,
  TOLERANCE_MS,
  unique,
  waitUntilListed,
} from './helpers';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const taskQueue = 'outage-test';

let tmp: string;
let port: number;
let dbFilename: string;
let server: DevServer | undefined;
let client: Client;
let app: FastifyInstance;
let url: string;
const secret = newSecret();

function startServer(): Promise<DevServer> {
  return startDevServer({ projectRoot: REPO_ROOT, port, headless: true, dbFilename });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rollout-gate-outage-'));
  port = await getFreePort();
  dbFilename = path.join(tmp, 'temporal.sqlite');
  server = await startServer();
  client = createClient({ address: server.address, namespace: 'default' });
  app = buildReceiver({
    webhookSecrets: [secret],
    toleranceMs: TOLERANCE_MS,
    bodyLimitBytes: BODY_LIMIT,
    reviews: createReviewStarter(client, { taskQueue, startTimeoutMs: 1_500 }),
    runningReviews: createRunningReviews(client, { timeoutMs: 1_500 }),
  });
  url = await listen(app);
});

afterAll(async () => {
  await app?.close();
  await client?.connection.close();
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('a Temporal outage', () => {
  it('answers 503 while Temporal is down and acknowledges the same delivery once it is back', async () => {
    // A review of the entity already runs, so the batch's config change has someone to tell.
    const entity = `outage_entity_${unique()}`;
    const running = await client.workflow.start(REVIEW_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `review-running-${unique()}`,
      args: [],
      typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.entity, value: entity }],
    });
    await waitUntilListed(client, runningReviewsQuery([entity]), [running.workflowId]);
    expect((await http(url, '/readyz')).status).toBe(200);

    await server?.stop();
    server = undefined;

    const triggerID = `t_${unique()}`;
    const workflowId = reviewWorkflowId(triggerID, 'phase_1');
    const batch = { data: [configChange(entity), reviewEvent(triggerID)] };

    const down = await deliver(url, secret, batch);
    expect(down.status).toBe(503);
    expect(errorCode(down)).toBe('TEMPORAL_UNAVAILABLE');
    expect(down.headers.get('retry-after')).toBe('5');
    const notReady = await http(url, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({ status: 'not ready', temporal: false });

    server = await startServer();

    // What Statsig does: deliver again until the answer is 2xx.
    const back = await eventually<HttpResponse>(
      async () => {
        const response = await deliver(url, secret, batch);
        return response.status === 200 ? response : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    const [change, review] = summaryOf(back).events;
    expect(review).toMatchObject({ kind: 'review', workflowId });
    expect(['accepted', 'duplicate']).toContain(review?.status);
    // Recorded during the outage; told to the running review now that Temporal answers.
    expect(change).toEqual({
      index: 0,
      kind: 'config_change',
      status: 'duplicate',
      signalled: [running.workflowId],
    });
    expect((await http(url, '/readyz')).status).toBe(200);

    const again = await deliver(url, secret, batch);
    expect(summaryOf(again).events[1]).toMatchObject({ status: 'duplicate', workflowId });

    const reviews = await waitUntilListed(client, `RolloutTriggerID = "${triggerID}"`, [
      workflowId,
    ]);
    expect(reviews).toEqual([workflowId]);
    // Visibility is eventually consistent: look again a moment later for a late second review.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listIds(client, `RolloutTriggerID = "${triggerID}"`)).toEqual([workflowId]);
  }, 90_000);
});
