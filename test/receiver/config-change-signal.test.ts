// A config change to an entity under review reaches every running review of it as
// the configChanged signal. The reviews here run on a task queue with no worker, so they stay running
// and their histories show exactly what the receiver sent; no workflow code is involved.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildReceiver } from '../../src/receiver/app';
import { createReviewStarter } from '../../src/receiver/review-starter';
import { createRunningReviews, runningReviewsQuery } from '../../src/receiver/running-reviews';
import { createClient } from '../../src/temporal/connection';
import { getFreePort } from '../../src/temporal/dev-server';
import {
  type ConfigChangedSignal,
  configChangedSignal,
  REVIEW_WORKFLOW_TYPE,
} from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  BODY_LIMIT,
  captureLogs,
  configChange,
  deliver,
  listen,
  newSecret,
  summaryOf,
  type TestReceiver,
  TOLERANCE_MS,
  unique,
  useTestReceiver,
  waitUntilListed,
} from './helpers';

let client: Client;
let receiver: TestReceiver;
const taskQueue = `no-worker-${randomUUID()}`;

useTestReceiver((started) => {
  ({ client, receiver } = started);
});

/** A running review of `entity`, as the workflow looks once it has resolved its target. */
async function runningReview(
  entity: string,
  workflowType = REVIEW_WORKFLOW_TYPE,
  entityID = `${entity}_id`,
) {
  const workflowId = `review-signal-test-${unique()}`;
  await client.workflow.start(workflowType, {
    taskQueue,
    workflowId,
    args: [],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.entity, value: entity },
      { key: SEARCH_ATTRIBUTES.entityID, value: entityID },
    ],
  });
  return client.workflow.getHandle(workflowId);
}

async function signalsReceived(workflowId: string): Promise<ConfigChangedSignal[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== configChangedSignal.name) return [];
    const payload = signal.input?.payloads?.[0];
    return payload ? [defaultPayloadConverter.fromPayload<ConfigChangedSignal>(payload)] : [];
  });
}

describe('the configChanged signal', () => {
  it('signals every running review of the entity, and no other workflow', async () => {
    const entity = `prompt_config_${unique()}`;
    const first = await runningReview(entity);
    const second = await runningReview(entity);
    const finished = await runningReview(entity);
    await finished.terminate('the review is over');
    const otherEntity = await runningReview(`another_${unique()}`);
    const notAReview = await runningReview(entity, 'someOtherWorkflow');
    await waitUntilListed(client, runningReviewsQuery([entity]), [
      first.workflowId,
      second.workflowId,
    ]);

    const timestamp = Date.UTC(2025, 5, 1);
    const response = await deliver(receiver.url, receiver.secret, {
      data: [configChange(entity, { type: 'DynamicConfig', action: 'updated', timestamp })],
    });
    expect(response.status).toBe(200);
    const [summary] = summaryOf(response).events;
    expect(summary).toMatchObject({ kind: 'config_change', status: 'recorded' });
    expect([...(summary?.signalled ?? [])].sort()).toEqual(
      [first.workflowId, second.workflowId].sort(),
    );

    const expected: ConfigChangedSignal = {
      type: 'DynamicConfig',
      name: entity,
      action: 'updated',
      happenedAtMs: timestamp,
    };
    expect(await signalsReceived(first.workflowId)).toEqual([expected]);
    expect(await signalsReceived(second.workflowId)).toEqual([expected]);
    expect(await signalsReceived(otherEntity.workflowId)).toEqual([]);
    expect(await signalsReceived(notAReview.workflowId)).toEqual([]);
  });

  it('reaches the review of an entity by its ID when the change carries no name', async () => {
    const entity = `by_id_${unique()}`;
    const review = await runningReview(entity, REVIEW_WORKFLOW_TYPE, `dc_${unique()}`);
    const other = await runningReview(`by_id_other_${unique()}`);
    const entityID = (await review.describe()).typedSearchAttributes.get(
      SEARCH_ATTRIBUTES.entityID,
    );
    await waitUntilListed(client, runningReviewsQuery([entityID ?? '']), [review.workflowId]);
    const change = configChange('unused', {
      type: 'DynamicConfig',
      timestamp: Date.UTC(2025, 5, 3),
    });
    const response = await deliver(receiver.url, receiver.secret, [
      { ...change, metadata: { type: 'DynamicConfig', id: entityID, action: 'updated' } },
    ]);
    expect(summaryOf(response).events[0]?.signalled).toEqual([review.workflowId]);
    expect(await signalsReceived(review.workflowId)).toEqual([
      {
        type: 'DynamicConfig',
        name: entityID,
        id: entityID,
        action: 'updated',
        happenedAtMs: Date.UTC(2025, 5, 3),
      },
    ]);
    expect(await signalsReceived(other.workflowId)).toEqual([]);
  });

  it('finds the reviews of an entity whose name a query cannot quote, and only those', async () => {
    const entity = `odd "name" \\ ${unique()}`;
    const review = await runningReview(entity);
    await runningReview(`odd "name" \\ ${unique()}`);
    await waitUntilListed(client, runningReviewsQuery([entity]), [review.workflowId]);
    const response = await deliver(receiver.url, receiver.secret, [configChange(entity)]);
    expect(summaryOf(response).events[0]?.signalled).toEqual([review.workflowId]);
  });

  it('does not signal again for a redelivered change', async () => {
    const entity = `redelivered_${unique()}`;
    const review = await runningReview(entity);
    await waitUntilListed(client, runningReviewsQuery([entity]), [review.workflowId]);
    const batch = [configChange(entity, { timestamp: Date.UTC(2025, 5, 2) })];
    await deliver(receiver.url, receiver.secret, batch);
    const again = await deliver(receiver.url, receiver.secret, batch);
    expect(summaryOf(again).events[0]).toMatchObject({ status: 'duplicate', signalled: [] });
    expect(await signalsReceived(review.workflowId)).toHaveLength(1);
  });

  it('still records the change when Temporal cannot be reached, and logs why', async () => {
    const logs = captureLogs();
    const unreachable = createClient({
      address: `127.0.0.1:${await getFreePort()}`,
      namespace: 'default',
    });
    const secret = newSecret();
    const app = buildReceiver({
      webhookSecrets: [secret],
      toleranceMs: TOLERANCE_MS,
      bodyLimitBytes: BODY_LIMIT,
      reviews: createReviewStarter(unreachable, { taskQueue }),
      runningReviews: createRunningReviews(unreachable, { timeoutMs: 500 }),
      logger: { level: 'info', stream: logs.stream },
    });
    try {
      const url = await listen(app);
      const entity = `while_down_${unique()}`;
      const response = await deliver(url, secret, { data: [configChange(entity)] });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        received: 1,
        unreadable: 0,
        events: [{ index: 0, kind: 'config_change', status: 'recorded', signalled: [] }],
      });
      expect(logs.lines()).toContainEqual(
        expect.objectContaining({ level: 40, code: 'CONFIG_CHANGE_SIGNAL_FAILED', entity }),
      );
      const stats = await fetch(`${url}/stats`).then((r) => r.json());
      expect(stats).toMatchObject({ signals: { sent: 0, failed: 1 } });
    } finally {
      await app.close();
      await unreachable.connection.close();
    }
  });
});
