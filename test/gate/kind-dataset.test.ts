// The dataset kind and its scorers: per-case results, every built-in scorer, the LLM-judge
// interface (with a judge function standing in for a team's own model call), model errors, and
// per-case metrics.
import { dataset } from '../../src/gate/kinds/dataset';
import { InvalidBenchmarkOutputError } from '../../src/gate/kinds/kind';
import * as scorers from '../../src/gate/kinds/scorers';
import type { BenchmarkOutput } from '../../src/gate/types';
import { benchmarkContext } from './context';

async function score(scorer: scorers.Scorer, output: unknown, expected?: unknown) {
  return scorer.score({
    output,
    expected,
    case: { input: 'q', expected },
    signal: new AbortController().signal,
  });
}

describe('scorers', () => {
  it('exact compares trimmed text, optionally ignoring case, and objects by their JSON', async () => {
    expect(await score(scorers.exact(), '  Paris ', 'Paris')).toBe(true);
    expect(await score(scorers.exact(), 'paris', 'Paris')).toBe(false);
    expect(await score(scorers.exact({ ignoreCase: true }), 'paris', 'Paris')).toBe(true);
    expect(await score(scorers.exact(), { a: 1 }, { a: 1 })).toBe(true);
  });

  it('contains looks for the expected text, ignoring case by default', async () => {
    expect(await score(scorers.contains(), 'The answer is PARIS.', 'Paris')).toBe(true);
    expect(
      await score(scorers.contains({ ignoreCase: false }), 'The answer is PARIS.', 'Paris'),
    ).toBe(false);
    expect(await score(scorers.contains({ value: 'answer' }), 'The answer is 42')).toBe(true);
  });

  it('regex matches the output, every time (global expressions included)', async () => {
    const oneWord = scorers.regex(/^\w+$/g);
    expect(await score(oneWord, 'Paris')).toBe(true);
    expect(await score(oneWord, 'Paris')).toBe(true);
    expect(await score(oneWord, 'The answer is Paris')).toBe(false);
  });

  it('jsonSchema validates JSON output, text that is not JSON scoring 0', async () => {
    const schema = scorers.jsonSchema({
      type: 'object',
      properties: {
        answer: { type: 'string', minLength: 1 },
        confidence: { type: 'number', maximum: 1 },
      },
      required: ['answer'],
      additionalProperties: false,
    });
    expect(await score(schema, '{"answer": "Paris", "confidence": 0.9}')).toBe(true);
    expect(await score(schema, { answer: 'Paris' })).toBe(true);
    expect(await score(schema, '{"answer": "", "confidence": 2}')).toBe(false);
    expect(await score(schema, '{"answer": "Paris", "extra": true}')).toBe(false);
    expect(await score(schema, 'Paris')).toBe(false);
  });

  it('numeric finds the first number and allows a tolerance, absolute or relative', async () => {
    expect(await score(scorers.numeric({ tolerance: 0.5 }), 'about 99.6 degrees', 100)).toBe(true);
    expect(await score(scorers.numeric({ tolerance: 0.5 }), 'about 98 degrees', 100)).toBe(false);
    expect(
      await score(scorers.numeric({ tolerance: 0.01, relative: true }), '299000', 299792),
    ).toBe(true);
    expect(await score(scorers.numeric({ tolerance: 1 }), 'no number here', 3)).toBe(false);
  });

  it('custom wraps a function, with its own pass mark', async () => {
    const short = scorers.custom(
      'short',
      ({ output }) => Math.max(0, 1 - String(output).length / 100),
      { passAt: 0.8 },
    );
    expect(short.passAt).toBe(0.8);
    expect(await score(short, 'x'.repeat(10))).toBeCloseTo(0.9);
  });

  it('llmJudge asks your judge function and keeps its score', async () => {
    const requests: scorers.JudgeRequest[] = [];
    const judge = scorers.llmJudge({
      rubric: 'Is the answer correct and polite?',
      judge: async (request) => {
        requests.push(request);
        return { score: String(request.output).includes('please') ? 0.9 : 0.3, reason: 'tone' };
      },
    });
    expect(judge).toMatchObject({ name: 'llm_judge', passAt: 0.5 });
    expect(await score(judge, 'Paris, please', 'Paris')).toBe(0.9);
    expect(requests[0]).toMatchObject({
      rubric: 'Is the answer correct and polite?',
      input: 'q',
      output: 'Paris, please',
      expected: 'Paris',
    });
    const broken = scorers.llmJudge({ rubric: 'r', judge: async () => 7 });
    await expect(score(broken, 'x')).rejects.toThrow(
      'the judge answered 7; scores must be within [0, 1]',
    );
  });
});

