// Workflow IDs over the wire: deliveries for (a-b, c) and (a, b-c) start two reviews, each under its
// own ID, and a review started under the old unescaped ID before the upgrade is found rather than
// doubled. No worker: the reviews stay running for the checks.
import type { Client } from '@temporalio/client';
import { REVIEW_WORKFLOW_TYPE, reviewWorkflowId } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import {
  deliver,
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

it('starts separate reviews for (a-b, c) and (a, b-c), marked as started by a webhook', async () => {
  const suffix = unique();
  const first = await deliver(receiver.url, receiver.secret, reviewEvent(`t-${suffix}`, 'p'));
  const second = await deliver(receiver.url, receiver.secret, reviewEvent('t', `${suffix}-p`));
  const ids = [summaryOf(first).events[0], summaryOf(second).events[0]].map((event) => {
    expect(event?.status).toBe('accepted');
    return event?.workflowId;
  });
  expect(ids).toEqual([`review-t~-${suffix}-p`, `review-t-${suffix}~-p`]);
  const query = `RolloutSource = "webhook" AND (RolloutTriggerID = "t-${suffix}" OR RolloutPhaseID = "${suffix}-p")`;
  await waitUntilListed(client, query, ids as string[]);
  for (const id of ids) await client.workflow.getHandle(id ?? '').terminate('test over');
});

it('finds a review started under the old, unescaped ID for the same trigger and phase', async () => {
  const triggerID = `t-${unique()}`;
  const legacyId = `review-${triggerID}-p`;
  expect(reviewWorkflowId(triggerID, 'p')).not.toBe(legacyId);
  // As the receiver started it before IDs were escaped.
  await client.workflow.start(REVIEW_WORKFLOW_TYPE, {
    taskQueue: receiver.taskQueue,
    workflowId: legacyId,
    args: [{ releasePipelineID: 'rp_test', triggerID, phaseID: 'p', receivedAtMs: Date.now() }],
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.triggerID, value: triggerID },
      { key: SEARCH_ATTRIBUTES.phaseID, value: 'p' },
    ],
  });
  const response = await deliver(receiver.url, receiver.secret, reviewEvent(triggerID, 'p'));
  expect(summaryOf(response).events[0]).toMatchObject({
    status: 'duplicate',
    workflowId: legacyId,
  });
  await client.workflow.getHandle(legacyId).terminate('test over');
});
