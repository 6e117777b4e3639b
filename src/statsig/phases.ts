// Which phase of a trigger waits for review, decided from what Statsig documents. Its docs say a
// pipeline "pauses at the last completed phase awaiting approval", so while a trigger waits,
// `currentPhaseID` may name the phase already live rather than the one to approve. Both readings
// give the same answer here: the first phase, at or after `currentPhaseID` in the pipeline's order,
// that requires review and has no APPROVED_FOR or SKIPPED action on the trigger.
import type { ReleasePipeline } from './schemas';

/** Actions after which a phase no longer waits for review. */
const SETTLED_ACTIONS = new Set(['APPROVED_FOR', 'SKIPPED']);

export interface WaitingPhase {
  /** The phase waiting for review, or null when none does. */
  phaseID: string | null;
  /** How it was found: from the pipeline's order, or (phases without IDs) from the announcement. */
  basis: 'pipeline order' | 'announced phase' | 'not waiting';
}

/** The trigger fields the rule reads. */
export interface PhaseState {
  status: string;
  currentPhaseID?: string | null | undefined;
  actions: ReadonlyArray<{ type: string; phaseID?: string | null | undefined }>;
}

function settledPhases(trigger: PhaseState): Set<string> {
  return new Set(
    trigger.actions
      .filter((action) => SETTLED_ACTIONS.has(action.type) && action.phaseID)
      .map((action) => action.phaseID as string),
  );
}

/**
 * The phase waiting for review. `announced` (the phase a webhook named) is consulted only when the
 * pipeline's phases carry no IDs, so their order cannot be matched to the trigger.
 */
export function waitingPhase(
  trigger: PhaseState,
  pipeline: {
    phases: ReadonlyArray<Pick<ReleasePipeline['phases'][number], 'id' | 'requiredReview'>>;
  },
  announced?: string,
): WaitingPhase {
  if (trigger.status !== 'WAITING_FOR_REVIEW') return { phaseID: null, basis: 'not waiting' };
  const settled = settledPhases(trigger);
  const phases = pipeline.phases;
  if (phases.length === 0 || phases.some((phase) => !phase.id)) {
    const candidate = announced ?? trigger.currentPhaseID ?? null;
    return {
      phaseID: candidate !== null && !settled.has(candidate) ? candidate : null,
      basis: 'announced phase',
    };
  }
  const current = phases.findIndex((phase) => phase.id === trigger.currentPhaseID);
  for (const phase of phases.slice(Math.max(0, current))) {
    if (phase.requiredReview && !settled.has(phase.id as string)) {
      return { phaseID: phase.id as string, basis: 'pipeline order' };
    }
  }
  return { phaseID: null, basis: 'pipeline order' };
}
