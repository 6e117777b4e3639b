// The statistics behind every verdict, checked against values computed independently with numpy
// and scipy (test/fixtures/statistics/generate.py wrote reference.json; its sources are named there).

import {
  aggregate,
  bootstrapOneSample,
  bootstrapPaired,
  bootstrapTwoSample,
  type MannWhitneyResult,
  mannWhitneyU,
  mean,
  median,
  normalSf,
  passRate,
  quantile,
  seededRandom,
  variance,
} from '../../src/gate/stats';
import reference from '../fixtures/statistics/reference.json';

/** Relative closeness for p-values spanning many orders of magnitude. */
function expectClose(actual: number, expected: number, relative = 1e-9): void {
  if (expected === 0) {
    expect(Math.abs(actual)).toBeLessThan(1e-300);
    return;
  }
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relative);
}

describe('quantile (numpy.percentile, linear)', () => {
  it.each(reference.quantiles.map((entry) => [entry.values.length, entry] as const))(
    'matches numpy on %d values',
    (_size, entry) => {
      entry.q.forEach((q, index) => {
        expectClose(quantile(entry.values, q), entry.expected[index] as number, 1e-12);
      });
    },
  );

  it('maps the named aggregations onto quantiles', () => {
    const values = reference.quantiles[4]?.values ?? [];
    expect(aggregate(values, 'p95')).toBe(quantile(values, 0.95));
    expect(aggregate(values, 'median')).toBe(quantile(values, 0.5));
    expect(aggregate(values, 'p50')).toBe(median(values));
    expect(aggregate(values, 'min')).toBe(Math.min(...values));
    expect(aggregate(values, 'max')).toBe(Math.max(...values));
    expect(aggregate(values, 'mean')).toBeCloseTo(mean(values), 12);
  });

  it('rejects a quantile outside [0, 1]', () => {
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe('edge cases', () => {
  it('gives NaN, never a number, for no samples', () => {
    for (const how of ['mean', 'median', 'p95', 'min', 'max', 'passRate'] as const) {
      expect(aggregate([], how)).toBeNaN();
    }
    expect(variance([4])).toBeNaN();
  });

  it('propagates NaN like numpy does', () => {
    expect(mean([1, Number.NaN])).toBeNaN();
    expect(quantile([1, Number.NaN, 3], 0.1)).toBeNaN();
    expect(aggregate([1, Number.NaN], 'min')).toBeNaN();
    expect(aggregate([1, Number.NaN], 'passRate')).toBeNaN();
  });

  it('refuses NaN in a Mann-Whitney test, as scipy does', () => {
    expect(() => mannWhitneyU([1, Number.NaN], [2, 3])).toThrow(RangeError);
  });

  it('has zero variance and equal quantiles for constant samples', () => {
    const constant = [0.7, 0.7, 0.7, 0.7];
    expect(variance(constant)).toBe(0);
    expect(quantile(constant, 0.99)).toBe(0.7);
  });

  it('handles a single sample', () => {
    expect(quantile([42], 0.95)).toBe(42);
    expect(aggregate([42], 'mean')).toBe(42);
  });

  it('counts a pass rate at or above passAt', () => {
    expect(passRate([1, 0, 1, 1])).toBe(0.75);
    expect(passRate([0.2, 0.7, 0.9], 0.7)).toBeCloseTo(2 / 3, 12);
  });

  it('has no Mann-Whitney p-value without samples on both sides', () => {
    expect(mannWhitneyU([], [1, 2]).pValue).toBeNaN();
  });
});

describe('normal survival function (scipy.stats.norm.sf)', () => {
  it.each(reference.normalSf.map((entry) => [entry.z, entry.expected]))('at z = %d', (z, p) => {
    expectClose(normalSf(z), p, 1e-12);
  });
});

describe('Mann-Whitney U (scipy.stats.mannwhitneyu)', () => {
  it.each(reference.mannWhitney.map((entry) => [entry.name, entry.alternative, entry] as const))(
    '%s, %s',
    (_name, alternative, entry) => {
      const result: MannWhitneyResult = mannWhitneyU(
        entry.x,
        entry.y,
        alternative as 'two-sided' | 'greater' | 'less',
      );
      expect(result.u).toBe(entry.u);
      expectClose(result.pValue, entry.pValue, 1e-9);
    },
  );

  it('uses the exact distribution only without ties and with a small sample', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6, 7]).method).toBe('exact');
    expect(mannWhitneyU([1, 2, 2], [4, 5, 6]).method).toBe('asymptotic');
    const large = Array.from({ length: 9 }, (_, index) => index);
    expect(
      mannWhitneyU(
        large,
        large.map((value) => value + 0.5),
      ).method,
    ).toBe('asymptotic');
  });

  it.each(reference.criticalU.map((entry) => [entry.n1, entry.n2, entry] as const))(
    'reproduces the printed two-tailed 5%% critical value for n1=%d, n2=%d',
    (n1, n2, entry) => {
      // x all below y except for `u` inversions gives U = u: P(U ≤ u) is the table's lower tail.
      const atCritical = sampleWithU(n1, n2, entry.u);
      const aboveCritical = sampleWithU(n1, n2, entry.u + 1);
      const lowerTail = mannWhitneyU(atCritical.x, atCritical.y, 'less', 'exact');
      const next = mannWhitneyU(aboveCritical.x, aboveCritical.y, 'less', 'exact');
      expect(lowerTail.u).toBe(entry.u);
      expectClose(lowerTail.pValue, entry.lowerTail, 1e-9);
      expectClose(next.pValue, entry.lowerTailNext, 1e-9);
      expect(lowerTail.pValue).toBeLessThanOrEqual(0.025);
      expect(next.pValue).toBeGreaterThan(0.025);
    },
  );
});

