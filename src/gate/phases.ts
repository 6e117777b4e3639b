// The release-pipeline phase a review gates, as benchmarks, criteria and suite selection see it, and
// the scopes a `forEach` suite judges one by one. Types only (src/statsig/phase-rules.ts reads them
// out of Statsig's answers); re-exported by ./types.ts.

/** A condition of a rule, as Statsig's Console API gives it (`country`, `custom_field`, …). */
export interface RuleCondition {
  type: string;
  operator?: string | null;
  targetValue?: unknown;
  field?: string | null;
  customID?: string | null;
  [extra: string]: unknown;
}

/** One rule of a gate or dynamic config: who it serves (conditions, environments) and what. */
export interface PhaseRule {
  id: string | null;
  baseID: string | null;
  name: string | null;
  passPercentage: number | null;
  conditions: RuleCondition[];
  /** Where the rule is enabled; null means every environment. */
  environments: string[] | null;
  /** What a dynamic config's rule serves instead of its default value. */
  returnValue?: unknown;
}

/** A rule of the pipeline's phase: the audience that phase rolls out to. */
export interface PipelinePhaseRule {
  id: string | null;
  name: string | null;
  conditions: RuleCondition[];
  environments: string[] | null;
}

/**
 * The release-pipeline phase a review gates, as benchmarks, criteria and suite selection see it.
 * Which of the entity's rules a phase rolls out: those its pipeline rules name by ID (or base ID),
 * else by name, else those whose environments and conditions the pipeline rule covers; every rule
 * when the phase lists none.
 */
export interface ReviewPhase {
  id: string;
  /** 0-based position in the pipeline; null when the pipeline does not list the phase. */
  index: number | null;
  /** The phase's display name ("Staging (50%)"); null when Statsig gave none. */
  name: string | null;
  /** How many phases the pipeline has; null when unknown. */
  phaseCount: number | null;
  /** The phase's own rules in the pipeline (its audience). */
  pipelineRules: PipelinePhaseRule[];
  /** The entity's rules the phase rolls out (with their conditions, environments and values). */
  rules: PhaseRule[];
  /** Every environment those rules reach; null when one of them reaches every environment. */
  environments: string[] | null;
  /** The highest pass percentage among those rules; null when none says. */
  passPercentage: number | null;
}

/** One environment or rule a `forEach` suite judges on its own. */
export interface ReviewScope {
  kind: 'environment' | 'rule';
  /** The environment's name, or the rule's name (its ID when it has none). */
  name: string;
  /** IDs of the phase's rules in this scope. */
  ruleIDs: string[];
}

/** A threshold chosen per phase; `phase` is null at pre-commit and in `gate run`. */
export type PhaseThreshold = (phase: ReviewPhase | null) => number;

export type ForEach = 'environment' | 'rule';
export const FOR_EACH: readonly ForEach[] = ['environment', 'rule'];