describe('dataset', () => {
  const capitals = [
    { id: 'fr', input: 'France', expected: 'Paris' },
    { id: 'jp', input: 'Japan', expected: 'Tokyo' },
    { id: 'xx', input: 'Atlantis', expected: 'Poseidonia' },
  ];
  const answers: Record<string, string> = { France: 'Paris', Japan: 'Kyoto' };

  it('keeps a result per case and sums them up', async () => {
    const benchmark = dataset({
      name: 'capitals',
      cases: capitals,
      model: (input, { record }) => {
        record('tokens', String(input).length);
        if (!(String(input) in answers)) throw new Error('unknown country');
        return answers[String(input)];
      },
      scorers: [scorers.exact(), scorers.regex(/^[A-Z]/, { name: 'capitalised' })],
      caseMetrics: ['tokens'],
    });
    expect(benchmark.metrics).toEqual(
      expect.arrayContaining([
        'pass_rate',
        'pass',
        'exact',
        'score_exact',
        'capitalised',
        'score_capitalised',
        'tokens',
        'latency_ms',
      ]),
    );
    const context = await benchmarkContext();
    const output: BenchmarkOutput = await benchmark.run(context);
    expect(output.cases).toEqual([
      {
        id: 'fr',
        passed: true,
        scores: { latency_ms: expect.any(Number), tokens: 6, exact: 1, capitalised: 1 },
        output: 'Paris',
      },
      {
        id: 'jp',
        passed: false,
        scores: { latency_ms: expect.any(Number), tokens: 5, exact: 0, capitalised: 1 },
        output: 'Kyoto',
      },
      { id: 'xx', passed: false, scores: {}, error: 'model: unknown country' },
    ]);
    expect(output.metrics).toMatchObject({
      cases: 3,
      passed: 1,
      errors: 1,
      pass_rate: 1 / 3,
      score_exact: 1 / 3,
      score_capitalised: 2 / 3,
    });
    expect(context.heartbeats).toContainEqual({ cases: 3, of: 3 });
  });

  it('gives the model the version under review, its side and repeat', async () => {
    const seen: string[] = [];
    await dataset({
      name: 'echo',
      cases: [{ input: 'x' }],
      model: (_input, { target, role, repeat, seed }) => {
        seen.push(`${target.version}/${role}/${repeat}/${seed}`);
        return 'x';
      },
      scorers: [scorers.exact()],
    }).run(await benchmarkContext({ role: 'baseline', repeat: 2, seed: 7 }));
    expect(seen).toEqual(['2/baseline/2/7']);
  });

  it('numbers cases without ids by position, and refuses duplicate ids', async () => {
    const numbered = await dataset({
      name: 'n',
      cases: [{ input: 'a' }, { input: 'b' }],
      model: (x) => x,
      scorers: [scorers.exact()],
    }).run(await benchmarkContext());
    expect(numbered.cases?.map((item) => item.id)).toEqual(['1', '2']);
    const duplicated = dataset({
      name: 'd',
      cases: [
        { id: 'a', input: 1 },
        { id: 'a', input: 2 },
      ],
      model: (x) => x,
      scorers: [scorers.exact()],
    });
    await expect(duplicated.run(await benchmarkContext())).rejects.toThrow(
      InvalidBenchmarkOutputError,
    );
  });

  it('a scorer returning NaN makes the output invalid', async () => {
    const benchmark = dataset({
      name: 'nan',
      cases: [{ input: 'a' }],
      model: (x) => x,
      scorers: [scorers.custom('broken', () => Number.NaN)],
    });
    await expect(benchmark.run(await benchmarkContext())).rejects.toThrow(
      "scorer 'broken' returned NaN for case 1",
    );
  });

  it('trims long outputs in the stored results', async () => {
    const output = await dataset({
      name: 'long',
      cases: [{ input: 'a' }],
      model: () => 'y'.repeat(2_000),
      scorers: [scorers.contains({ value: 'y' })],
      keepOutputChars: 10,
    }).run(await benchmarkContext());
    expect(output.cases?.[0]?.output).toBe(`${'y'.repeat(10)}…`);
  });

  it('stops between cases when the run is cancelled', async () => {
    const context = await benchmarkContext();
    let calls = 0;
    const running = dataset({
      name: 'slow',
      cases: Array.from({ length: 50 }, (_, index) => ({ input: index })),
      concurrency: 1,
      model: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'x';
      },
      scorers: [scorers.exact()],
    }).run(context);
    setTimeout(() => context.controller.abort(new Error('cancelled')), 70);
    await expect(running).rejects.toThrow('cancelled');
    expect(calls).toBeLessThan(10);
  });
});
