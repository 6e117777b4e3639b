// How the judge turns runs into verdicts: aggregations, budgets, minimum samples, comparisons with
// the baseline (Mann-Whitney, bootstrap, paired per case), critical and advisory criteria, suite
// scores, flaky cases and regressions, and adaptive-sampling hints.

import { evaluate, type RunData } from '../../src/gate/judge';
import type { BenchmarkOutput, CaseResult, Criterion, RunRole } from '../../src/gate/types';
import type { BaselineStatus, PlannedSuite } from '../../src/gate/wire';

const BASELINE: BaselineStatus = { version: 1 };
const NO_BASELINE: BaselineStatus = { version: null, reason: 'cfg has no version older than 1' };

function run(
  output: Partial<BenchmarkOutput>,
  {
    role = 'candidate',
    repeat = 0,
    benchmark = 'b',
    suite = 's',
  }: { role?: RunRole; repeat?: number; benchmark?: string; suite?: string } = {},
): RunData {
  return {
    suite,
    benchmark,
    role,
    repeat,
    status: 'completed',
    output: { metrics: {}, ...output },
  };
}

function failed(
  error: string,
  {
    role = 'candidate',
    repeat = 0,
    benchmark = 'b',
  }: { role?: RunRole; repeat?: number; benchmark?: string } = {},
): RunData {
  return { suite: 's', benchmark, role, repeat, status: 'error', error };
}

function judge(
  criteria: Criterion[],
  runs: RunData[],
  {
    baseline = BASELINE,
    suites,
    onError = 'inconclusive',
  }: { baseline?: BaselineStatus; suites?: PlannedSuite[]; onError?: 'inconclusive' | 'fail' } = {},
) {
  return evaluate({
    criteria: criteria.map((criterion) => ({ ...criterion, suite: 's' })),
    suites: suites ?? [{ name: 's', passScore: 100 }],
    runs,
    baseline,
    onError,
    seed: 'review-test',
  });
}

/** Deterministic pseudo-normal noise, so tests do not depend on Math.random. */
function noise(index: number): number {
  const x = Math.sin(index * 12.9898) * 43758.5453;
  return (x - Math.floor(x) - 0.5) * 2;
}

const latencies = (center: number, count: number, spread = 10, offset = 0) =>
  Array.from({ length: count }, (_, index) => center + spread * noise(index + offset));

function cases(results: Array<[string, boolean]>): CaseResult[] {
  return results.map(([id, passed]) => ({ id, passed, scores: { correct: Number(passed) } }));
}

