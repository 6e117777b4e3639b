// Registering suites in code: what the typed API accepts, what it refuses at startup (with the name
// at fault), which reviews a suite selects, and what the plan tells the workflow.

import { BenchmarkOptionsError } from '../../src/gate/kinds/kind';
import { gateVersionOf, planReview } from '../../src/gate/plan';
import type { GateDefinition, SuiteDefinition } from '../../src/gate/types';
import {
  command,
  dataset,
  defineBenchmark,
  defineBenchmarkKind,
  defineGate,
  defineSuite,
  GateConfigError,
  http,
  scorers,
  validateGate,
} from '../../src/index';

const score = defineBenchmark({
  name: 'score',
  metrics: ['quality'],
  run: async () => ({ metrics: { quality: 1 } }),
});

function problemsOf(gate: unknown): string[] {
  try {
    validateGate(gate, 'my-gate.ts');
  } catch (error) {
    expect(error).toBeInstanceOf(GateConfigError);
    expect((error as GateConfigError).message).toContain('my-gate.ts');
    return (error as GateConfigError).problems;
  }
  throw new Error('the gate was accepted');
}

const suite = (overrides: Partial<SuiteDefinition>): SuiteDefinition => ({
  name: 'quality',
  benchmarks: [score],
  criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
  ...overrides,
});

describe('registration errors name the suite and what is wrong', () => {
  it('an unknown metric, when the benchmarks declare theirs', () => {
    expect(
      problemsOf({
        suites: [suite({ criteria: [{ metric: 'qualty', op: '>=', threshold: 0.8 }] })],
      }),
    ).toEqual([
      "suites[quality].criteria[0].metric: unknown metric 'qualty'; the benchmarks report quality",
    ]);
  });

  it('an unknown metric of a built-in kind, by its criterion name', () => {
    const latency = http({ name: 'probe', url: 'http://127.0.0.1:1/' });
    const problems = problemsOf({
      suites: [
        suite({
          benchmarks: [latency],
          criteria: [{ name: 'p95', metric: 'latency_p95', op: '<=', threshold: 1 }],
        }),
      ],
    });
    expect(problems[0]).toMatch(
      /^suites\[quality\]\.criteria\[p95\]\.metric: unknown metric 'latency_p95'; the benchmarks report .*latency_p95_ms/,
    );
  });

  it('a criterion naming a benchmark the suite does not have', () => {
    expect(
      problemsOf({
        suites: [
          suite({ criteria: [{ metric: 'quality', op: '>=', threshold: 1, benchmark: 'nope' }] }),
        ],
      }),
    ).toEqual(["suites[quality].criteria[0].benchmark: no benchmark 'nope' in this suite (score)"]);
  });

  it('duplicate suite, benchmark and criterion names', () => {
    const problems = problemsOf({
      suites: [
        suite({
          benchmarks: [score, score],
          criteria: [
            { name: 'q', metric: 'quality', op: '>=', threshold: 1 },
            { name: 'q', metric: 'quality', op: '>=', threshold: 0 },
          ],
        }),
        suite({}),
      ],
    });
    expect(problems).toEqual([
      'suites[quality].benchmarks[score]: duplicate benchmark name',
      'suites[quality].criteria[q]: duplicate criterion name',
      'suites[quality]: duplicate suite name',
    ]);
  });

  it.each([
    [{ op: '=>' }, 'criteria[0].op: op must be one of >= > <= < =='],
    [
      { compare: 'regression', op: '<=' },
      "criteria[0].better: a regression criterion needs better: 'higher' or 'lower'",
    ],
    [
      { compare: 'regression', better: 'higher', op: '>=' },
      "criteria[0].op: a regression is capped: op must be '<=' or '<'",
    ],
    [{ compare: 'delta', op: '==' }, "criteria[0].op: '==' only applies to absolute criteria"],
    [
      { test: 'mann-whitney' },
      'criteria[0].test: mann-whitney compares with the baseline: use it with compare delta or regression',
    ],
    [
      { aggregate: 'mean', failureBudget: 1 },
      'criteria[0].failureBudget: failureBudget counts single measurements: it applies only without aggregate',
    ],
    [
      { aggregate: 'p42' },
      'criteria[0].aggregate: aggregate must be one of mean, median, p50, p90, p95, p99, min, max, passRate',
    ],
    [
      { critical: true, advisory: true },
      'criteria[0].advisory: a criterion is either critical or advisory, not both',
    ],
    [{ alpha: 0.7 }, 'criteria[0].alpha: Too big: expected number to be <0.5'],
  ])('a bad criterion field %j', (fields, problem) => {
    const problems = problemsOf({
      suites: [
        suite({ criteria: [{ metric: 'quality', op: '>=', threshold: 0.8, ...fields } as never] }),
      ],
    });
    expect(problems).toContain(`suites[quality].${problem}`);
  });

  it('maxRepeats below repeats', () => {
    const benchmark = { ...score, repeats: 5, maxRepeats: 2 };
    expect(problemsOf({ suites: [suite({ benchmarks: [benchmark] })] })).toEqual([
      'suites[quality].benchmarks[score].maxRepeats: maxRepeats must be at least repeats',
    ]);
  });

  it('a built-in kind with bad options, in the plain-object form', () => {
    const problems = problemsOf({
      suites: [
        suite({
          benchmarks: [{ name: 'probe', kind: 'http', url: 'not a url', requests: 0 } as never],
          criteria: [{ metric: 'error_rate', op: '<=', threshold: 0 }],
        }),
      ],
    });
    expect(problems).toEqual([
      'suites[quality].benchmarks[probe].url: url must be an http(s) URL',
      'suites[quality].benchmarks[probe].requests: Too small: expected number to be >0',
    ]);
  });

  it('an unknown kind in the plain-object form', () => {
    expect(
      problemsOf({ suites: [suite({ benchmarks: [{ name: 'x', kind: 'grpc' } as never] })] }),
    ).toEqual([
      "suites[quality].benchmarks[x].kind: unknown kind 'grpc' (built in: http, command, dataset, pulse; or give run)",
    ]);
  });

  it('typed kind helpers refuse bad options as soon as they are called', () => {
    expect(() => command({ name: 'eval', command: '' })).toThrow(BenchmarkOptionsError);
    expect(() =>
      dataset({ name: 'd', cases: [], model: () => 'x', scorers: [scorers.exact()] }),
    ).toThrow("Benchmark 'd' is invalid: cases: Too small: expected array to have >=1 items");
  });

  it('defineGate throws at once, naming defineGate()', () => {
    expect(() => defineGate({ suites: [] })).toThrow(
      /Gate config defineGate\(\) is invalid:\n {2}- suites: declare at least one suite/,
    );
  });
});

