// Sequential sampling that keeps its promise: alpha-spending boundaries against published values,
// and the judge over repeated looks (as the review's adaptive rounds judge): α held across looks in
// a simulation where re-testing at α every look is not, an early stop on a clear result, and the
// look recorded in the evidence.
import { monteCarloMargin, simulate } from '../../bench/stats-simulation';
import { evaluate, type RunData } from '../../src/gate/judge';
import {
  lookSchedule,
  nominalLevels,
  normalQuantile,
  normalSf,
  sequentialLook,
  spentAlpha,
} from '../../src/gate/stats';
import type { Criterion } from '../../src/gate/types';

const zOf = (levels: number[]) =>
  levels.map((level) => Number((-normalQuantile(level)).toFixed(3)));

describe('alpha-spending boundaries', () => {
  const fifths = [0.2, 0.4, 0.6, 0.8, 1];

  it("match Lan-DeMets' published boundaries for five equal looks (one-sided 0.025)", () => {
    // Jennison & Turnbull (2000), table 7.6 / gsDesign: two-sided 0.05 designs, each side 0.025.
    expect(zOf(nominalLevels(0.025, fifths, 'pocock'))).toEqual([2.438, 2.427, 2.41, 2.397, 2.386]);
    expect(zOf(nominalLevels(0.025, fifths, 'obrien-fleming'))).toEqual([
      4.877, 3.357, 2.68, 2.29, 2.031,
    ]);
    expect(zOf(nominalLevels(0.025, [0.5, 1], 'pocock'))).toEqual([2.157, 2.201]);
  });

  it('test a single look at α itself, and spend exactly α by the last look', () => {
    expect(nominalLevels(0.05, [1], 'pocock')[0]).toBeCloseTo(0.05, 12);
    for (const spending of ['pocock', 'obrien-fleming'] as const) {
      expect(spentAlpha(0.05, 1, spending)).toBeCloseTo(0.05, 12);
      const levels = nominalLevels(0.05, lookSchedule(1, 4), spending);
      expect(levels.every((level) => level > 0 && level < 0.05)).toBe(true);
    }
  });

  it('have inverse-normal quantiles accurate deep into the tails', () => {
    for (const p of [1e-12, 1e-6, 0.001, 0.025, 0.3, 0.5, 0.9, 0.999]) {
      const z = normalQuantile(p);
      expect(Math.abs(normalSf(-z) - p) / p).toBeLessThan(1e-9);
    }
  });

  it('plan the looks adaptive sampling takes: repeats at a time up to maxRepeats', () => {
    expect(lookSchedule(3, 12)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lookSchedule(2, 5)).toEqual([0.4, 0.8, 1]);
    expect(lookSchedule(4, 4)).toEqual([1]);
    expect(sequentialLook(0.05, lookSchedule(2, 5), 9, 'pocock')).toMatchObject({
      look: 3,
      looks: 3,
      information: 1,
      spent: expect.closeTo(0.05, 12),
    });
  });
});

describe('the judge over repeated looks', () => {
  // 10 samples a run, sd 10; "mean latency delta <= 6.3" is what 5 runs per side detect with 90%
  // power. At the limit (a true delta of 6.3) every pass and every fail is an error.
  const design = { samplesPerRun: 10, sd: 10, threshold: 6.3, alpha: 0.05 };
  const reviews = 1_500;

  it('holds α at every look where re-testing at α each round does not', () => {
    const rounds = { repeats: 1, maxRepeats: 4 };
    const sequential = simulate(design, { kind: 'sequential', ...rounds }, 6.3, reviews, 'hold');
    const naive = simulate(design, { kind: 'naive', ...rounds }, 6.3, reviews, 'hold');
    const bound = 0.05 + monteCarloMargin(0.05, reviews);
    expect(sequential.pass / reviews).toBeLessThanOrEqual(bound);
    expect(sequential.fail / reviews).toBeLessThanOrEqual(bound);
    // The same data, judged at α at each of up to four looks: about twice the promised rate.
    expect(naive.pass / reviews).toBeGreaterThan(bound);
    // And it does look more than once: most reviews at the limit run to the last look.
    expect(sequential.looks / reviews).toBeGreaterThan(3);
  });

  it('stops early on a clear result, with the power of the fixed design', () => {
    const rounds = { kind: 'sequential', repeats: 1, maxRepeats: 6 } as const;
    // Four times the allowance: nearly every review fails at its first look of six.
    const regression = simulate(design, rounds, 4 * 6.3, 300, 'clear');
    expect(regression.fail).toBe(300);
    expect(regression.looks / 300).toBeLessThan(1.1);
    const same = simulate(design, rounds, 0, 600, 'same');
    const fixed = simulate(design, { kind: 'fixed', runs: 5 }, 0, 600, 'same');
    expect(same.runs / 600).toBeLessThan(0.75 * 5);
    expect(same.pass / 600).toBeGreaterThan(fixed.pass / 600 - 0.05);
  });
});