describe('absolute criteria', () => {
  it('aggregates samples from every run', () => {
    const evaluation = judge(
      [{ metric: 'latency_ms', aggregate: 'p95', op: '<=', threshold: 200 }],
      [
        run({ samples: { latency_ms: [100, 110, 120] } }, { repeat: 0 }),
        run({ samples: { latency_ms: [130, 140, 500] } }, { repeat: 1 }),
      ],
    );
    const [criterion] = evaluation.judgement.criteria;
    expect(criterion).toMatchObject({ verdict: 'fail', observed: 410, samples: { candidate: 6 } });
    expect(criterion?.reason).toBe('p95(latency_ms) = 410 misses <= 200');
  });

  it('computes a pass rate over cases, with passAt for graded scores', () => {
    const evaluation = judge(
      [
        { metric: 'pass', aggregate: 'passRate', op: '>=', threshold: 0.75 },
        { metric: 'judge', aggregate: 'passRate', passAt: 0.7, op: '>=', threshold: 0.5 },
      ],
      [
        run({
          cases: [
            { id: '1', passed: true, scores: { judge: 0.9 } },
            { id: '2', passed: true, scores: { judge: 0.6 } },
            { id: '3', passed: false, scores: { judge: 0.75 } },
            { id: '4', passed: true, scores: { judge: 0.2 } },
          ],
        }),
      ],
    );
    expect(evaluation.judgement.criteria.map((c) => [c.observed, c.verdict])).toEqual([
      [0.75, 'pass'],
      [0.5, 'pass'],
    ]);
  });

  it('judges each measurement without an aggregate, within the failure budget', () => {
    const runs = [0.9, 0.85, 0.6, 0.95].map((quality, repeat) =>
      run({ metrics: { quality } }, { repeat }),
    );
    const strict = judge([{ metric: 'quality', op: '>=', threshold: 0.8 }], runs);
    expect(strict.judgement.criteria[0]).toMatchObject({ verdict: 'fail', observed: 0.6 });
    expect(strict.judgement.criteria[0]?.reason).toBe(
      'quality: 1 of 4 measurements miss >= 0.8 (failure budget 0; worst 0.6)',
    );
    const lenient = judge(
      [{ metric: 'quality', op: '>=', threshold: 0.8, failureBudget: 1 }],
      runs,
    );
    // With one miss allowed, the second-worst measurement decides.
    expect(lenient.judgement.criteria[0]).toMatchObject({ verdict: 'pass', observed: 0.85 });
  });

  it('a bootstrap interval straddling the threshold is inconclusive and asks for samples', () => {
    const evaluation = judge(
      [{ metric: 'score', aggregate: 'mean', test: 'bootstrap', op: '>=', threshold: 0.5 }],
      [run({ samples: { score: [0.2, 0.9, 0.4, 0.7, 0.3, 0.6] } })],
    );
    const [criterion] = evaluation.judgement.criteria;
    expect(criterion?.verdict).toBe('inconclusive');
    expect(criterion?.statistic).toMatchObject({ test: 'bootstrap', confidence: 0.9 });
    expect(criterion?.statistic?.interval?.[0]).toBeLessThan(0.5);
    expect(criterion?.statistic?.interval?.[1]).toBeGreaterThan(0.5);
    expect(evaluation.moreSamples).toEqual([{ suite: 's', benchmark: 'b' }]);
  });

  it('has no verdict but inconclusive, never a pass, below minSamples', () => {
    const evaluation = judge(
      [{ metric: 'quality', aggregate: 'mean', op: '>=', threshold: 0.5, minSamples: 5 }],
      [
        run({ metrics: { quality: 1 } }, { repeat: 0 }),
        run({ metrics: { quality: 1 } }, { repeat: 1 }),
      ],
    );
    expect(evaluation.judgement.verdict).toBe('inconclusive');
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      needsSamples: true,
      reason: 'needs at least 5 samples per side to judge; has 2 (candidate)',
    });
    expect(evaluation.moreSamples).toEqual([{ suite: 's', benchmark: 'b' }]);
  });

  it('judges absolute criteria without a baseline, and reports the baseline value when there is one', () => {
    const runs = [
      run({ metrics: { quality: 0.9 } }),
      run({ metrics: { quality: 0.7 } }, { role: 'baseline' }),
    ];
    const withBaseline = judge([{ metric: 'quality', op: '>=', threshold: 0.8 }], runs);
    expect(withBaseline.judgement.criteria[0]).toMatchObject({
      verdict: 'pass',
      observed: 0.9,
      baselineValue: 0.7,
    });
    const without = judge([{ metric: 'quality', op: '>=', threshold: 0.8 }], [runs[0] as RunData], {
      baseline: NO_BASELINE,
    });
    expect(without.judgement.verdict).toBe('pass');
  });
});

