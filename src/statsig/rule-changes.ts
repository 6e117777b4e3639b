// What rolling back one rule of a phase means, and whether a rule shows a given state: a gate's rule
// stops passing anyone (`passPercentage` 0, Statsig's own kill-switch recipe); a dynamic config's
// rule serves the baseline's `returnValue` again, or, where the baseline has none to give back,
// stops matching (`passPercentage` 0: its users get what the later rules or the default serve).
// Pure; the activities read and write (activities/rollback.ts).
import { contentHash } from '../gate/hash';
import type { PhaseRule } from '../gate/types';
import type { RuleChange, RuleIdentity, RuleState } from '../gate/wire';
import { asPhaseRule, sameRule } from './phase-rules';
import type { EntityKind } from './schemas';

/**
 * Values larger than this are not carried in the review's history (the before and after of every
 * change are): such a rule is rolled back by its percentage instead of its value.
 */
export const MAX_CARRIED_VALUE_BYTES = 64 * 1024;

/** A rule in the Console API's answer that is the changed one (its ID may have changed since). */
export function findRule(rules: readonly unknown[], rule: RuleIdentity): PhaseRule | undefined {
  return rules.map(asPhaseRule).find((candidate) => sameRule(candidate, rule));
}

export function identityOf(rule: PhaseRule): RuleIdentity {
  return { id: rule.id, baseID: rule.baseID, name: rule.name, environments: rule.environments };
}

const same = (a: unknown, b: unknown) => contentHash(a ?? null) === contentHash(b ?? null);

/** Whether the rule's fields named in `state` hold those values. */
export function shows(rule: PhaseRule, state: RuleState): boolean {
  if (state.passPercentage !== undefined && rule.passPercentage !== state.passPercentage) {
    return false;
  }
  return !('returnValue' in state) || same(rule.returnValue, state.returnValue);
}

function carried(value: unknown): boolean {
  return Buffer.byteLength(JSON.stringify(value ?? null)) <= MAX_CARRIED_VALUE_BYTES;
}

/** What a rollback changes on one of the phase's rules; `baseline` is the released version's rules. */
export function rollbackChange(
  kind: EntityKind,
  rule: PhaseRule,
  baseline: readonly unknown[] | null,
): RuleChange {
  // Statsig requires a percentage on every rule; one without passes everyone it matches.
  const byPercentage: RuleChange = {
    rule: identityOf(rule),
    before: { passPercentage: rule.passPercentage ?? 100 },
    after: { passPercentage: 0 },
  };
  if (kind === 'gate') return byPercentage;
  const released = baseline?.map(asPhaseRule).find((candidate) => sameRule(candidate, rule));
  const value = released?.returnValue;
  // A rule without a value of its own cannot be given one back by an undo: by percentage, then.
  if (
    value === undefined ||
    rule.returnValue === undefined ||
    same(value, rule.returnValue) ||
    !carried(value) ||
    !carried(rule.returnValue)
  ) {
    return byPercentage;
  }
  return {
    rule: identityOf(rule),
    before: { returnValue: rule.returnValue },
    after: { returnValue: value },
  };
}

/** A rule as people read it in reports and answers: its name, else its ID. */
export const ruleLabel = (rule: RuleIdentity): string => rule.name ?? rule.id ?? rule.baseID ?? '?';
