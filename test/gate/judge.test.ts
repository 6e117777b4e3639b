// The verdict a review acts on, in the minimal form (one number per metric, one threshold per
// criterion): pass only when every criterion has a passing measurement.
import { compare, evaluate } from '../../src/gate/judge';
import type { Criterion } from '../../src/gate/types';
import type { BenchmarkOutcome } from '../../src/gate/wire';

/** One run per benchmark outcome, judged without a baseline, as a single-run review is. */
function judge(
  criteria: Array<Criterion & { suite: string }>,
  outcomes: BenchmarkOutcome[],
  { onError = 'inconclusive' }: { onError?: 'inconclusive' | 'fail' } = {},
) {
  return evaluate({
    criteria,
    suites: [...new Set(criteria.map((criterion) => criterion.suite))].map((name) => ({
      name,
      passScore: 100,
    })),
    runs: outcomes.map((outcome) => ({
      suite: outcome.suite,
      benchmark: outcome.benchmark,
      role: 'candidate' as const,
      repeat: 0,
      ...(outcome.status === 'completed'
        ? { status: 'completed' as const, output: { metrics: outcome.metrics } }
        : { status: 'error' as const, error: outcome.error }),
    })),
    baseline: { version: null, reason: 'none' },
    onError,
    seed: 'judge-test',
  }).judgement;
}

const completed = (metrics: Record<string, number>, benchmark = 'b'): BenchmarkOutcome => ({
  suite: 's',
  benchmark,
  status: 'completed',
  metrics,
  durationMs: 1,
});

describe('judge', () => {
  it.each([
    ['>=', 0.8, 0.8, true],
    ['>', 0.8, 0.8, false],
    ['<=', 250, 250, true],
    ['<', 250, 250, false],
    ['==', 3, 3, true],
    ['==', 3, 3.0001, false],
  ] as const)('%s compares %d with %d', (op, threshold, observed, expected) => {
    expect(compare(observed, op, threshold)).toBe(expected);
  });

  it('passes when every criterion passes', () => {
    const judgement = judge(
      [
        { suite: 's', metric: 'quality', op: '>=', threshold: 0.8 },
        { suite: 's', metric: 'p95', op: '<=', threshold: 250 },
      ],
      [completed({ quality: 0.9, p95: 120 })],
    );
    expect(judgement.verdict).toBe('pass');
    expect(judgement.criteria.map((c) => c.reason)).toEqual([
      'quality = 0.9 meets >= 0.8',
      'p95 = 120 meets <= 250',
    ]);
  });

  it('fails when one criterion fails, naming it', () => {
    const judgement = judge(
      [
        { suite: 's', metric: 'quality', op: '>=', threshold: 0.8 },
        { suite: 's', metric: 'p95', op: '<=', threshold: 250 },
      ],
      [completed({ quality: 0.9, p95: 400 })],
    );
    expect(judgement.verdict).toBe('fail');
    expect(judgement.criteria[1]).toMatchObject({
      verdict: 'fail',
      observed: 400,
      reason: 'p95 = 400 misses <= 250',
    });
  });

  it('is inconclusive, never a pass, when the benchmark errored', () => {
    const judgement = judge(
      [{ suite: 's', metric: 'quality', op: '>=', threshold: 0.8 }],
      [{ suite: 's', benchmark: 'b', status: 'error', error: 'timed out' }],
    );
    expect(judgement.verdict).toBe('inconclusive');
    expect(judgement.criteria[0]).toMatchObject({
      observed: null,
      reason: 'no measurement: b: timed out',
    });
  });

  it('is inconclusive when no benchmark reports the metric', () => {
    const judgement = judge(
      [{ suite: 's', metric: 'quality', op: '>=', threshold: 0.8 }],
      [completed({ other: 1 })],
    );
    expect(judgement.verdict).toBe('inconclusive');
  });

  it('requires every benchmark reporting a metric to meet the threshold', () => {
    const judgement = judge(
      [{ suite: 's', metric: 'quality', op: '>=', threshold: 0.8 }],
      [completed({ quality: 0.95 }, 'a'), completed({ quality: 0.5 }, 'b')],
    );
    expect(judgement.verdict).toBe('fail');
    expect(judgement.criteria[0]?.observed).toBe(0.5);
  });

  it('a fail outweighs an inconclusive criterion', () => {
    const judgement = judge(
      [
        { suite: 's', metric: 'quality', op: '>=', threshold: 0.8 },
        { suite: 's', metric: 'missing', op: '>=', threshold: 1 },
      ],
      [completed({ quality: 0.1 })],
    );
    expect(judgement.verdict).toBe('fail');
  });

  it('has no verdict but inconclusive without criteria', () => {
    expect(judge([], [completed({ quality: 1 })]).verdict).toBe('inconclusive');
  });
});
