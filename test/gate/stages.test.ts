// Where a suite gates: `targets.stages` selects the pre-commit stage (Statsig's pre-commit webhook,
// `gate run`), the release-pipeline phase, or both (the default, so gates written before stages
// existed gate commits too); and the gate's pre-commit deadline and policy, validated at startup.
import { planReview } from '../../src/gate/plan';
import type { SuiteDefinition } from '../../src/gate/types';
import { defineBenchmark, defineGate, GateConfigError, validateGate } from '../../src/index';

const score = defineBenchmark({
  name: 'score',
  metrics: ['quality'],
  run: async () => ({ metrics: { quality: 1 } }),
});

const suite = (name: string, targets?: SuiteDefinition['targets']): SuiteDefinition => ({
  name,
  benchmarks: [score],
  criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
  ...(targets ? { targets } : {}),
});

const gate = defineGate({
  suites: [
    suite('everywhere'),
    suite('commits-only', { stages: ['pre-commit'] }),
    suite('phases-only', { stages: ['phase'] }),
    suite('prompts-at-commit', { stages: ['pre-commit'], tags: ['ai-config'] }),
  ],
});

const names = (plan: ReturnType<typeof planReview>) => plan.suites.map((s) => s.name);

it('runs every suite that selects the entity at both stages unless it names its stages', () => {
  const prompt = { id: 'p', name: 'p', tags: ['ai-config'] };
  expect(names(planReview(gate, prompt, 'rp', 'pre-commit'))).toEqual([
    'everywhere',
    'commits-only',
    'prompts-at-commit',
  ]);
  expect(names(planReview(gate, prompt, 'rp', 'phase'))).toEqual(['everywhere', 'phases-only']);
  // A release review plans as before: the phase stage is the default.
  expect(names(planReview(gate, prompt, 'rp'))).toEqual(['everywhere', 'phases-only']);
  // The other selectors still apply at pre-commit.
  expect(planReview(gate, { id: 'flag', name: 'flag' }, 'rp', 'pre-commit').skippedSuites).toEqual([
    'phases-only',
    'prompts-at-commit',
  ]);
});

function problemsOf(value: unknown): string[] {
  try {
    validateGate(value, 'gate.ts');
  } catch (error) {
    expect(error).toBeInstanceOf(GateConfigError);
    return (error as GateConfigError).problems;
  }
  throw new Error('the gate was accepted');
}

it('refuses unknown stages and pre-commit settings Statsig could never wait for', () => {
  expect(problemsOf({ suites: [suite('s', { stages: ['review'] as never })] })).toEqual([
    'suites[s].targets.stages[0]: must be one of pre-commit, phase',
  ]);
  expect(problemsOf({ suites: [suite('s', { stages: [] })] })).toHaveLength(1);
  expect(
    problemsOf({ suites: [suite('s')], preCommit: { deadlineMs: 180_000, onDeadline: 'wait' } }),
  ).toEqual([
    'preCommit.deadlineMs: Statsig waits 2 minutes at most: 120000 ms or less',
    "preCommit.onDeadline: must be 'reject' or 'approve'",
  ]);
  expect(
    defineGate({ suites: [suite('s')], preCommit: { deadlineMs: 60_000, onDeadline: 'approve' } })
      .preCommit,
  ).toEqual({ deadlineMs: 60_000, onDeadline: 'approve' });
});
