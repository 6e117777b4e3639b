// Which rules a phase rolls out, what its rules serve, the scopes a `forEach` suite judges, and what
// a narrowed rollback changes: pure functions over Statsig-shaped rules.
import type { Target } from '../../src/gate/types';
import {
  asPhaseRule,
  phaseSummary,
  phaseView,
  rolledOutBy,
  rulesInScope,
  scopesOf,
} from '../../src/statsig/phase-rules';
import { rollbackChange, shows } from '../../src/statsig/rule-changes';

const region = (name: string) => ({
  type: 'custom_field',
  field: 'region',
  operator: 'any',
  targetValue: [name],
});

const rules = [
  {
    id: 'a:10.00:1',
    baseID: 'a',
    name: 'SouthAmerica',
    passPercentage: 10,
    conditions: [region('SouthAmerica')],
    environments: ['production'],
    returnValue: { prompt: 'sa' },
  },
  {
    id: 'b:10.00:1',
    baseID: 'b',
    name: 'Europe',
    passPercentage: 20,
    conditions: [region('Europe')],
    environments: null,
    returnValue: { prompt: 'eu' },
  },
  {
    id: 'c:100.00:1',
    baseID: 'c',
    name: 'Brazil and Chile',
    passPercentage: 100,
    conditions: [{ type: 'country', operator: 'any', targetValue: ['BR', 'CL'] }],
    environments: ['staging'],
  },
  {
    id: 'd:50.00:1',
    baseID: 'd',
    name: 'beta app',
    passPercentage: 50,
    conditions: [{ type: 'app_version', operator: 'version_gte', targetValue: '2.1.0' }],
    environments: ['development'],
  },
];
const parsed = rules.map(asPhaseRule);
const names = (list: Array<{ name: string | null }>) => list.map((rule) => rule.name);

describe('rolledOutBy', () => {
  it('finds rules by ID or base ID, else by name, else by the audience the phase rule covers', () => {
    expect(
      names(rolledOutBy([{ id: 'a', name: null, conditions: [], environments: null }], parsed)),
    ).toEqual(['SouthAmerica']);
    expect(
      names(
        rolledOutBy(
          [{ id: 'elsewhere', name: 'Europe', conditions: [], environments: null }],
          parsed,
        ),
      ),
    ).toEqual(['Europe']);
    // No ID or name matches: the rules enabled in staging (Europe: every environment) carrying its conditions.
    expect(
      names(
        rolledOutBy(
          [{ id: null, name: 'Staging', conditions: [], environments: ['staging'] }],
          parsed,
        ),
      ),
    ).toEqual(['Europe', 'Brazil and Chile']);
    expect(
      names(
        rolledOutBy(
          [{ id: null, name: 'SA', conditions: [region('SouthAmerica')], environments: null }],
          parsed,
        ),
      ),
    ).toEqual(['SouthAmerica']);
  });

  it('rolls out every rule when the phase lists none', () => {
    expect(rolledOutBy([], parsed)).toHaveLength(4);
  });
});

