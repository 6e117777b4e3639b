// Which of an entity's rules a release-pipeline phase rolls out, and what follows from it: the phase
// as benchmarks and criteria see it, the value its rules serve, the scopes a `forEach` suite judges,
// and the rules a scoped rollback changes. Pure.
//
// Statsig's spec gives a phase its own rules (`GET /release_pipelines/{id}`: name, conditions,
// environments) but does not say how they meet the entity's. rollout-gate reads them, in order:
// a phase rule whose `id` is an entity rule's ID or base ID names that rule; else one whose `name`
// is an entity rule's name; else the phase rule covers the entity rules enabled in one of its
// environments that carry every one of its conditions. A phase that lists no rules rolls out all.
import type {
  PhaseRule,
  PipelinePhaseRule,
  ReviewPhase,
  ReviewScope,
  RollbackCondition,
  RollbackScope,
  RuleCondition,
  Target,
} from '../gate/types';
import type { PhaseSummary } from '../gate/wire';
import type { ReleasePipeline } from './schemas';

type Loose = Record<string, unknown>;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

function environmentsOf(value: unknown): string[] | null {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : null;
}

function conditionsOf(value: unknown): RuleCondition[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is RuleCondition =>
      item !== null && typeof item === 'object' && typeof (item as Loose).type === 'string',
  );
}

/** An entity rule as read (src/statsig/schemas.ts keeps unknown fields), in the phase's terms. */
export function asPhaseRule(raw: unknown): PhaseRule {
  const rule = (raw ?? {}) as Loose;
  const passPercentage = typeof rule.passPercentage === 'number' ? rule.passPercentage : null;
  return {
    id: text(rule.id),
    baseID: text(rule.baseID),
    name: text(rule.name),
    passPercentage,
    conditions: conditionsOf(rule.conditions),
    environments: environmentsOf(rule.environments),
    ...('returnValue' in rule && rule.returnValue !== undefined
      ? { returnValue: rule.returnValue }
      : {}),
  };
}

export function asPipelineRule(raw: unknown): PipelinePhaseRule {
  const rule = (raw ?? {}) as Loose;
  return {
    id: text(rule.id),
    name: text(rule.name),
    conditions: conditionsOf(rule.conditions),
    environments: environmentsOf(rule.environments),
  };
}

/** `38ttpCpzrQFTMKcqFKk02l:10.00:1` → `38ttpCpzrQFTMKcqFKk02l`: a rule's ID may embed its percentage. */
const baseOf = (id: string): string => id.split(':')[0] ?? id;

/** Whether `id` is the rule's ID or base ID (a rule's ID may embed its percentage and change). */
function hasID(rule: Pick<PhaseRule, 'id' | 'baseID'>, id: string): boolean {
  if (rule.id !== null && (rule.id === id || baseOf(rule.id) === baseOf(id))) return true;
  return rule.baseID !== null && rule.baseID === baseOf(id);
}

/** Whether `key` names the rule: its ID, its base ID, or its name. */
export function ruleNamed(rule: Pick<PhaseRule, 'id' | 'baseID' | 'name'>, key: string): boolean {
  if (key === '') return false;
  return hasID(rule, key) || rule.name === key;
}

/** The same rule in two versions of the entity: by ID or base ID (a rule's ID may change). */
export function sameRule(
  a: Pick<PhaseRule, 'id' | 'baseID'>,
  b: Pick<PhaseRule, 'id' | 'baseID'>,
): boolean {
  const base = (rule: Pick<PhaseRule, 'id' | 'baseID'>) =>
    rule.baseID ?? (rule.id === null ? null : baseOf(rule.id));
  if (a.id !== null && a.id === b.id) return true;
  const baseA = base(a);
  return baseA !== null && baseA === base(b);
}

/** How the review names a rule in scopes and reports: its ID, else base ID, else name. */
export const ruleKey = (rule: Pick<PhaseRule, 'id' | 'baseID' | 'name'>): string =>
  rule.id ?? rule.baseID ?? rule.name ?? '';

/** A rule without environments is enabled in every one. */
export function enabledIn(rule: { environments: string[] | null }, environment: string): boolean {
  return rule.environments === null || rule.environments.includes(environment);
}

function targetValues(condition: RuleCondition): string[] {
  const value = condition.targetValue;
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map((item) => String(item).toLowerCase());
}

function sameCondition(a: RuleCondition, b: RuleCondition): boolean {
  const values = (condition: RuleCondition) => [...targetValues(condition)].sort().join('\u0000');
  return (
    a.type === b.type &&
    (a.operator ?? null) === (b.operator ?? null) &&
    (a.field ?? null) === (b.field ?? null) &&
    (a.customID ?? null) === (b.customID ?? null) &&
    values(a) === values(b)
  );
}

/** Whether a pipeline rule's audience covers an entity rule: its environment and conditions. */
function covers(phaseRule: PipelinePhaseRule, rule: PhaseRule): boolean {
  const environments =
    phaseRule.environments === null ||
    rule.environments === null ||
    phaseRule.environments.some((environment) => rule.environments?.includes(environment));
  return (
    environments &&
    phaseRule.conditions.every((condition) =>
      rule.conditions.some((own) => sameCondition(condition, own)),
    )
  );
}