describe('errors', () => {
  it('a run that errored within the error budget leaves the others to judge', () => {
    const evaluation = judge(
      [{ metric: 'quality', aggregate: 'mean', op: '>=', threshold: 0.8, errorBudget: 1 }],
      [
        run({ metrics: { quality: 0.9 } }, { repeat: 0 }),
        failed('timed out', { repeat: 1 }),
        run({ metrics: { quality: 0.95 } }, { repeat: 2 }),
      ],
    );
    expect(evaluation.judgement.criteria[0]).toMatchObject({ verdict: 'pass', observed: 0.925 });
  });

  it('errors beyond the budget make the criterion inconclusive, or a fail with onError fail', () => {
    const runs = [
      run({ metrics: { quality: 0.9 } }, { repeat: 0 }),
      failed('judge model unreachable', { repeat: 1 }),
    ];
    const criteria: Criterion[] = [{ metric: 'quality', op: '>=', threshold: 0.8 }];
    const inconclusive = judge(criteria, runs);
    expect(inconclusive.judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      error: true,
      reason: '1 of 2 runs errored (error budget 0); b: judge model unreachable',
    });
    expect(judge(criteria, runs, { onError: 'fail' }).judgement.verdict).toBe('fail');
  });

  it('an error in a benchmark known not to report the metric does not count', () => {
    const evaluation = judge(
      [{ metric: 'quality', op: '>=', threshold: 0.8 }],
      [
        run({ metrics: { quality: 0.9 } }, { benchmark: 'quality-eval' }),
        run({ metrics: { latency: 10 } }, { benchmark: 'latency-probe', repeat: 0 }),
        failed('connection refused', { benchmark: 'latency-probe', repeat: 1 }),
      ],
    );
    expect(evaluation.judgement.verdict).toBe('pass');
  });
});

