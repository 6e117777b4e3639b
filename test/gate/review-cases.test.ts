// Per-case criteria and a calibrated judge in real reviews (Temporal dev server, a real worker, the
// Statsig sandbox): a case that always passed on the released version and fails on the candidate
// fails the review and aborts the rollout, a flaky case does not; a judge that agrees with its
// labelled cases lets the review pass, one that drifts leaves it to a person with the agreement
// measured in the suite's reason.
import { defineGate } from '../../src/gate/define';
import { dataset } from '../../src/gate/kinds/dataset';
import { type CalibrationCase, exact, llmJudge } from '../../src/gate/kinds/scorers';
import type { SuiteDefinition, Target } from '../../src/gate/types';
import { resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const loses = (target: Target) => Boolean((target.value as { lose?: boolean }).lose);

/** releaseConfig hands out model_config_0, _1, … in order: each suite selects its own review. */
const CONFIG = (index: number) => `model_config_${index}`;

const LABELLED: CalibrationCase[] = [
  { id: 'right-1', input: 'Capital of France?', output: 'Paris', expected: 'Paris', label: true },
  { id: 'right-2', input: '2 + 2?', output: '4', expected: '4', label: true },
  { id: 'wrong-1', input: 'Capital of France?', output: 'Lyon', expected: 'Paris', label: false },
  { id: 'wrong-2', input: '2 + 2?', output: '5', expected: '4', label: false },
];

function judgedSuite(name: string, entity: string, lenient: boolean): SuiteDefinition {
  return {
    name,
    targets: { entities: [entity] },
    benchmarks: [
      dataset({
        name: 'graded',
        cases: [
          { id: 'q1', input: 'Capital of Spain?', expected: 'Madrid' },
          { id: 'q2', input: '3 + 3?', expected: '6' },
        ],
        model: (input) => (input === '3 + 3?' ? '6' : 'Madrid'),
        scorers: [
          llmJudge({
            rubric: 'Is the answer correct?',
            judge: async ({ output, expected }) =>
              lenient || String(output) === String(expected) ? 0.9 : 0.1,
            calibration: { cases: LABELLED, minAgreement: 0.75 },
          }),
        ],
      }),
    ],
    criteria: [{ name: 'judged pass rate', metric: 'pass_rate', op: '>=', threshold: 0.5 }],
  };
}

const gate = defineGate({
  policy: { decisionTimeoutMs: 1_000 },
  suites: [
    {
      name: 'cases',
      targets: { entities: [CONFIG(0), CONFIG(1)] },
      benchmarks: [
        dataset({
          name: 'questions',
          repeats: 2,
          cases: [
            { id: 'steady', input: 'a', expected: 'a' },
            { id: 'flaky', input: 'b', expected: 'b' },
            { id: 'lost', input: 'c', expected: 'c' },
          ],
          model: (input, { target, role, repeat }) => {
            if (input === 'b' && role === 'candidate' && repeat === 1) return 'wrong';
            if (input === 'c' && role === 'candidate' && loses(target)) return 'wrong';
            return input;
          },
          scorers: [exact()],
        }),
      ],
      criteria: [
        { name: 'no steady case breaks', metric: 'regressed_cases', op: '<=', threshold: 0 },
        { name: 'pass rate', metric: 'pass', aggregate: 'passRate', op: '>=', threshold: 0.5 },
      ],
    },
    judgedSuite('judged by an agreeing judge', CONFIG(2), false),
    judgedSuite('judged by a drifting judge', CONFIG(3), true),
  ],
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gate, seed: testSeed() });
});
afterAll(async () => {
  await stack?.stop();
});

describe('per-case criteria and a calibrated judge in reviews', () => {
  it('fails the review and aborts the rollout when a steady case regresses', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { lose: true });
    expect(trigger.dynamicConfigID).toBe(CONFIG(0));
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'fail', action: 'aborted' });
    expect(report.criteria[0]).toMatchObject({
      name: 'no steady case breaks',
      verdict: 'fail',
      observed: 1,
      reason: expect.stringMatching(
        /^1 case regressed .*: lost; .*1 flaky case left apart \(flaky\)$/,
      ),
    });
    // The aggregate alone would have let it through.
    expect(report.criteria[1]).toMatchObject({ name: 'pass rate', verdict: 'pass' });
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/abort`,
    ]);
  }, 90_000);

  it('passes when the only case that changed is flaky', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { lose: false });
    expect(trigger.dynamicConfigID).toBe(CONFIG(1));
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(report.criteria[0]).toMatchObject({ verdict: 'pass', observed: 0 });
    expect(report.evaluation?.flaky).toMatchObject({ count: 1 });
  }, 90_000);

  it('trusts a judge that agrees with the labelled cases', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 1 });
    expect(trigger.dynamicConfigID).toBe(CONFIG(2));
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(report.benchmarks[0]).toMatchObject({
      status: 'completed',
      metrics: expect.objectContaining({ calibration_llm_judge: 1 }),
    });
  }, 90_000);

  it('leaves the review to a person when the judge drifts, saying how far it agreed', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 1 });
    expect(trigger.dynamicConfigID).toBe(CONFIG(3));
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report.verdict).toBe('inconclusive');
    expect(report.action).not.toBe('approved');
    const agreement =
      "scorer 'llm_judge' of graded is not trusted: it agreed with the people's labels on 2 of 4 calibration cases (50%), below minAgreement 75%; it disagreed on wrong-1, wrong-2";
    expect(report.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      withheld: true,
      reason: agreement,
    });
    expect(report.suites?.[0]).toMatchObject({
      suite: 'judged by a drifting judge',
      verdict: 'inconclusive',
      reason: expect.stringContaining(agreement),
    });
    expect(writesFor(stack, trigger)).toEqual([]);
  }, 90_000);
});