/** Distinct values for samples of n1 and n2 whose U statistic (of x) is exactly u. */
function sampleWithU(n1: number, n2: number, u: number): { x: number[]; y: number[] } {
  // Start with x entirely below y (U = 0), then move x's largest values up past y's values.
  const x = Array.from({ length: n1 }, (_, index) => index);
  const y = Array.from({ length: n2 }, (_, index) => 1000 + index);
  let remaining = u;
  for (let index = n1 - 1; index >= 0 && remaining > 0; index -= 1) {
    const passes = Math.min(remaining, n2);
    x[index] = 1000 + passes - 1 + 0.5 + index * 1e-6;
    remaining -= passes;
  }
  return { x, y };
}

describe('bootstrap percentile intervals (scipy.stats.bootstrap, method="percentile")', () => {
  const { confidence } = reference.bootstrap;
  const resamples = 50_000;
  // Different generators: endpoints agree within Monte Carlo error, well inside 3% of the width.
  function expectInterval(actual: [number, number], expected: number[]): void {
    const [low, high] = expected as [number, number];
    const tolerance = 0.03 * (high - low);
    expect(Math.abs(actual[0] - low)).toBeLessThan(tolerance);
    expect(Math.abs(actual[1] - high)).toBeLessThan(tolerance);
  }

  it('one sample, mean', () => {
    const { x, interval } = reference.bootstrap.oneSampleMean;
    const random = seededRandom('mean');
    expectInterval(bootstrapOneSample(x, mean, { resamples, confidence, random }), interval);
  });

  it('one sample, 90th percentile', () => {
    const { x, interval } = reference.bootstrap.oneSampleP90;
    const random = seededRandom('p90');
    const p90 = (values: readonly number[]) => quantile(values, 0.9);
    expectInterval(bootstrapOneSample(x, p90, { resamples, confidence, random }), interval);
  });

  it('two independent samples, difference of means', () => {
    const { x, y, interval } = reference.bootstrap.twoSampleMeanDifference;
    const random = seededRandom('two');
    const difference = (a: readonly number[], b: readonly number[]) => mean(a) - mean(b);
    expectInterval(
      bootstrapTwoSample(x, y, difference, { resamples, confidence, random }),
      interval,
    );
  });

  it('paired samples, difference of means', () => {
    const { x, y, interval } = reference.bootstrap.pairedMeanDifference;
    const random = seededRandom('paired');
    const difference = (a: readonly number[], b: readonly number[]) => mean(a) - mean(b);
    expectInterval(bootstrapPaired(x, y, difference, { resamples, confidence, random }), interval);
  });

  it('pairing narrows the interval when cases vary more than the change', () => {
    const { x, y } = reference.bootstrap.pairedMeanDifference;
    const difference = (a: readonly number[], b: readonly number[]) => mean(a) - mean(b);
    const options = { resamples: 5_000, confidence };
    const paired = bootstrapPaired(x, y, difference, { ...options, random: seededRandom('w') });
    const unpaired = bootstrapTwoSample(x, y, difference, {
      ...options,
      random: seededRandom('w'),
    });
    expect(paired[1] - paired[0]).toBeLessThan((unpaired[1] - unpaired[0]) / 3);
  });

  it('is reproducible from its seed, and only from its seed', () => {
    const { x } = reference.bootstrap.oneSampleMean;
    const run = (seed: string) =>
      bootstrapOneSample(x, mean, { resamples: 2_000, confidence, random: seededRandom(seed) });
    expect(run('review-a')).toEqual(run('review-a'));
    expect(run('review-a')).not.toEqual(run('review-b'));
  });

  it('collapses to a point for zero variance and is NaN without data', () => {
    const random = seededRandom('flat');
    expect(bootstrapOneSample([3, 3, 3], mean, { resamples: 100, confidence, random })).toEqual([
      3, 3,
    ]);
    expect(bootstrapOneSample([], mean, { resamples: 100, confidence, random })).toEqual([
      Number.NaN,
      Number.NaN,
    ]);
  });

  it('refuses paired samples of different lengths', () => {
    const random = seededRandom('x');
    expect(() =>
      bootstrapPaired([1, 2], [1], (a, b) => mean(a) - mean(b), {
        resamples: 10,
        confidence,
        random,
      }),
    ).toThrow(RangeError);
  });
});

describe('seededRandom', () => {
  it('is uniform enough for resampling', () => {
    const random = seededRandom('uniformity');
    const values = Array.from({ length: 100_000 }, () => random());
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const buckets = new Array<number>(10).fill(0);
    for (const value of values) {
      const bucket = Math.floor(value * 10);
      buckets[bucket] = (buckets[bucket] as number) + 1;
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