describe('comparison with the baseline', () => {
  const delta: Criterion = {
    metric: 'latency_ms',
    aggregate: 'median',
    compare: 'delta',
    op: '<=',
    threshold: 20,
  };

  it('is inconclusive without a baseline, saying why', () => {
    const evaluation = judge([delta], [run({ samples: { latency_ms: latencies(100, 30) } })], {
      baseline: NO_BASELINE,
    });
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      reason: 'no baseline to compare with: cfg has no version older than 1',
    });
    // Nothing more to sample: another run cannot create a baseline.
    expect(evaluation.moreSamples).toEqual([]);
  });

  it('passes with Mann-Whitney when the candidate is clearly within the allowed delta', () => {
    const evaluation = judge(
      [delta],
      [
        run({ samples: { latency_ms: latencies(102, 40) } }),
        run({ samples: { latency_ms: latencies(100, 40, 10, 99) } }, { role: 'baseline' }),
      ],
    );
    const [criterion] = evaluation.judgement.criteria;
    expect(criterion?.verdict).toBe('pass');
    expect(criterion?.statistic).toMatchObject({
      test: 'mann-whitney',
      hypothesis: 'meets',
      alpha: 0.05,
    });
    expect(criterion?.statistic?.pValue).toBeLessThan(0.05);
    expect(criterion?.baselineValue).toBeCloseTo(100, -1);
    expect(criterion?.reason).toMatch(
      /^median\(latency_ms\) delta = \+?-?[\d.]+ \(candidate [\d.]+, baseline [\d.]+\) meets <= 20 \(Mann-Whitney U = \d+, p = [\d.e-]+ that it meets\)$/,
    );
  });

  it('fails with Mann-Whitney when the candidate is clearly slower than allowed', () => {
    const evaluation = judge(
      [delta],
      [
        run({ samples: { latency_ms: latencies(160, 40) } }),
        run({ samples: { latency_ms: latencies(100, 40, 10, 99) } }, { role: 'baseline' }),
      ],
    );
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'fail',
      statistic: { hypothesis: 'misses' },
    });
  });

  it('is inconclusive when few noisy samples cannot tell, and asks for more', () => {
    const evaluation = judge(
      [delta],
      [
        run({ samples: { latency_ms: latencies(120, 4, 40) } }),
        run({ samples: { latency_ms: latencies(100, 4, 40, 50) } }, { role: 'baseline' }),
      ],
    );
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      needsSamples: true,
    });
    expect(evaluation.judgement.criteria[0]?.reason).toMatch(
      /not significant either way at α = 0.05/,
    );
    expect(evaluation.moreSamples).toEqual([{ suite: 's', benchmark: 'b' }]);
  });

  it('compares one number per side without a test, and says so', () => {
    const evaluation = judge(
      [{ metric: 'quality', compare: 'regression', better: 'higher', op: '<=', threshold: 0.02 }],
      [
        run({ metrics: { quality: 0.8 } }),
        run({ metrics: { quality: 0.9 } }, { role: 'baseline' }),
      ],
    );
    expect(evaluation.judgement.criteria[0]).toMatchObject({ verdict: 'fail' });
    expect(evaluation.judgement.criteria[0]?.difference).toBeCloseTo(0.1111, 4);
    expect(evaluation.judgement.criteria[0]?.reason).toBe(
      'mean(quality) regression = 11.11% (candidate 0.8, baseline 0.9) misses <= 2%; one sample per side, so no statistical test',
    );
  });

  it('pairs dataset cases: a regression on 10% of the cases fails, through the case-to-case noise', () => {
    const ids = Array.from({ length: 200 }, (_, index) => `case-${index}`);
    // Cases differ in difficulty (about half fail on both sides); the candidate loses 20 more.
    const baselineRuns = [0, 1].map((repeat) =>
      run(
        { cases: cases(ids.map((id, index) => [id, index % 2 === 0 || index % 3 === 0])) },
        { role: 'baseline', repeat },
      ),
    );
    const candidateRuns = [0, 1].map((repeat) =>
      run(
        {
          cases: cases(
            ids.map((id, index) => [
              id,
              (index % 2 === 0 || index % 3 === 0) && !(index % 10 === 0),
            ]),
          ),
        },
        { repeat },
      ),
    );
    const evaluation = judge(
      [
        {
          metric: 'pass',
          aggregate: 'passRate',
          compare: 'regression',
          better: 'higher',
          op: '<=',
          threshold: 0.05,
        },
      ],
      [...baselineRuns, ...candidateRuns],
    );
    const [criterion] = evaluation.judgement.criteria;
    expect(criterion).toMatchObject({ verdict: 'fail', statistic: { test: 'paired-bootstrap' } });
    expect(criterion?.reason).toMatch(/over 200 paired cases is outside it$/);
    const [analysis] = evaluation.datasets;
    expect(analysis?.regressions).toHaveLength(20);
    expect(analysis?.flaky).toHaveLength(0);
  });

  it('passes identical datasets with a zero-width paired interval', () => {
    const results = cases([
      ['a', true],
      ['b', false],
      ['c', true],
    ]);
    const evaluation = judge(
      [
        {
          metric: 'pass',
          aggregate: 'passRate',
          compare: 'regression',
          better: 'higher',
          op: '<=',
          threshold: 0,
        },
      ],
      [
        run({ cases: results }),
        run({ cases: results }, { repeat: 1 }),
        run({ cases: results }, { role: 'baseline' }),
        run({ cases: results }, { role: 'baseline', repeat: 1 }),
      ],
    );
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'pass',
      difference: 0,
      statistic: { test: 'paired-bootstrap', interval: [0, 0] },
    });
  });

  it('uses a bootstrap for tail aggregates such as p95', () => {
    const evaluation = judge(
      [{ metric: 'latency_ms', aggregate: 'p95', compare: 'delta', op: '<=', threshold: 50 }],
      [
        run({ samples: { latency_ms: latencies(100, 200, 20) } }),
        run({ samples: { latency_ms: latencies(100, 200, 20, 7) } }, { role: 'baseline' }),
      ],
    );
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'pass',
      statistic: { test: 'bootstrap' },
    });
  });

  it('gives the same verdict and interval for the same review, run after run', () => {
    const runs = [
      run({ samples: { x: latencies(10, 30) } }),
      run({ samples: { x: latencies(9, 30, 10, 3) } }, { role: 'baseline' }),
    ];
    const criteria: Criterion[] = [
      {
        metric: 'x',
        aggregate: 'mean',
        test: 'bootstrap',
        compare: 'delta',
        op: '<=',
        threshold: 5,
      },
    ];
    expect(judge(criteria, runs).judgement).toEqual(judge(criteria, runs).judgement);
  });
});