describe('the plain-object form', () => {
  it('builds built-in kinds from { kind, ...options }', async () => {
    const gate = validateGate({
      suites: [
        {
          name: 'exactness',
          benchmarks: [
            {
              name: 'echo',
              kind: 'dataset',
              cases: [
                { input: 'a', expected: 'a' },
                { input: 'b', expected: 'c' },
              ],
              model: (input: unknown) => input,
              scorers: [scorers.exact()],
            },
          ],
          criteria: [{ metric: 'pass_rate', op: '>=', threshold: 0.5 }],
        },
      ],
    });
    const benchmark = gate.suites[0]?.benchmarks[0];
    expect(benchmark?.kind).toBe('dataset');
    expect(benchmark?.metrics).toContain('score_exact');
  });
});

describe('custom kinds', () => {
  it('defineBenchmarkKind validates options and produces a benchmark with settings', async () => {
    const { z } = await import('zod');
    const constant = defineBenchmarkKind<{ value: number }>(
      'constant',
      ({ value }) => ({ metrics: ['value'], run: async () => ({ metrics: { value } }) }),
      z.object({ value: z.number() }),
    );
    const benchmark = constant({ name: 'seven', value: 7, repeats: 3, timeoutMs: 1_000 });
    expect(benchmark).toMatchObject({
      name: 'seven',
      kind: 'constant',
      repeats: 3,
      timeoutMs: 1_000,
      metrics: ['value'],
    });
    expect(() => constant({ name: 'bad', value: 'seven' as never })).toThrow(
      "Benchmark 'bad' is invalid: value: Invalid input: expected number, received string",
    );
  });
});

