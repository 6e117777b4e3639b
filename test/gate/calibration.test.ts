// A judge checked before it is trusted: an LLM-judge scorer with `calibration` grades people's
// labelled cases in every run; a judge that agrees with them decides as usual, one that drifts makes
// the criteria on what it scores (and so the suite) inconclusive, with the agreement measured.
import { defineGate, GateConfigError } from '../../src/gate/define';
import { evaluate, type RunData } from '../../src/gate/judge';
import { dataset } from '../../src/gate/kinds/dataset';
import { type CalibrationCase, type JudgeRequest, llmJudge } from '../../src/gate/kinds/scorers';
import type { BenchmarkOutput, Criterion } from '../../src/gate/types';
import { benchmarkContext } from './context';

/** Five answers people graded: three right, two wrong. */
const LABELLED: CalibrationCase[] = [
  { id: 'paris', input: 'Capital of France?', output: 'Paris', expected: 'Paris', label: true },
  { id: 'rome', input: 'Capital of Italy?', output: 'Rome', expected: 'Rome', label: true },
  { id: 'four', input: '2 + 2?', output: '4', expected: '4', label: 1 },
  { id: 'lyon', input: 'Capital of France?', output: 'Lyon', expected: 'Paris', label: false },
  { id: 'five', input: '2 + 2?', output: '5', expected: '4', label: 0 },
];

/** A judge that grades as the people did: the answer matches. */
const careful = async ({ output, expected }: JudgeRequest) =>
  String(output) === String(expected) ? 0.9 : 0.1;
/** A judge that drifted: it likes every answer. */
const lenient = async () => 0.9;

function answers(judge: (request: JudgeRequest) => Promise<number>) {
  return dataset({
    name: 'answers',
    cases: [
      { id: 'q1', input: 'Capital of Spain?', expected: 'Madrid' },
      { id: 'q2', input: '3 + 3?', expected: '6' },
    ],
    model: (input) => (input === '3 + 3?' ? '7' : 'Madrid'),
    scorers: [
      llmJudge({
        rubric: 'Is the answer correct?',
        judge,
        calibration: { cases: LABELLED, minAgreement: 0.8 },
      }),
    ],
  });
}

async function runsOf(judge: (request: JudgeRequest) => Promise<number>): Promise<RunData[]> {
  const benchmark = answers(judge);
  const runs: RunData[] = [];
  for (const role of ['candidate', 'baseline'] as const) {
    const output: BenchmarkOutput = await benchmark.run(await benchmarkContext({ role }));
    runs.push({ suite: 's', benchmark: 'answers', role, repeat: 0, status: 'completed', output });
  }
  return runs;
}

const CRITERIA: Array<Criterion & { suite: string }> = [
  {
    suite: 's',
    name: 'judged pass rate',
    metric: 'pass',
    aggregate: 'passRate',
    op: '>=',
    threshold: 0.5,
  },
  { suite: 's', name: 'no steady case breaks', metric: 'regressed_cases', op: '<=', threshold: 0 },
  {
    suite: 's',
    name: 'fast enough',
    metric: 'latency_ms',
    aggregate: 'max',
    op: '<=',
    threshold: 10_000,
  },
];

const judgeRuns = (runs: RunData[], criteria = CRITERIA) =>
  evaluate({
    criteria,
    suites: [{ name: 's', passScore: 100 }],
    runs,
    baseline: { version: 1 },
    onError: 'inconclusive',
    seed: 'calibration-test',
  });

