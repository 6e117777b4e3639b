// The worker's side of the catch-up (activities/catch-up.ts's ReviewDirectory): starting reviews
// with the start every source shares, and counting the stuck ones, over the worker's own client.
import type { Client } from '@temporalio/client';
import type { ReviewDirectory } from '../../activities/catch-up';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { startReview } from './start';
import { countStuck } from './stuck';

export function createReviewDirectory(
  client: Client,
  options: { taskQueue: string },
): ReviewDirectory {
  return {
    async startReview(request, source) {
      const started = await startReview(client, request, { taskQueue: options.taskQueue, source });
      if (started.status === 'accepted') return started;
      // Which review is there, and how it stands: running, or ended without deciding the phase.
      const described = await client.workflow.getHandle(started.workflowId).describe();
      const decision = described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.decision);
      return {
        status: 'duplicate',
        workflowId: started.workflowId,
        existing: described.status.name,
        ...(decision ? { decision } : {}),
      };
    },
    countStuck: (overMs) => countStuck(client, { taskQueue: options.taskQueue, overMs }),
  };
}
