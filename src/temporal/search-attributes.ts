// Custom search attributes that make reviews findable in the Temporal UI and CLI
// (e.g. `RolloutVerdict="fail" AND RolloutEntity="chat_prompt"`). The dev server registers them at
// start; against an external cluster the worker registers any that are missing.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  pipelineID: defineSearchAttributeKey('RolloutPipelineID', SearchAttributeType.KEYWORD),
  triggerID: defineSearchAttributeKey('RolloutTriggerID', SearchAttributeType.KEYWORD),
  phaseID: defineSearchAttributeKey('RolloutPhaseID', SearchAttributeType.KEYWORD),
  entity: defineSearchAttributeKey('RolloutEntity', SearchAttributeType.KEYWORD),
  verdict: defineSearchAttributeKey('RolloutVerdict', SearchAttributeType.KEYWORD),
  decision: defineSearchAttributeKey('RolloutDecision', SearchAttributeType.KEYWORD),
} as const;

/** `Name=Type` pairs in the form `temporal server start-dev --search-attribute` takes. */
export function searchAttributeFlags(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).map((key) => `${key.name}=Keyword`);
}
