// Sequential sampling in real reviews (Temporal dev server, a real worker, the Statsig sandbox): a
// latency probe that may run 1 to 6 times per side. A clear regression fails at the first look; a
// candidate within the allowance that one run cannot show passes at the second look, well before
// the sixth, and the evidence (the result and report.md) says which look decided and what α it
// had spent.
import { readFile } from 'node:fs/promises';
import { defineGate } from '../../src/gate/define';
import { nominalLevels, spentAlpha } from '../../src/gate/stats';
import type { Target } from '../../src/gate/types';
import { resultOf, startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

/** Deterministic noise in [−1, 1]. */
function noise(index: number): number {
  const x = Math.sin(index * 12.9898) * 43758.5453;
  return (x - Math.floor(x) - 0.5) * 2;
}

const latencyOf = (target: Target) => Number((target.value as { latency?: number }).latency ?? 100);

const gate = defineGate({
  policy: { decisionTimeoutMs: 1_000, onFail: 'none' },
  suites: [
    {
      name: 'latency',
      benchmarks: [
        {
          name: 'probe',
          repeats: 1,
          maxRepeats: 6,
          parallelRuns: 2,
          run: async ({ target, role, repeat }) => ({
            metrics: {},
            samples: {
              latency_ms: Array.from(
                { length: 10 },
                (_, index) =>
                  latencyOf(target) +
                  10 * noise(repeat * 100 + index + (role === 'candidate' ? 50 : 0)),
              ),
            },
          }),
        },
      ],
      criteria: [
        {
          name: 'latency delta',
          metric: 'latency_ms',
          aggregate: 'mean',
          compare: 'delta',
          test: 'mann-whitney',
          op: '<=',
          threshold: 5,
        },
      ],
    },
  ],
});

const SCHEDULE = [1, 2, 3, 4, 5, 6].map((runs) => runs / 6);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gate, seed: testSeed() });
});
afterAll(async () => {
  await stack?.stop();
});

describe('sequential sampling in a review', () => {
  it('fails a clear regression at the first look of six', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { latency: 150 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report.verdict).toBe('fail');
    expect(report.evaluation).toMatchObject({ samplingRounds: 1, runs: 2 });
    expect(report.criteria[0]?.statistic?.sequential).toMatchObject({
      method: 'alpha-spending',
      spending: 'pocock',
      look: 1,
      looks: 6,
      round: 1,
      spent: expect.closeTo(spentAlpha(0.05, 1 / 6, 'pocock'), 12),
      nominalAlpha: expect.closeTo(nominalLevels(0.05, SCHEDULE, 'pocock')[0] ?? 0, 12),
    });
  }, 90_000);

  it('adds a round while undecided, then passes at the second look, not the sixth', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { latency: 100 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report.verdict).toBe('pass');
    expect(report.evaluation).toMatchObject({ samplingRounds: 2, runs: 4 });
    expect(report.benchmarks[0]?.runs).toEqual({
      candidate: { completed: 2, errored: 0 },
      baseline: { completed: 2, errored: 0 },
    });
    const result = report.criteria[0];
    expect(result?.statistic?.sequential).toMatchObject({ look: 2, looks: 6, round: 2 });
    // Its p-value cleared the second look's nominal level, below α: one look at α would have
    // passed it in the first round already (p = 0.044 there).
    expect(result?.statistic?.pValue).toBeLessThan(
      result?.statistic?.sequential?.nominalAlpha ?? 0,
    );
    expect(result?.reason).toMatch(/look 2 of 6, nominal α 0\.01\d+/);
    const markdown = await readFile(report.evaluation?.report.markdown ?? '', 'utf8');
    expect(markdown).toMatch(/Mann-Whitney U=\d+, p=0\.0\d+ \(meets\); look 2\/6, α 0\.01\d+/);
  }, 90_000);
});
