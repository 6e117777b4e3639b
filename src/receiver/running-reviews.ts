// Tells running reviews that Statsig reported a change to the entity they review: finds them by the
// RolloutEntity search attribute and signals each by name. The receiver never imports workflow code;
// the signal's definition is the contract in workflows/contract.ts.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import {
  type ConfigChangedSignal,
  configChangedSignal,
  REVIEW_WORKFLOW_TYPE,
} from '../../workflows/contract';
import { isQueryableLiteral, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { errorMessage } from '../error-message';

export interface SignalOutcome {
  /** Reviews that received the signal. */
  signalled: string[];
  /** Reviews found running that could not be signalled; one that finished meanwhile is not here. */
  failed: string[];
  /** Why the lookup or a signal failed, for the log. */
  error?: string;
}

export interface RunningReviews {
  signalConfigChange(change: ConfigChangedSignal): Promise<SignalOutcome>;
}

/** Running reviews per entity; more would mean something is looping, not a real rollout. */
const MAX_REVIEWS_SIGNALLED = 100;

/**
 * The visibility query for the running reviews of an entity, known by name or ID (a config change
 * carries either). For a key the query language cannot carry safely it selects every running
 * review; callers filter on the entity themselves.
 */
export function runningReviewsQuery(keys: readonly string[]): string {
  const clauses = [`ExecutionStatus = "Running"`, `WorkflowType = "${REVIEW_WORKFLOW_TYPE}"`];
  if (keys.length > 0 && keys.every(isQueryableLiteral)) {
    const matches = keys.flatMap((key) => [
      `${SEARCH_ATTRIBUTES.entity.name} = "${key}"`,
      `${SEARCH_ATTRIBUTES.entityID.name} = "${key}"`,
    ]);
    clauses.unshift(`(${matches.join(' OR ')})`);
  }
  return clauses.join(' AND ');
}

export function createRunningReviews(
  client: Client,
  options: { timeoutMs?: number } = {},
): RunningReviews {
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function findRunning(keys: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for await (const execution of client.workflow.list({
      query: runningReviewsQuery(keys),
      pageSize: MAX_REVIEWS_SIGNALLED,
    })) {
      const attributes = execution.typedSearchAttributes;
      const entity = [
        attributes.get(SEARCH_ATTRIBUTES.entity),
        attributes.get(SEARCH_ATTRIBUTES.entityID),
      ];
      if (!keys.some((key) => entity.includes(key))) continue;
      ids.push(execution.workflowId);
      if (ids.length >= MAX_REVIEWS_SIGNALLED) break;
    }
    return ids;
  }

  return {
    async signalConfigChange(change) {
      // One deadline for the lookup and every signal: the delivery waits on this.
      return client.connection.withDeadline(Date.now() + timeoutMs, async () => {
        let running: string[];
        try {
          running = await findRunning([...new Set([change.name, change.id ?? change.name])]);
        } catch (error) {
          return { signalled: [], failed: [], error: errorMessage(error) };
        }
        const results = await Promise.allSettled(
          running.map((workflowId) =>
            client.workflow.getHandle(workflowId).signal(configChangedSignal, change),
          ),
        );
        const outcome: SignalOutcome = { signalled: [], failed: [] };
        results.forEach((result, index) => {
          const workflowId = running[index] as string;
          if (result.status === 'fulfilled') {
            outcome.signalled.push(workflowId);
          } else if (!(result.reason instanceof WorkflowNotFoundError)) {
            // Not found means the review finished after the lookup: it no longer needs the news.
            outcome.failed.push(workflowId);
            outcome.error ??= errorMessage(result.reason);
          }
        });
        return outcome;
      });
    },
  };
}
