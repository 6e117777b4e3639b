// Statsig delivers at least once and in bursts: twenty copies of one review event arriving at the same
// time over HTTP start exactly one review, and every copy is acknowledged.
import type { Client } from '@temporalio/client';
import { reviewWorkflowId } from '../../workflows/contract';
import {
  deliver,
  listIds,
  reviewEvent,
  summaryOf,
  type TestReceiver,
  unique,
  useTestReceiver,
  waitUntilListed,
} from './helpers';

let client: Client;
let receiver: TestReceiver;

useTestReceiver((started) => {
  ({ client, receiver } = started);
});

describe('concurrent duplicate deliveries', () => {
  it('start one review for 20 concurrent copies of the same event', async () => {
    const triggerID = `t_${unique()}`;
    const workflowId = reviewWorkflowId(triggerID, 'phase_1');
    const event = reviewEvent(triggerID);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => deliver(receiver.url, receiver.secret, event)),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const summaries = responses.map((response) => summaryOf(response).events[0]);
    expect(summaries.every((summary) => summary?.workflowId === workflowId)).toBe(true);
    const statuses = summaries.map((summary) => summary?.status);
    expect(statuses.filter((status) => status === 'accepted')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(19);

    const query = `RolloutTriggerID = "${triggerID}"`;
    await waitUntilListed(client, query, [workflowId]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await listIds(client, query)).toEqual([workflowId]);
    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.taskQueue).toBe(receiver.taskQueue);
  });
});