describe('suites', () => {
  const passing: Criterion = { metric: 'a', op: '>=', threshold: 1, name: 'a' };
  const failingAdvisory: Criterion = {
    metric: 'b',
    op: '>=',
    threshold: 1,
    name: 'b',
    advisory: true,
  };
  const failingCritical: Criterion = {
    metric: 'b',
    op: '>=',
    threshold: 1,
    name: 'b',
    critical: true,
  };
  const failing: Criterion = { metric: 'b', op: '>=', threshold: 1, name: 'b' };
  const runs = [run({ metrics: { a: 1, b: 0, c: 1 } })];

  it('an advisory criterion is reported and never blocks', () => {
    const evaluation = judge([passing, failingAdvisory], runs);
    expect(evaluation.judgement.verdict).toBe('pass');
    expect(evaluation.judgement.criteria[1]).toMatchObject({ verdict: 'fail', advisory: true });
  });

  it('a suite of advisory criteria alone never holds the review', () => {
    const evaluation = judge([failingAdvisory], runs);
    expect(evaluation.judgement.suites?.[0]).toMatchObject({
      verdict: 'pass',
      reason: 'only advisory criteria',
    });
    expect(evaluation.judgement.verdict).toBe('pass');
  });

  it('a passScore lets a suite pass with a failing criterion, but a critical one decides alone', () => {
    const third: Criterion = { metric: 'c', op: '>=', threshold: 1, name: 'c' };
    const suites = [{ name: 's', passScore: 60 }];
    const tolerated = judge([passing, failing, third], runs, { suites });
    expect(tolerated.judgement.suites?.[0]).toMatchObject({ verdict: 'pass', score: 200 / 3 });
    const critical = judge([passing, failingCritical, third], runs, { suites });
    expect(critical.judgement.verdict).toBe('fail');
    expect(critical.judgement.suites?.[0]?.reason).toBe('critical criterion b failed');
  });

  it('weights count in the score', () => {
    const heavy: Criterion = { ...failing, weight: 3 };
    const evaluation = judge([passing, heavy], runs, { suites: [{ name: 's', passScore: 50 }] });
    expect(evaluation.judgement.suites?.[0]).toMatchObject({ verdict: 'fail', score: 25 });
  });

  it('stays inconclusive while undecided criteria could still swing the score', () => {
    const unknown: Criterion = { metric: 'missing', op: '>=', threshold: 1, name: 'missing' };
    const evaluation = judge([passing, unknown], runs, { suites: [{ name: 's', passScore: 100 }] });
    expect(evaluation.judgement.suites?.[0]).toMatchObject({ verdict: 'inconclusive' });
    expect(evaluation.judgement.suites?.[0]?.reason).toMatch(/undecided: missing/);
  });
});

describe('flakiness', () => {
  it('lists cases that pass only sometimes apart from regressions', () => {
    const candidate = [
      cases([
        ['steady', true],
        ['flaky', true],
        ['broken', false],
      ]),
      cases([
        ['steady', true],
        ['flaky', false],
        ['broken', false],
      ]),
      cases([
        ['steady', true],
        ['flaky', true],
        ['broken', false],
      ]),
    ];
    const baseline = [0, 1, 2].map(() =>
      cases([
        ['steady', true],
        ['flaky', true],
        ['broken', true],
      ]),
    );
    const evaluation = judge(
      [{ metric: 'pass', aggregate: 'passRate', op: '>=', threshold: 0 }],
      [
        ...candidate.map((results, repeat) => run({ cases: results }, { repeat })),
        ...baseline.map((results, repeat) => run({ cases: results }, { role: 'baseline', repeat })),
      ],
    );
    const [analysis] = evaluation.datasets;
    expect(analysis?.flaky).toEqual([
      { id: 'flaky', candidate: { runs: 3, passed: 2 }, baseline: { runs: 3, passed: 3 } },
    ]);
    expect(analysis?.regressions.map((item) => item.id)).toEqual(['broken']);
    expect(analysis?.improvements).toEqual([]);
  });
});
