// What every activity reads from the running attempt: where its review's files go, and the signal
// that says the attempt was cancelled.
import { Context } from '@temporalio/activity';
import type { ReviewKey } from '../src/gate/report/store';

/** Where a run's outputs are filed: its review's workflow execution (activities run inside one). */
export function reviewKey(): ReviewKey {
  const info = Context.current().info;
  return info.workflowExecution ?? { workflowId: 'standalone', runId: info.activityId };
}

/** Aborted when Temporal cancels the attempt: passed to every Statsig call. */
export function cancellation(): AbortSignal {
  return Context.current().cancellationSignal;
}