describe('the look in the evidence', () => {
  const criterion: Criterion & { suite: string } = {
    suite: 's',
    metric: 'latency_ms',
    aggregate: 'mean',
    compare: 'delta',
    test: 'mann-whitney',
    op: '<=',
    threshold: 5,
  };
  const runsOf = (count: number, candidate: (index: number) => number): RunData[] =>
    Array.from({ length: count }, (_, repeat) =>
      (['candidate', 'baseline'] as const).map((role) => ({
        suite: 's',
        benchmark: 'probe',
        role,
        repeat,
        status: 'completed' as const,
        output: {
          metrics: {},
          samples: {
            latency_ms: Array.from({ length: 10 }, (_, index) =>
              role === 'candidate' ? candidate(repeat * 10 + index) : 100 + ((index * 7) % 10),
            ),
          },
        },
      })),
    ).flat();
  const judge = (runs: RunData[], criteria = [criterion], repeats = 1, maxRepeats = 4) =>
    evaluate({
      criteria,
      suites: [{ name: 's', passScore: 100 }],
      runs,
      baseline: { version: 1 },
      onError: 'inconclusive',
      seed: 'look-test',
      round: runs.length / 2,
      benchmarks: [{ suite: 's', benchmark: 'probe', repeats, maxRepeats }],
    });

  it('decides a clear regression at the first look and says which look it was', () => {
    const evaluation = judge(runsOf(1, (index) => 140 + (index % 10)));
    const result = evaluation.judgement.criteria[0];
    expect(result?.verdict).toBe('fail');
    expect(result?.statistic?.sequential).toEqual({
      method: 'alpha-spending',
      spending: 'pocock',
      look: 1,
      looks: 4,
      round: 1,
      information: 0.25,
      spent: expect.closeTo(spentAlpha(0.05, 0.25, 'pocock'), 12),
      nominalAlpha: expect.closeTo(nominalLevels(0.05, [0.25, 0.5, 0.75, 1], 'pocock')[0] ?? 0, 12),
      boundary: 'exact',
    });
    expect(result?.reason).toMatch(/look 1 of 4, nominal α 0\.0\d+ \(0\.0\d+ of α spent\)/);
  });

  it('asks for more runs before the last look, and not at it', () => {
    // The candidate sits right at the allowance: no look can tell.
    const atLimit = (index: number) => 105 + ((index * 7) % 10);
    const early = judge(runsOf(2, atLimit));
    expect(early.judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      needsSamples: true,
      statistic: { sequential: { look: 2, looks: 4 } },
    });
    expect(early.moreSamples).toEqual([{ suite: 's', benchmark: 'probe' }]);
    const last = judge(runsOf(4, atLimit));
    expect(last.judgement.criteria[0]?.needsSamples).toBeUndefined();
    expect(last.judgement.criteria[0]?.reason).toMatch(/look 4 of 4.*no more looks planned/);
    expect(last.moreSamples).toEqual([]);
  });

  it('keeps a single look at α when the plan allows no more runs', () => {
    const evaluation = judge(
      runsOf(2, (index) => 140 + (index % 10)),
      [criterion],
      2,
      2,
    );
    const statistic = evaluation.judgement.criteria[0]?.statistic;
    expect(statistic?.alpha).toBe(0.05);
    expect(statistic?.sequential).toBeUndefined();
  });

  it('narrows a bootstrap interval to the look’s level, reproducibly', () => {
    const bootstrap: Criterion & { suite: string } = {
      suite: 's',
      metric: 'latency_ms',
      aggregate: 'p90',
      op: '<=',
      threshold: 200,
      test: 'bootstrap',
      spending: 'obrien-fleming',
    };
    const runs = runsOf(1, (index) => 100 + (index % 10));
    const first = judge(runs, [bootstrap]);
    const statistic = first.judgement.criteria[0]?.statistic;
    const nominal = nominalLevels(0.05, [0.25, 0.5, 0.75, 1], 'obrien-fleming')[0] ?? 0;
    expect(statistic?.confidence).toBeCloseTo(1 - 2 * nominal, 12);
    expect(statistic?.sequential).toMatchObject({ spending: 'obrien-fleming', look: 1 });
    expect(judge(runs, [bootstrap])).toEqual(first);
  });
});
