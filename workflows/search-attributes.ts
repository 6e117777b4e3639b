// Custom search attributes that make reviews findable in the Temporal UI and CLI
// (e.g. `RolloutVerdict="fail" AND RolloutEntity="chat_prompt"`). The dev server registers them at
// start; against an external cluster the worker registers any that are missing.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  pipelineID: defineSearchAttributeKey('RolloutPipelineID', SearchAttributeType.KEYWORD),
  triggerID: defineSearchAttributeKey('RolloutTriggerID', SearchAttributeType.KEYWORD),
  phaseID: defineSearchAttributeKey('RolloutPhaseID', SearchAttributeType.KEYWORD),
  entity: defineSearchAttributeKey('RolloutEntity', SearchAttributeType.KEYWORD),
  /** The entity's ID, which config-change events may carry instead of its name. */
  entityID: defineSearchAttributeKey('RolloutEntityID', SearchAttributeType.KEYWORD),
  verdict: defineSearchAttributeKey('RolloutVerdict', SearchAttributeType.KEYWORD),
  decision: defineSearchAttributeKey('RolloutDecision', SearchAttributeType.KEYWORD),
  /** Who started the review: `webhook`, `catch-up` or `rerun` (set once, at start). */
  source: defineSearchAttributeKey('RolloutSource', SearchAttributeType.KEYWORD),
} as const;

/** `Name=Type` pairs in the form `temporal server start-dev --search-attribute` takes. */
export function searchAttributeFlags(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).map((key) => `${key.name}=Keyword`);
}

// Values every visibility store matches verbatim inside a double-quoted query literal. Quotes and
// backslashes are not among them: escaping differs between stores (the dev server's SQLite matches
// no escaped form at all), so callers refuse such values or look them up another way, as they do
// for a value over 200 characters (which keeps every query short).
const QUERYABLE_LITERAL = /^[\w .:/@+-]{1,200}$/;

/** Whether `value` can go inside a `"…"` literal of a visibility query as it is. */
export function isQueryableLiteral(value: string): boolean {
  return QUERYABLE_LITERAL.test(value);
}