describe('a calibrated LLM judge', () => {
  it('grades the labelled cases in every run and reports its agreement', async () => {
    const [candidate] = await runsOf(careful);
    const output = candidate?.status === 'completed' ? candidate.output : undefined;
    expect(output?.calibration).toEqual([
      {
        scorer: 'llm_judge',
        agreed: 5,
        cases: 5,
        minAgreement: 0.8,
        metrics: ['llm_judge', 'score_llm_judge', 'pass', 'pass_rate', 'passed'],
      },
    ]);
    expect(output?.metrics.calibration_llm_judge).toBe(1);
    // The labelled cases are not the dataset's: its two cases alone make the pass rate.
    expect(output?.cases?.map((item) => [item.id, item.passed])).toEqual([
      ['q1', true],
      ['q2', false],
    ]);
  });

  it('decides as usual when it agrees with the people', async () => {
    const evaluation = judgeRuns(await runsOf(careful));
    expect(evaluation.judgement.verdict).toBe('pass');
    expect(evaluation.judgement.criteria.map((result) => result.verdict)).toEqual([
      'pass',
      'pass',
      'pass',
    ]);
  });

  it('makes what it scores inconclusive when it drifts, with the agreement measured', async () => {
    const evaluation = judgeRuns(await runsOf(lenient));
    const reason =
      "scorer 'llm_judge' of answers is not trusted: it agreed with the people's labels on 6 of 10 calibration cases (60%), below minAgreement 80%; it disagreed on lyon, five";
    expect(evaluation.judgement.criteria).toEqual([
      expect.objectContaining({
        name: 'judged pass rate',
        verdict: 'inconclusive',
        withheld: true,
        reason,
      }),
      expect.objectContaining({
        name: 'no steady case breaks',
        verdict: 'inconclusive',
        withheld: true,
        reason,
      }),
      // Latency is no grade of the judge's: it still decides.
      expect.objectContaining({ name: 'fast enough', verdict: 'pass' }),
    ]);
    expect(evaluation.judgement.verdict).toBe('inconclusive');
    expect(evaluation.judgement.suites?.[0]).toMatchObject({
      verdict: 'inconclusive',
      reason: `score 33.33 of 100 needed; undecided: judged pass rate, no steady case breaks; ${reason}`,
    });
    // More runs of an untrusted judge would not help.
    expect(evaluation.moreSamples).toEqual([]);
  });

  it('pools the agreement over the review’s runs', async () => {
    const agreeing = await runsOf(careful);
    const drifting = (await runsOf(lenient)).map((run) => ({ ...run, repeat: 1 }));
    // 5 + 5 + 3 + 3 of 20 = 80%: just enough.
    const evaluation = judgeRuns([...agreeing, ...drifting]);
    expect(evaluation.judgement.criteria[0]?.withheld).toBeUndefined();
  });
});

describe('loading a calibration', () => {
  const problems = (calibration: unknown) => {
    try {
      defineGate({
        suites: [
          {
            name: 'quality',
            // A plain-object config, as a gate file holds it: checked when the gate loads.
            benchmarks: [
              {
                name: 'answers',
                kind: 'dataset',
                cases: [{ input: 'a' }],
                model: (input: unknown) => input,
                scorers: [
                  llmJudge({ rubric: 'ok?', judge: lenient, calibration: calibration as never }),
                ],
              } as never,
            ],
            criteria: [{ metric: 'pass_rate', op: '>=', threshold: 0.5 }],
          },
        ],
      });
    } catch (error) {
      if (error instanceof GateConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('rejects an agreement that is no share, labels that are no grade, and no cases', () => {
    expect(problems({ cases: LABELLED, minAgreement: 80 })).toEqual([
      'suites[quality].benchmarks[answers].scorers.0.calibration.minAgreement: minAgreement is a share, at most 1',
    ]);
    expect(
      problems({ cases: [{ input: 'a', output: 'b', label: 'yes' }], minAgreement: 0.8 }),
    ).toEqual([
      'suites[quality].benchmarks[answers].scorers.0.calibration.cases.0.label: label must be true, false or a score in [0, 1]',
    ]);
    expect(problems({ cases: [], minAgreement: 0.8 })).toEqual([
      'suites[quality].benchmarks[answers].scorers.0.calibration.cases: calibration needs at least one labelled case',
    ]);
    expect(problems({ cases: LABELLED, minAgreement: 0.8 })).toEqual([]);
  });
});
