// Planning for a release-pipeline phase: suites chosen by the phase (its name, ID, position or
// percentage), thresholds chosen per phase, a `forEach` suite copied per environment or rule with its
// rollback narrowed to the copy's scope, and the kill-switch settings a gate config may write.
import killSwitchGate from '../../examples/kill-switch-gate';
import { MAX_FOR_EACH_SCOPES, planReview } from '../../src/gate/plan';
import type { ReviewPhase, SuiteDefinition } from '../../src/gate/types';
import { defineBenchmark, defineGate, validateGate } from '../../src/index';

const score = defineBenchmark({
  name: 'score',
  metrics: ['quality'],
  run: async () => ({ metrics: { quality: 1 } }),
});

const suite = (name: string, extra: Partial<SuiteDefinition> = {}): SuiteDefinition => ({
  name,
  benchmarks: [score],
  criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
  ...extra,
});

const rule = (id: string, environments: string[] | null, passPercentage: number) => ({
  id,
  baseID: id,
  name: id,
  passPercentage,
  conditions: [],
  environments,
});

function phase(name: string, index: number, passPercentage: number | null): ReviewPhase {
  return {
    id: `p${index}`,
    index,
    name,
    phaseCount: 3,
    pipelineRules: [
      {
        id: null,
        name: 'staging and production',
        conditions: [],
        environments: ['staging', 'production'],
      },
    ],
    rules: [
      rule('stg', ['staging'], passPercentage ?? 10),
      rule('prd', ['production'], passPercentage ?? 10),
    ],
    environments: ['staging', 'production'],
    passPercentage,
  };
}

const target = { id: 'flag', name: 'flag' };
const names = (plan: ReturnType<typeof planReview>) => plan.suites.map((s) => s.name);

it('selects suites by phase name, ID or position, and by how far the phase rolls out', () => {
  const gate = defineGate({
    suites: [
      suite('always'),
      suite('light', { targets: { passPercentage: { max: 50 } } }),
      suite('strict', { targets: { passPercentage: { min: 100 } } }),
      suite('second', { targets: { phases: [1, 'Canary'] } }),
      suite('named', { targets: { phases: ['p2'] } }),
    ],
  });
  expect(names(planReview(gate, target, 'rp', 'phase', phase('Canary', 0, 10)))).toEqual([
    'always',
    'light',
    'second',
  ]);
  expect(names(planReview(gate, target, 'rp', 'phase', phase('Half', 1, 50)))).toEqual([
    'always',
    'light',
    'second',
  ]);
  expect(names(planReview(gate, target, 'rp', 'phase', phase('Everyone', 2, 100)))).toEqual([
    'always',
    'strict',
    'named',
  ]);
  // A phase whose rules give no percentage matches no percentage range.
  expect(names(planReview(gate, target, 'rp', 'phase', phase('Unknown', 2, null)))).toEqual([
    'always',
    'named',
  ]);
  // At pre-commit (or without a phase) there is no phase to select.
  expect(names(planReview(gate, target, 'rp', 'pre-commit'))).toEqual(['always']);
});

it('resolves a threshold chosen per phase when planning', () => {
  const gate = defineGate({
    suites: [
      suite('quality', {
        criteria: [
          {
            metric: 'quality',
            op: '>=',
            threshold: (p) => ((p?.passPercentage ?? 0) >= 100 ? 0.95 : 0.8),
          },
        ],
      }),
    ],
  });
  const threshold = (p: ReviewPhase | null) =>
    planReview(gate, target, 'rp', 'phase', p).criteria[0]?.threshold;
  expect(threshold(phase('Canary', 0, 10))).toBe(0.8);
  expect(threshold(phase('Everyone', 2, 100))).toBe(0.95);
  expect(threshold(null)).toBe(0.8);
});

