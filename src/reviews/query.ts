// Finding reviews: the filter people give (CLI flags, the review API's query string) as a Temporal
// visibility query over the reviews' search attributes.
import { REVIEW_WORKFLOW_TYPE } from '../../workflows/contract';
import { isQueryableLiteral, SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { ReviewError } from './errors';

export interface ReviewFilter {
  pipelineID?: string;
  triggerID?: string;
  phaseID?: string;
  entity?: string;
  verdict?: string;
  decision?: string;
  /** Who started it: webhook, catch-up or rerun. */
  source?: string;
  /** Temporal execution status, e.g. Running or Completed. */
  status?: string;
}

export type SearchAttributeKey = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

/** The review fields kept in search attributes: a filter can name them, a summary shows them. */
export const FILTER_ATTRIBUTES: Record<
  Exclude<keyof ReviewFilter, 'status'>,
  SearchAttributeKey
> = {
  pipelineID: SEARCH_ATTRIBUTES.pipelineID,
  triggerID: SEARCH_ATTRIBUTES.triggerID,
  phaseID: SEARCH_ATTRIBUTES.phaseID,
  entity: SEARCH_ATTRIBUTES.entity,
  verdict: SEARCH_ATTRIBUTES.verdict,
  decision: SEARCH_ATTRIBUTES.decision,
  source: SEARCH_ATTRIBUTES.source,
};

const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
];

/** The visibility query for a filter; throws REVIEW_FILTER_INVALID for a value it cannot carry. */
export function reviewsQuery(filter: ReviewFilter): string {
  const clauses = [`WorkflowType = "${REVIEW_WORKFLOW_TYPE}"`];
  for (const [field, attribute] of Object.entries(FILTER_ATTRIBUTES)) {
    const value = filter[field as keyof typeof FILTER_ATTRIBUTES];
    if (value === undefined) continue;
    // A value a query literal cannot carry as it is gets refused rather than guessed at.
    if (!isQueryableLiteral(value)) {
      throw new ReviewError(
        'REVIEW_FILTER_INVALID',
        `${field} may hold letters, digits and . : / @ + - _ and spaces only`,
        { field },
      );
    }
    clauses.push(`${attribute.name} = "${value}"`);
  }
  if (filter.status !== undefined) {
    const status = EXECUTION_STATUSES.find(
      (known) => known.toLowerCase() === filter.status?.toLowerCase(),
    );
    if (!status) {
      throw new ReviewError(
        'REVIEW_FILTER_INVALID',
        `status must be one of ${EXECUTION_STATUSES.join(', ')}`,
        { field: 'status' },
      );
    }
    clauses.push(`ExecutionStatus = "${status}"`);
  }
  return clauses.join(' AND ');
}