describe('planReview', () => {
  const gate: GateDefinition = defineGate({
    suites: [
      defineSuite({
        name: 'everyone',
        benchmarks: [score],
        criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
      }),
      defineSuite({
        name: 'prompts-only',
        targets: { tags: ['ai-config'] },
        benchmarks: [{ ...score, repeats: 3, maxRepeats: 9, parallelRuns: 4 }],
        criteria: [
          { metric: 'quality', aggregate: 'mean', compare: 'delta', op: '>=', threshold: 0 },
        ],
      }),
      defineSuite({
        name: 'checkout-pipeline',
        targets: { pipelines: ['rp_checkout'], entities: ['checkout_flag'] },
        benchmarks: [score],
        criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
        passScore: 50,
      }),
    ],
  });

  it('selects suites by tags, pipelines and entity name or ID', () => {
    const prompt = planReview(
      gate,
      { id: 'c1', name: 'chat_prompt', tags: ['ai-config'] },
      'rp_chat',
    );
    expect(prompt.suites.map((s) => s.name)).toEqual(['everyone', 'prompts-only']);
    expect(prompt.skippedSuites).toEqual(['checkout-pipeline']);
    const checkout = planReview(gate, { id: 'checkout_flag', name: 'Checkout' }, 'rp_checkout');
    expect(checkout.suites).toEqual([
      { name: 'everyone', passScore: 100 },
      { name: 'checkout-pipeline', passScore: 50 },
    ]);
    expect(planReview(gate, { id: 'other', name: 'other' }, 'rp_checkout').skippedSuites).toEqual([
      'prompts-only',
      'checkout-pipeline',
    ]);
  });

  it('plans baseline runs only for benchmarks a relative criterion draws from', () => {
    const plan = planReview(
      gate,
      { id: 'c1', name: 'chat_prompt', tags: ['ai-config'] },
      'rp_chat',
    );
    expect(plan.needsBaseline).toBe(true);
    expect(plan.benchmarks).toEqual([
      expect.objectContaining({
        suite: 'everyone',
        baseline: false,
        repeats: 1,
        maxRepeats: 1,
        parallelRuns: 2,
      }),
      expect.objectContaining({
        suite: 'prompts-only',
        baseline: true,
        repeats: 3,
        maxRepeats: 9,
        parallelRuns: 4,
        kind: 'custom',
      }),
    ]);
    expect(planReview(gate, { id: 'x', name: 'x' }, 'rp').needsBaseline).toBe(false);
  });

  it("records the gate config's version: declared, or a hash that follows its code", () => {
    expect(
      planReview({ ...gate, version: '2024-06-01' }, { id: 'x', name: 'x' }, 'rp').gateVersion,
    ).toBe('2024-06-01');
    const hashed = gateVersionOf(gate);
    expect(hashed).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(gateVersionOf(gate)).toBe(hashed);
    const edited = defineGate({
      suites: [
        {
          ...gate.suites[0],
          benchmarks: [{ ...score, run: async () => ({ metrics: { quality: 0.5 } }) }],
        } as SuiteDefinition,
      ],
    });
    expect(gateVersionOf(edited)).not.toBe(
      gateVersionOf({ suites: [gate.suites[0] as SuiteDefinition] }),
    );
  });

  it("follows a built-in kind's options: another URL or request count is another version", () => {
    const latencyGate = (options: { url: string; requests?: number }) =>
      defineGate({
        suites: [
          {
            name: 'latency',
            benchmarks: [http({ name: 'api', ...options })],
            criteria: [{ metric: 'latency_p95_ms', op: '<=', threshold: 200 }],
          },
        ],
      });
    const plainGate = (options: { url: string; requests: number }) =>
      validateGate({
        suites: [
          {
            name: 'latency',
            benchmarks: [{ name: 'api', kind: 'http', ...options }],
            criteria: [{ metric: 'latency_p95_ms', op: '<=', threshold: 200 }],
          },
        ],
      });
    const a = { url: 'http://127.0.0.1:8080/a', requests: 100 };
    const version = gateVersionOf(latencyGate(a));
    expect(gateVersionOf(latencyGate({ ...a }))).toBe(version);
    expect(gateVersionOf(latencyGate({ ...a, url: 'http://127.0.0.1:8080/b' }))).not.toBe(version);
    expect(gateVersionOf(latencyGate({ ...a, requests: 200 }))).not.toBe(version);
    // Writing out a default is the same benchmark, so the same version.
    expect(gateVersionOf(latencyGate({ url: a.url, requests: 50 }))).toBe(
      gateVersionOf(latencyGate({ url: a.url })),
    );

    const plain = gateVersionOf(plainGate(a));
    expect(gateVersionOf(plainGate({ ...a }))).toBe(plain);
    expect(gateVersionOf(plainGate({ ...a, url: 'http://127.0.0.1:8080/b' }))).not.toBe(plain);
    expect(gateVersionOf(plainGate({ ...a, requests: 200 }))).not.toBe(plain);
  });
});
