// Criteria on counts of cases: `regressed_cases` (passed on the baseline in every run, failed on the
// candidate in every run) blocks like any criterion, flaky cases stay apart, `flaky_cases` caps
// flakiness, and both are checked when the gate config loads.
import { defineGate, GateConfigError } from '../../src/gate/define';
import { evaluate, type RunData } from '../../src/gate/judge';
import { dataset } from '../../src/gate/kinds/dataset';
import { exact } from '../../src/gate/kinds/scorers';
import { planReview } from '../../src/gate/plan';
import type { BenchmarkDefinition, Criterion, RunRole } from '../../src/gate/types';
import type { BaselineStatus } from '../../src/gate/wire';

/** One dataset run: each case passed or not. */
function run(role: RunRole, repeat: number, passed: Record<string, boolean>): RunData {
  return {
    suite: 's',
    benchmark: 'answers',
    role,
    repeat,
    status: 'completed',
    output: {
      metrics: {},
      cases: Object.entries(passed).map(([id, ok]) => ({ id, passed: ok })),
    },
  };
}

function judge(criteria: Criterion[], runs: RunData[], baseline: BaselineStatus = { version: 1 }) {
  return evaluate({
    criteria: criteria.map((criterion) => ({ ...criterion, suite: 's' })),
    suites: [{ name: 's', passScore: 100 }],
    runs,
    baseline,
    onError: 'inconclusive',
    seed: 'cases-test',
  });
}

const NONE_REGRESS: Criterion = { metric: 'regressed_cases', op: '<=', threshold: 0 };
const ALL_PASS = { steady: true, flaky: true, lost: true };

describe('regressed_cases', () => {
  it('blocks when one case that always passed on the baseline fails on the candidate', () => {
    const evaluation = judge(
      [NONE_REGRESS],
      [
        run('baseline', 0, ALL_PASS),
        run('baseline', 1, ALL_PASS),
        run('candidate', 0, { steady: true, flaky: true, lost: false }),
        run('candidate', 1, { steady: true, flaky: true, lost: false }),
      ],
    );
    expect(evaluation.judgement.verdict).toBe('fail');
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      name: 'regressed_cases <= 0',
      verdict: 'fail',
      observed: 1,
      reason:
        '1 case regressed (passed on the baseline in every run, failed on the candidate in every run): lost; regressed_cases misses <= 0',
    });
  });

  it('leaves flaky cases apart: one that failed in one run of two is no regression', () => {
    const evaluation = judge(
      [NONE_REGRESS],
      [
        run('baseline', 0, ALL_PASS),
        run('baseline', 1, ALL_PASS),
        run('candidate', 0, { steady: true, flaky: false, lost: true }),
        run('candidate', 1, { steady: true, flaky: true, lost: true }),
      ],
    );
    expect(evaluation.judgement.verdict).toBe('pass');
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'pass',
      observed: 0,
      reason: expect.stringContaining('1 flaky case left apart (flaky)'),
    });
  });

  it('allows at most N, and counts a case the baseline already failed as no regression', () => {
    const runs = [
      run('baseline', 0, { a: true, b: true, c: false }),
      run('candidate', 0, { a: false, b: true, c: false }),
    ];
    const atMostOne = judge([{ ...NONE_REGRESS, threshold: 1 }], runs);
    expect(atMostOne.judgement.criteria[0]).toMatchObject({ verdict: 'pass', observed: 1 });
    // `c` failed on the baseline too: only `a` counts.
    const fewerThanOne = judge([{ ...NONE_REGRESS, op: '<', threshold: 1 }], runs);
    expect(fewerThanOne.judgement.criteria[0]).toMatchObject({ verdict: 'fail', observed: 1 });
  });

  it('is inconclusive without a baseline, or when the candidate could not run', () => {
    const noBaseline = judge([NONE_REGRESS], [run('candidate', 0, ALL_PASS)], {
      version: null,
      reason: 'cfg has no version older than 1',
    });
    expect(noBaseline.judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      reason: 'no baseline to compare cases with: cfg has no version older than 1',
    });
    const errored = judge(
      [NONE_REGRESS],
      [
        run('baseline', 0, ALL_PASS),
        {
          suite: 's',
          benchmark: 'answers',
          role: 'candidate',
          repeat: 0,
          status: 'error',
          error: 'model down',
        },
      ],
    );
    expect(errored.judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      error: true,
      reason: expect.stringContaining('answers: model down'),
    });
  });
});

describe('flaky_cases', () => {
  it('caps the cases that passed in some runs and failed in others', () => {
    const runs = [
      run('candidate', 0, { a: true, b: false, c: true }),
      run('candidate', 1, { a: false, b: true, c: true }),
    ];
    const evaluation = judge([{ metric: 'flaky_cases', op: '<=', threshold: 1 }], runs);
    expect(evaluation.judgement.criteria[0]).toMatchObject({
      verdict: 'fail',
      observed: 2,
      reason:
        '2 flaky cases of 3 (passed in some runs and failed in others): a, b; flaky_cases misses <= 1',
    });
  });
});

describe('loading a case criterion', () => {
  const answers = dataset({
    name: 'answers',
    cases: [{ id: 'q1', input: 'a', expected: 'a' }],
    model: (input) => input,
    scorers: [exact()],
  });
  const gateWith = (criterion: Record<string, unknown>, benchmark: BenchmarkDefinition = answers) =>
    defineGate({
      suites: [{ name: 'quality', benchmarks: [benchmark], criteria: [criterion as never] }],
    });
  const problems = (criterion: Record<string, unknown>, benchmark?: BenchmarkDefinition) => {
    try {
      gateWith(criterion, benchmark);
    } catch (error) {
      if (error instanceof GateConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('reads naturally and plans the baseline runs it compares with', () => {
    const gate = gateWith({ name: 'no steady case breaks', ...NONE_REGRESS, critical: true });
    const plan = planReview(gate, { id: 'cfg', name: 'cfg' }, 'rp');
    expect(plan.benchmarks[0]).toMatchObject({ benchmark: 'answers', baseline: true });
    expect(plan.needsBaseline).toBe(true);
  });

  it('rejects what a count of cases cannot mean', () => {
    expect(
      problems({ metric: 'regressed_cases', op: '>=', threshold: 0.5, aggregate: 'mean' }),
    ).toEqual([
      "suites[quality].criteria[0].op: regressed_cases is a count to cap: op must be '<=' or '<'",
      'suites[quality].criteria[0].threshold: regressed_cases counts cases: threshold must be a whole number, 0 or more',
      'suites[quality].criteria[0].aggregate: regressed_cases counts cases: aggregate does not apply',
    ]);
    expect(problems({ ...NONE_REGRESS, compare: 'delta' })).toEqual([
      "suites[quality].criteria[0].compare: regressed_cases already compares the candidate's cases with the baseline's: leave compare out",
    ]);
  });

  it('needs a benchmark that reports cases', () => {
    const plain: BenchmarkDefinition = {
      name: 'latency',
      metrics: ['latency_ms'],
      run: async () => ({ metrics: { latency_ms: 1 } }),
    };
    expect(problems({ ...NONE_REGRESS }, plain)).toEqual([
      'suites[quality].criteria[0].metric: regressed_cases counts cases by their pass or fail; no benchmark it reads reports cases (a dataset does)',
    ]);
  });
});