it('copies a forEach suite per environment or rule, each rolling back only its own scope', () => {
  const gate = defineGate({
    policy: { onFail: 'rollback' },
    suites: [
      suite('per-env', { forEach: 'environment' }),
      suite('per-rule', {
        forEach: 'rule',
        onFail: { action: 'rollback', environments: ['production'] },
      }),
      suite('aborting', { forEach: 'rule', onFail: 'abort' }),
    ],
  });
  const plan = planReview(gate, target, 'rp', 'phase', phase('Half', 1, 50));
  expect(names(plan)).toEqual([
    'per-env@staging',
    'per-env@production',
    'per-rule@stg',
    'per-rule@prd',
    'aborting@stg',
    'aborting@prd',
  ]);
  expect(plan.benchmarks.find((b) => b.suite === 'per-env@production')?.scope).toEqual({
    kind: 'environment',
    name: 'production',
    ruleIDs: ['prd'],
    suite: 'per-env',
    forEach: 'environment',
  });
  expect(plan.criteria.map((criterion) => criterion.suite)).toEqual(names(plan));
  expect(plan.suiteOnFail).toEqual({
    'per-env@staging': { action: 'rollback', environments: ['staging'], rules: ['stg'] },
    'per-env@production': { action: 'rollback', environments: ['production'], rules: ['prd'] },
    'per-rule@stg': { action: 'rollback', environments: ['production'], rules: ['stg'] },
    'per-rule@prd': { action: 'rollback', environments: ['production'], rules: ['prd'] },
    'aborting@stg': 'abort',
    'aborting@prd': 'abort',
  });
  // More scopes than a review holds: the suite runs once, as itself (a failure rolls back all).
  const crowded = {
    ...phase('Half', 1, 50),
    rules: Array.from({ length: MAX_FOR_EACH_SCOPES + 1 }, (_, i) => rule(`r${i}`, null, 50)),
  };
  expect(names(planReview(gate, target, 'rp', 'phase', crowded))).toContain('per-rule');
  // Without a phase (pre-commit, gate run) a forEach suite runs once, as itself.
  expect(names(planReview(gate, target, 'rp', 'pre-commit'))).toEqual([
    'per-env',
    'per-rule',
    'aborting',
  ]);
});

it('accepts every kill switch and a narrowed rollback, and names what is wrong with the rest', () => {
  for (const onFail of ['abort', 'disable', 'pause', 'rollback', 'none'] as const) {
    expect(() => defineGate({ policy: { onFail }, suites: [suite('s')] })).not.toThrow();
  }
  expect(() =>
    defineGate({
      policy: {
        onFail: {
          action: 'rollback',
          environments: ['staging'],
          condition: { type: 'country', values: ['BR'] },
        },
        afterRollback: 'pause',
      },
      suites: [
        suite('s', { forEach: 'rule', onFail: { action: 'rollback', rules: ['SouthAmerica'] } }),
      ],
    }),
  ).not.toThrow();
  const problems = (value: unknown) => {
    try {
      validateGate(value);
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };
  expect(
    problems({
      policy: { onFail: 'explode', afterRollback: 'maybe' },
      suites: [
        { ...suite('s'), forEach: 'region', onFail: { action: 'rollback', environments: [] } },
        { ...suite('t'), targets: { passPercentage: { min: 90, max: 10 } } },
      ],
    }),
  ).toEqual([
    'suites[s].onFail.environments: Too small: expected array to have >=1 items',
    'suites[s].forEach: must be one of environment, rule',
    'suites[t].targets.passPercentage: min must be at most max',
    "policy.onFail: must be one of abort, disable, pause, rollback, none, or { action: 'rollback', … }",
    'policy.afterRollback: must be one of approve, pause, none',
  ]);
});

it('plans the example kill-switch gate per region, stricter and pausing before everyone', () => {
  const gate = killSwitchGate;
  const regional = { id: 'answer', name: 'answer', tags: ['regional-ai-config'] };
  const regions: ReviewPhase = {
    ...phase('Regions', 0, 25),
    pipelineRules: [],
    rules: [
      { ...rule('sa', null, 25), name: 'SouthAmerica' },
      { ...rule('eu', null, 25), name: 'Europe' },
    ],
    environments: null,
  };
  const early = planReview(gate, regional, 'rp', 'phase', regions);
  expect(names(early)).toEqual([
    'prompt-quality-by-region@SouthAmerica',
    'prompt-quality-by-region@Europe',
  ]);
  expect(early.suiteOnFail['prompt-quality-by-region@Europe']).toEqual({
    action: 'rollback',
    rules: ['eu'],
  });
  const everyone = planReview(gate, regional, 'rp', 'phase', { ...regions, passPercentage: 100 });
  expect(names(everyone)).toEqual(['prompt-quality-before-everyone']);
  expect(everyone.criteria.find((criterion) => criterion.name === 'quality')?.threshold).toBe(0.9);
  expect(everyone.suiteOnFail).toEqual({ 'prompt-quality-before-everyone': 'pause' });
  // The feature gate's own policy: a rollback of its staging rules, then a person decides.
  expect(planReview(gate, { id: 'new_checkout', name: 'new_checkout' }, 'rp').policy).toMatchObject(
    {
      onFail: { action: 'rollback', environments: ['staging'] },
      afterRollback: 'none',
    },
  );
});