describe('phaseSummary and scopesOf', () => {
  const pipeline = {
    phases: [
      {
        id: 'p1',
        name: 'Regions (25%)',
        requiredReview: true,
        rules: [{ name: 'SouthAmerica' }, { name: 'Europe' }],
      },
      { id: 'p2', name: 'Everyone', requiredReview: true, rules: [] },
    ],
  };

  it('summarises the phase: position, rules without their values, environments, percentage', () => {
    const phase = phaseSummary(pipeline, 'p1', rules);
    expect(phase).toMatchObject({
      id: 'p1',
      index: 0,
      name: 'Regions (25%)',
      phaseCount: 2,
      environments: null,
      passPercentage: 20,
    });
    expect(names(phase?.rules ?? [])).toEqual(['SouthAmerica', 'Europe']);
    expect(phase?.rules.some((rule) => 'returnValue' in rule)).toBe(false);
    expect(phaseSummary(pipeline, 'missing', rules)).toBeNull();
  });

  it('gives one scope per rule, or per environment named by the phase and its rules', () => {
    const regions = phaseSummary(pipeline, 'p1', rules);
    const everyone = phaseSummary(pipeline, 'p2', rules);
    if (!regions || !everyone) throw new Error('phases missing');
    expect(scopesOf(regions, 'rule')).toEqual([
      { kind: 'rule', name: 'SouthAmerica', ruleIDs: ['a:10.00:1'] },
      { kind: 'rule', name: 'Europe', ruleIDs: ['b:10.00:1'] },
    ]);
    // Europe has no environments: enabled, so judged, in each.
    expect(scopesOf(everyone, 'environment')).toEqual([
      { kind: 'environment', name: 'production', ruleIDs: ['a:10.00:1', 'b:10.00:1'] },
      { kind: 'environment', name: 'staging', ruleIDs: ['b:10.00:1', 'c:100.00:1'] },
      { kind: 'environment', name: 'development', ruleIDs: ['b:10.00:1', 'd:50.00:1'] },
    ]);
  });

  it("serves a dynamic config's value as the phase's (or the scope's) rules do", () => {
    const phase = phaseSummary(pipeline, 'p1', rules);
    if (!phase) throw new Error('phase missing');
    const target: Target = {
      kind: 'dynamic_config',
      id: 'prompt',
      name: 'prompt',
      version: 2,
      value: { prompt: 'default' },
      rules,
      raw: {},
    };
    expect(phaseView(target, phase).target.value).toEqual({ prompt: 'sa' });
    const europe = phaseView(target, phase, { kind: 'rule', name: 'Europe', ruleIDs: ['b'] });
    expect(europe.target.value).toEqual({ prompt: 'eu' });
    expect(europe.target.rules).toEqual([rules[1]]);
    expect(europe.phase.rules[0]?.returnValue).toEqual({ prompt: 'eu' });
    // A phase that names no rules keeps the default value and every rule.
    const all = phaseSummary({ phases: [{ id: 'p', rules: [] }] }, 'p', rules);
    if (!all) throw new Error('phase missing');
    expect(phaseView(target, all).target).toMatchObject({ value: { prompt: 'default' }, rules });
  });
});

describe('rulesInScope', () => {
  it('narrows by environment (a rule without environments is in every one), rule and condition', () => {
    expect(names(rulesInScope(parsed, { environments: ['staging'] }))).toEqual([
      'Europe',
      'Brazil and Chile',
    ]);
    expect(names(rulesInScope(parsed, { rules: ['SouthAmerica', 'd'] }))).toEqual([
      'SouthAmerica',
      'beta app',
    ]);
    expect(
      names(rulesInScope(parsed, { condition: { field: 'region', values: ['southamerica'] } })),
    ).toEqual(['SouthAmerica']);
    expect(names(rulesInScope(parsed, { condition: { type: 'country', values: ['CL'] } }))).toEqual(
      ['Brazil and Chile'],
    );
    expect(names(rulesInScope(parsed, { condition: { type: 'app_version' } }))).toEqual([
      'beta app',
    ]);
    expect(
      rulesInScope(parsed, { environments: ['staging'], condition: { type: 'app_version' } }),
    ).toEqual([]);
    expect(rulesInScope(parsed, {})).toHaveLength(4);
  });
});

describe('rollbackChange', () => {
  const [southAmerica, europe] = parsed as [
    ReturnType<typeof asPhaseRule>,
    ReturnType<typeof asPhaseRule>,
  ];

  it("turns a gate's rule to 0 percent, recording its percentage before", () => {
    expect(rollbackChange('gate', southAmerica, null)).toEqual({
      rule: { id: 'a:10.00:1', baseID: 'a', name: 'SouthAmerica', environments: ['production'] },
      before: { passPercentage: 10 },
      after: { passPercentage: 0 },
    });
  });

  it("gives a dynamic config's rule the released value, found by base ID, else 0 percent", () => {
    const released = [{ id: 'a:5.00:1', baseID: 'a', returnValue: { prompt: 'sa v1' } }];
    expect(rollbackChange('dynamic_config', southAmerica, released)).toMatchObject({
      before: { returnValue: { prompt: 'sa' } },
      after: { returnValue: { prompt: 'sa v1' } },
    });
    expect(rollbackChange('dynamic_config', europe, released)).toMatchObject({
      before: { passPercentage: 20 },
      after: { passPercentage: 0 },
    });
    // A value too large for the review's history is rolled back by percentage instead.
    const huge = [{ baseID: 'a', returnValue: { prompt: 'x'.repeat(70_000) } }];
    expect(rollbackChange('dynamic_config', southAmerica, huge).after).toEqual({
      passPercentage: 0,
    });
  });

  it('tells whether a rule shows a state, comparing values by content', () => {
    expect(shows(southAmerica, { returnValue: { prompt: 'sa' } })).toBe(true);
    expect(shows(southAmerica, { passPercentage: 0 })).toBe(false);
    expect(shows(southAmerica, { passPercentage: 10, returnValue: { prompt: 'eu' } })).toBe(false);
  });
});
