// Suites chosen by the phase under review, and thresholds that depend on it, on the real dev server:
// a light check selected at the 10% canary phase, a strict one only before everyone gets it, and
// the benchmarks told which phase, rules and percentage they judge.
import { defineGate } from '../../src/gate/define';
import type { ReviewPhase } from '../../src/gate/types';
import { resultOf, startReview, writesFor } from '../helpers/review';
import { type Stack, startStack } from '../helpers/stack';

jest.setTimeout(120_000);

const phasesSeen: ReviewPhase[] = [];

const ranking = {
  name: 'score',
  async run({ phase, role }: { phase?: ReviewPhase; role: string }) {
    if (phase && role === 'candidate') phasesSeen.push(phase);
    return { metrics: { quality: 0.7 } };
  },
};

const gate = defineGate({
  suites: [
    {
      name: 'smoke',
      benchmarks: [ranking],
      targets: { passPercentage: { max: 50 } },
      criteria: [{ metric: 'quality', op: '>=', threshold: 0.5 }],
    },
    {
      name: 'full',
      benchmarks: [ranking],
      targets: { phases: ['Everyone (100%)'] },
      // Stricter the further the phase rolls out.
      criteria: [
        {
          metric: 'quality',
          op: '>=',
          threshold: (phase) => ((phase?.passPercentage ?? 0) >= 100 ? 0.9 : 0.5),
        },
      ],
    },
  ],
});

const cohort = {
  type: 'custom_field' as const,
  field: 'cohort',
  operator: 'any',
  targetValue: ['canary'],
};

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    gate,
    seed: {
      pipelines: [
        {
          id: 'rp_ranker',
          name: 'ranker rollout',
          phases: [
            {
              id: 'ranker_canary',
              name: 'Canary (10%)',
              requiredReview: true,
              rules: [{ name: 'canary cohort', conditions: [cohort] }],
            },
            {
              id: 'ranker_all',
              name: 'Everyone (100%)',
              requiredReview: true,
              rules: [{ name: 'everyone' }],
            },
          ],
        },
      ],
      gates: [
        {
          id: 'new_ranker',
          isEnabled: true,
          rules: [
            { id: 'canary', name: 'canary', passPercentage: 10, conditions: [cohort] },
            { id: 'everyone', name: 'everyone', passPercentage: 100, conditions: [] },
          ],
          releasePipelineID: 'rp_ranker',
        },
      ],
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

it('runs the light suite at the canary phase and the strict one, stricter, before everyone', async () => {
  const sandbox = stack.sandbox.sandbox;
  const rules = sandbox.getGate('new_ranker')?.rules ?? [];
  const trigger = sandbox.startRelease({
    pipelineID: 'rp_ranker',
    entity: { kind: 'gate', id: 'new_ranker', rules },
  });

  await startReview(stack, trigger);
  const canary = await resultOf(stack, trigger);
  expect(canary.suites?.map((suite) => suite.suite)).toEqual(['smoke']);
  expect(canary.evaluation?.skippedSuites).toEqual(['full']);
  expect(canary).toMatchObject({ verdict: 'pass', action: 'approved' });
  expect(phasesSeen[0]).toMatchObject({
    id: 'ranker_canary',
    index: 0,
    name: 'Canary (10%)',
    phaseCount: 2,
    passPercentage: 10,
    environments: null,
    pipelineRules: [{ name: 'canary cohort', conditions: [cohort] }],
    rules: [{ id: 'canary', passPercentage: 10, conditions: [cohort] }],
  });

  // The canary phase's timer runs out: the trigger waits for review of the last phase.
  sandbox.advanceTrigger(trigger.id);
  await startReview(stack, trigger);
  const everyone = await resultOf(stack, trigger);
  expect(everyone.suites?.map((suite) => suite.suite)).toEqual(['full']);
  expect(everyone.criteria).toEqual([
    expect.objectContaining({ suite: 'full', threshold: 0.9, observed: 0.7, verdict: 'fail' }),
  ]);
  expect(everyone).toMatchObject({ verdict: 'fail', action: 'aborted' });
  expect(phasesSeen[1]).toMatchObject({ name: 'Everyone (100%)', index: 1, passPercentage: 100 });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    `PUT /release_pipeline_triggers/${trigger.id}/abort`,
  ]);
});