/** The entity's rules a phase with these pipeline rules rolls out, in the entity's order. */
export function rolledOutBy(
  pipelineRules: readonly PipelinePhaseRule[],
  rules: readonly PhaseRule[],
): PhaseRule[] {
  if (pipelineRules.length === 0) return [...rules];
  const chosen = new Set<PhaseRule>();
  for (const phaseRule of pipelineRules) {
    const { id, name } = phaseRule;
    const byID = id === null ? [] : rules.filter((rule) => hasID(rule, id));
    const byName = name === null ? [] : rules.filter((rule) => rule.name === name);
    let matched = byID.length > 0 ? byID : byName;
    if (matched.length === 0) matched = rules.filter((rule) => covers(phaseRule, rule));
    for (const rule of matched) chosen.add(rule);
  }
  return rules.filter((rule) => chosen.has(rule));
}

function union(lists: ReadonlyArray<string[] | null>): string[] | null {
  if (lists.some((list) => list === null)) return null;
  return [...new Set(lists.flatMap((list) => list ?? []))];
}

/**
 * The phase under review, as it travels in the review's history: the pipeline's rules for it and
 * references to the entity rules it rolls out (never their values). Null when the pipeline does not
 * list the phase.
 */
export function phaseSummary(
  pipeline: Pick<ReleasePipeline, 'phases'>,
  phaseID: string,
  entityRules: readonly unknown[],
): PhaseSummary | null {
  const index = pipeline.phases.findIndex((phase) => phase.id === phaseID);
  const phase = pipeline.phases[index];
  if (!phase) return null;
  const pipelineRules = (phase.rules ?? []).map(asPipelineRule);
  const rules = rolledOutBy(pipelineRules, entityRules.map(asPhaseRule));
  const percentages = rules.flatMap((rule) =>
    rule.passPercentage === null ? [] : [rule.passPercentage],
  );
  return {
    id: phaseID,
    index,
    name: text(phase.name),
    phaseCount: pipeline.phases.length,
    pipelineRules,
    rules: rules.map(({ returnValue: _value, ...rule }) => rule),
    environments: union([
      ...pipelineRules.map((rule) => rule.environments),
      ...rules.map((rule) => rule.environments),
    ]),
    passPercentage: percentages.length > 0 ? Math.max(...percentages) : null,
  };
}

/** The scopes a `forEach` suite judges in this phase; none when the phase offers only one. */
export function scopesOf(phase: PhaseSummary, forEach: 'environment' | 'rule'): ReviewScope[] {
  if (forEach === 'rule') {
    return phase.rules.map((rule) => ({
      kind: 'rule',
      name: rule.name ?? ruleKey(rule),
      ruleIDs: [ruleKey(rule)],
    }));
  }
  const named = [
    ...phase.pipelineRules.flatMap((rule) => rule.environments ?? []),
    ...phase.rules.flatMap((rule) => rule.environments ?? []),
  ];
  return [...new Set(named)].map((environment) => ({
    kind: 'environment',
    name: environment,
    ruleIDs: phase.rules.filter((rule) => enabledIn(rule, environment)).map(ruleKey),
  }));
}

/** The rules of a version of the entity that the summary's references (or a scope's keys) name. */
function rulesOfVersion(
  target: Target,
  refs: readonly PhaseRule[],
  scope: ReviewScope | undefined,
): Array<{ raw: unknown; rule: PhaseRule }> {
  const named = (ref: PhaseRule, rule: PhaseRule) =>
    ref.id === null && ref.baseID === null
      ? ref.name !== null && ref.name === rule.name
      : sameRule(ref, rule);
  return target.rules
    .map((raw) => ({ raw, rule: asPhaseRule(raw) }))
    .filter(({ rule }) => refs.some((ref) => named(ref, rule)))
    .filter(({ rule }) => !scope || scope.ruleIDs.some((key) => ruleNamed(rule, key)));
}

/**
 * A version of the entity as the phase (and scope) serves it: `rules` are the phase's rules, and a
 * dynamic config's `value` is what the first of them with a `returnValue` serves, when the phase
 * names its rules (or a scope picks some); otherwise the default value. `raw` stays whole.
 */
export function phaseView(
  target: Target,
  phase: PhaseSummary,
  scope?: ReviewScope,
): { target: Target; phase: ReviewPhase } {
  const chosen = rulesOfVersion(target, phase.rules, scope);
  const rules = chosen.map(({ rule }) => rule);
  const narrowed = scope !== undefined || phase.pipelineRules.length > 0;
  const served = rules.find((rule) => rule.returnValue !== undefined);
  const value =
    target.kind === 'dynamic_config' && narrowed && served ? served.returnValue : target.value;
  return {
    target: { ...target, value, rules: chosen.map(({ raw }) => raw) },
    phase: { ...phase, rules },
  };
}

function conditionMatches(condition: RuleCondition, wanted: RollbackCondition): boolean {
  if (wanted.type !== undefined && condition.type !== wanted.type) return false;
  if (wanted.field !== undefined && condition.field !== wanted.field) return false;
  if (wanted.values === undefined) return true;
  const values = targetValues(condition);
  return wanted.values.some((value) => values.includes(String(value).toLowerCase()));
}

/** The phase's rules a rollback narrowed by `scope` changes. */
export function rulesInScope(rules: readonly PhaseRule[], scope: RollbackScope): PhaseRule[] {
  return rules.filter(
    (rule) =>
      (scope.environments === undefined ||
        scope.environments.some((environment) => enabledIn(rule, environment))) &&
      (scope.rules === undefined || scope.rules.some((key) => ruleNamed(rule, key))) &&
      (scope.condition === undefined ||
        rule.conditions.some((condition) =>
          conditionMatches(condition, scope.condition as RollbackCondition),
        )),
  );
}
