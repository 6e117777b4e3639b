// Judging inside real reviews (Temporal dev server, real workers, the Statsig sandbox): the baseline
// read from the entity's version history and measured in the same review, no earlier version,
// adaptive sampling, the stored evidence, scratch directories, a benchmark that throws versus one
// that fails its criterion, and a 5,000-case dataset whose result stays small.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path, { sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineGate } from '../../src/gate/define';
import { dataset } from '../../src/gate/kinds/dataset';
import { exact } from '../../src/gate/kinds/scorers';
import type { StoredReport } from '../../src/gate/report/document';
import type { GateDefinition, Target } from '../../src/gate/types';
import type { SandboxSeed } from '../../src/sandbox/app';
import type { ReviewProgress } from '../../workflows/contract';
import { resultOf, startReview, workflowIdOf, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
});

async function stackFor(gate: GateDefinition, seed: SandboxSeed = testSeed()): Promise<Stack> {
  const stack = await startStack({ gate, seed });
  stacks.push(stack);
  return stack;
}

const quality = (target: Target) => Number((target.value as { quality?: number }).quality ?? 0);

describe('comparison with the released version', () => {
  const seen: Array<{ role: string; version: number | null; baselineVersion: number | null }> = [];
  const gate = defineGate({
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'quality',
        benchmarks: [
          {
            name: 'score',
            async run({ target, baseline, role }) {
              seen.push({
                role,
                version: target.version,
                baselineVersion: baseline?.version ?? null,
              });
              return { metrics: { quality: quality(target) } };
            },
          },
        ],
        criteria: [
          { name: 'floor', metric: 'quality', op: '>=', threshold: 0.5 },
          {
            name: 'no regression',
            metric: 'quality',
            compare: 'regression',
            better: 'higher',
            op: '<=',
            threshold: 0.02,
          },
        ],
      },
    ],
  });
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackFor(gate);
  });

  it('measures the previous version in the same review and approves an improvement', async () => {
    seen.length = 0;
    // The seed's configs start at version 1 with quality 0.85; this release makes version 2.
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(seen.sort((a, b) => a.role.localeCompare(b.role))).toEqual([
      { role: 'baseline', version: 1, baselineVersion: 1 },
      { role: 'candidate', version: 2, baselineVersion: 1 },
    ]);
    expect(report.criteria[1]).toMatchObject({
      name: 'no regression',
      verdict: 'pass',
      observed: 0.9,
      baselineValue: 0.85,
    });
    expect(report.evaluation?.baseline).toMatchObject({
      version: 1,
      configHash: expect.stringMatching(/^sha256:/),
    });
    const versionReads = stack.sandbox.sandbox.calls.filter((call) =>
      call.path.endsWith(`/dynamic_configs/${trigger.dynamicConfigID}/versions`),
    );
    expect(versionReads).toHaveLength(1);
  });

  it('aborts a release that regresses against the previous version, though it clears the floor', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.6 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'fail', action: 'aborted' });
    expect(report.criteria.map((criterion) => criterion.verdict)).toEqual(['pass', 'fail']);
    expect(report.reason).toBe(
      'quality: mean(quality) regression = 29.41% (candidate 0.6, baseline 0.85) misses <= 2%; one sample per side, so no statistical test',
    );
  });

  it('without an earlier version, relative criteria are inconclusive and absolute ones still judge', async () => {
    const triggerID = `rpt_${randomUUID().replaceAll('-', '')}`;
    const seed: SandboxSeed = {
      ...testSeed(),
      dynamicConfigs: [
        {
          id: 'brand_new',
          name: 'brand_new',
          isEnabled: true,
          version: 1,
          defaultValue: { quality: 0.9 },
          rules: [],
          releasePipelineID: 'rp_config_0',
        },
      ],
      triggers: [
        {
          id: triggerID,
          releasePipelineID: 'rp_config_0',
          status: 'WAITING_FOR_REVIEW',
          currentPhase: 'Phase 1',
          currentPhaseID: 'rp_config_0_p10',
          dynamicConfigID: 'brand_new',
          createdTime: Date.now(),
          actions: [],
        },
      ],
    };
    const own = await stackFor(gate, seed);
    const trigger = own.sandbox.sandbox.getTrigger(triggerID);
    if (!trigger) throw new Error('seeded trigger missing');
    await startReview(own, trigger);
    const report = await resultOf(own, trigger);
    expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
    expect(report.criteria.map((criterion) => [criterion.name, criterion.verdict])).toEqual([
      ['floor', 'pass'],
      ['no regression', 'inconclusive'],
    ]);
    expect(report.criteria[1]?.reason).toBe(
      'no baseline to compare with: brand_new has no version older than 1 to compare with',
    );
    expect(report.evaluation?.baseline).toEqual({
      version: null,
      reason: 'brand_new has no version older than 1 to compare with',
    });
    expect(writesFor(own, trigger)).toEqual([]);
  });
});

describe('when the evidence cannot be had', () => {
  it('versions Statsig refuses to list leave relative criteria inconclusive, saying why', async () => {
    const gate = defineGate({
      policy: { decisionTimeoutMs: 1_000 },
      suites: [
        {
          name: 'quality',
          benchmarks: [
            {
              name: 'score',
              run: async ({ target }) => ({ metrics: { quality: quality(target) } }),
            },
          ],
          criteria: [{ metric: 'quality', compare: 'delta', op: '>=', threshold: 0 }],
        },
      ],
    });
    const stack = await stackFor(gate);
    stack.sandbox.sandbox.addFault({ method: 'GET', path: '/versions$', status: 403 });
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
    expect(report.criteria[0]?.reason).toMatch(
      /^no baseline to compare with: its versions could not be read: Statsig GET \/dynamic_configs\/model_config_\d+\/versions\?limit=100&page=1 → 403/,
    );
  });

  it('run outputs missing from the report store make the review inconclusive, naming GATE_REPORTS_DIR', async () => {
    let reportsDir = '';
    const gate = defineGate({
      policy: { decisionTimeoutMs: 1_000 },
      suites: [
        {
          name: 'quality',
          benchmarks: [
            { name: 'fast', run: async () => ({ metrics: { quality: 1 } }) },
            {
              name: 'cleaner',
              // Stands in for a worker on another host: the first run's output is not here.
              async run() {
                const fastOutput = async () =>
                  (await readdir(reportsDir, { recursive: true })).find((file) =>
                    file.endsWith(`fast${sep}candidate-0.json`),
                  );
                for (let waited = 0; !(await fastOutput()) && waited < 100; waited += 1)
                  await sleep(50);
                const found = await fastOutput();
                if (found) await rm(path.join(reportsDir, found));
                return { metrics: { other: 1 } };
              },
            },
          ],
          criteria: [{ metric: 'quality', op: '>=', threshold: 0.5 }],
        },
      ],
    });
    const stack = await stackFor(gate);
    reportsDir = stack.reportsDir;
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 1 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
    expect(report.criteria[0]).toMatchObject({ error: true });
    expect(report.criteria[0]?.reason).toMatch(
      /^the evaluation failed: run output .*fast.candidate-0\.json is not in .* \(ENOENT\); workers on several hosts need a shared GATE_REPORTS_DIR$/,
    );
    expect(report.evaluation).toBeUndefined();
  }, 30_000);
});

describe('adaptive sampling', () => {
  // Both sides measure the same value, and the criterion allows 5 more: clearly met, but three
  // runs per side cannot show it at 5% (the smallest possible one-sided p is 1/20).
  const gate = defineGate({
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'latency',
        benchmarks: [
          {
            name: 'probe',
            repeats: 3,
            maxRepeats: 12,
            parallelRuns: 6,
            run: async ({ repeat }) => ({ metrics: { latency_ms: 100 + repeat * 0.01 } }),
          },
          {
            name: 'capped',
            repeats: 3,
            // Declared: so the planner knows no latency criterion reads it, and skips its baseline.
            metrics: ['tokens'],
            run: async ({ repeat }) => ({ metrics: { tokens: 100 + repeat * 0.01 } }),
          },
        ],
        criteria: [
          {
            metric: 'latency_ms',
            aggregate: 'mean',
            compare: 'delta',
            test: 'mann-whitney',
            op: '<=',
            threshold: 5,
          },
        ],
      },
      {
        name: 'tokens',
        benchmarks: [
          {
            name: 'count',
            repeats: 3,
            run: async ({ repeat }) => ({ metrics: { tokens: 100 + repeat * 0.01 } }),
          },
        ],
        criteria: [
          {
            metric: 'tokens',
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

  it('adds runs while the verdict is inconclusive, up to maxRepeats', async () => {
    const stack = await stackFor(gate);
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 1 });
    const handle = await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    // `latency` settles after one more round of three; `tokens` cannot grow (maxRepeats 3).
    expect(report.criteria.map((criterion) => [criterion.suite, criterion.verdict])).toEqual([
      ['latency', 'pass'],
      ['tokens', 'inconclusive'],
    ]);
    expect(report.criteria[0]?.samples).toEqual({ candidate: 6, baseline: 6 });
    expect(report.criteria[1]?.reason).toMatch(/not significant either way/);
    expect(report.evaluation).toMatchObject({ samplingRounds: 2 });
    const outcome = (name: string) => report.benchmarks.find((entry) => entry.benchmark === name);
    expect(outcome('probe')?.runs).toEqual({
      candidate: { completed: 6, errored: 0 },
      baseline: { completed: 6, errored: 0 },
    });
    // `capped` declares it reports nothing the latency criterion reads: no baseline runs, no reruns.
    expect(outcome('capped')?.runs).toEqual({
      candidate: { completed: 3, errored: 0 },
      baseline: { completed: 0, errored: 0 },
    });
    const progress = await handle.query<ReviewProgress>('progress');
    expect(progress.baseline).toEqual({ version: 1 });
  });
});

describe('evidence and runs', () => {
  const scratchDirs: string[] = [];
  const gate = defineGate({
    version: 'evidence-test-1',
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'answers',
        benchmarks: [
          dataset({
            name: 'questions',
            repeats: 2,
            cases: [
              { id: 'steady', input: 'a', expected: 'a' },
              { id: 'flaky', input: 'b', expected: 'b' },
              { id: 'lost', input: 'c', expected: 'c' },
            ],
            model: (input, { role, repeat }) => {
              if (input === 'b' && role === 'candidate' && repeat === 1) return 'wrong';
              if (input === 'c' && role === 'candidate') return 'wrong';
              return input;
            },
            scorers: [exact()],
          }),
          {
            name: 'scratch',
            async run({ scratchDir }) {
              scratchDirs.push(scratchDir);
              await stat(scratchDir);
              return { metrics: { ok: 1 } };
            },
          },
        ],
        criteria: [
          { name: 'pass rate', metric: 'pass', aggregate: 'passRate', op: '>=', threshold: 0.5 },
          {
            name: 'regression',
            metric: 'pass',
            aggregate: 'passRate',
            compare: 'regression',
            better: 'higher',
            op: '<=',
            threshold: 0.9,
          },
          { name: 'scratch ok', metric: 'ok', op: '==', threshold: 1 },
        ],
      },
    ],
  });

  it('stores report.json and report.md, lists flaky cases apart from regressions, and cleans scratch dirs', async () => {
    const stack = await stackFor(gate);
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 1 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
    const evaluation = report.evaluation;
    expect(evaluation).toMatchObject({
      gateVersion: 'evidence-test-1',
      configHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      samplingRounds: 1,
      runs: 6,
      flaky: {
        count: 1,
        cases: [
          {
            suite: 'answers',
            benchmark: 'questions',
            id: 'flaky',
            candidate: { runs: 2, passed: 1 },
          },
        ],
      },
      regressions: {
        count: 1,
        cases: [
          { id: 'lost', candidate: { runs: 2, passed: 0 }, baseline: { runs: 2, passed: 2 } },
        ],
      },
    });
    expect(evaluation?.report.json.startsWith(stack.reportsDir)).toBe(true);

    const stored = JSON.parse(
      await readFile(evaluation?.report.json ?? '', 'utf8'),
    ) as StoredReport;
    expect(stored).toMatchObject({
      verdict: 'pass',
      gateVersion: 'evidence-test-1',
      configHash: evaluation?.configHash,
      subject: { triggerID: trigger.id, target: { id: trigger.dynamicConfigID, version: 2 } },
      decision: { outcome: 'decided', action: 'approved', reason: 'every criterion passed' },
    });
    expect(stored.datasets[0]?.table.map((row) => [row.id, row.output])).toEqual([
      ['steady', 'a'],
      ['flaky', 'wrong'],
      ['lost', 'wrong'],
    ]);
    const markdown = await readFile(evaluation?.report.markdown ?? '', 'utf8');
    expect(markdown).toContain(`# Review of ${trigger.dynamicConfigID} (version 2): ✅ pass`);
    expect(markdown).toContain('- **Gate config version:** evidence-test-1');
    expect(markdown).toContain('- **Decision:** approved (decided): every criterion passed');
    expect(markdown).toContain(
      '| answers | regression | 0.5 | 1 | regression <= 90% | paired-bootstrap 90% [16.67%, 83.33%] | ✅ pass |',
    );
    expect(markdown).toContain('#### Flaky (1) in answers/questions');
    expect(markdown).toContain('#### Regressions (1) in answers/questions');

    // One directory per run (candidate and baseline: the benchmark declares no metrics), each
    // removed when its run ended.
    expect(new Set(scratchDirs).size).toBe(2);
    for (const dir of scratchDirs)
      await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a benchmark that throws versus one that fails its criterion', () => {
  let attempts = 0;
  const gate = defineGate({
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'checks',
        benchmarks: [
          {
            name: 'check',
            retries: 1,
            async run({ target }) {
              const mode = (target.value as { mode: string }).mode;
              attempts += 1;
              if (mode === 'throw') throw new Error('eval service unreachable');
              if (mode === 'nan') return { metrics: { quality: Number.NaN } };
              return { metrics: { quality: mode === 'fail' ? 0.2 : 0.9 } };
            },
          },
        ],
        criteria: [
          { metric: 'quality', op: '>=', threshold: 0.8 },
          { name: 'stretch goal', metric: 'quality', op: '>=', threshold: 0.95, advisory: true },
        ],
      },
    ],
  });
  let stack: Stack;
  beforeAll(async () => {
    stack = await stackFor(gate);
  });

  it('an advisory criterion that fails is named, and the phase still approved', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { mode: 'pass' });
    await startReview(stack, trigger);
    expect(await resultOf(stack, trigger)).toMatchObject({
      verdict: 'pass',
      action: 'approved',
      reason: 'every suite passed (not blocking: checks: stretch goal)',
    });
  });

  it('a failing criterion is a fail, and the rollout is aborted', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { mode: 'fail' });
    await startReview(stack, trigger);
    expect(await resultOf(stack, trigger)).toMatchObject({
      verdict: 'fail',
      action: 'aborted',
      reason: 'checks: quality = 0.2 misses >= 0.8',
    });
  });

  it('a benchmark that throws is retried, then inconclusive: nobody is approved or aborted on an error', async () => {
    attempts = 0;
    const trigger = releaseConfig(stack.sandbox.sandbox, { mode: 'throw' });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(attempts).toBe(2);
    expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
    expect(report.criteria[0]?.reason).toBe(
      'no measurement: check: checks/check threw: eval service unreachable',
    );
    expect(writesFor(stack, trigger)).toEqual([]);
  });

  it('a benchmark returning NaN is an invalid result, not retried', async () => {
    attempts = 0;
    const trigger = releaseConfig(stack.sandbox.sandbox, { mode: 'nan' });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(attempts).toBe(1);
    expect(report.verdict).toBe('inconclusive');
    expect(report.benchmarks[0]).toMatchObject({
      status: 'error',
      error: 'Benchmark checks/check must return { metrics: { name: finite number } }',
    });
  });
});

describe('a 5,000-case dataset', () => {
  const CASES = 5_000;
  const gate = defineGate({
    suites: [
      {
        name: 'big-eval',
        benchmarks: [
          dataset({
            name: 'five-thousand',
            repeats: 2,
            concurrency: 16,
            timeoutMs: 120_000,
            cases: Array.from({ length: CASES }, (_, index) => ({
              id: `case-${index}`,
              input: `question number ${index} with some padding to make the case realistic`,
              expected: `answer ${index}`,
            })),
            // Every 50th case fails its second run on both sides: 100 flaky cases, far more than
            // the workflow result lists.
            model: (input, { repeat }) => {
              const index = Number(String(input).split(' ')[2]);
              return index % 50 === 0 && repeat === 1 ? 'no idea' : `answer ${index}`;
            },
            scorers: [exact()],
          }),
        ],
        criteria: [
          { metric: 'pass', aggregate: 'passRate', op: '>=', threshold: 0.9 },
          {
            metric: 'pass',
            aggregate: 'passRate',
            compare: 'regression',
            better: 'higher',
            op: '<=',
            threshold: 0.05,
          },
        ],
      },
    ],
  });

  it('keeps per-case results in the report store and the workflow result far below 2 MB', async () => {
    const stack = await stackFor(gate);
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 1 });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
    const resultBytes = Buffer.byteLength(JSON.stringify(report));
    expect(resultBytes).toBeLessThan(64 * 1024);
    expect(report.evaluation?.flaky.count).toBe(100);
    expect(report.evaluation?.flaky.cases).toHaveLength(20);
    const stored = JSON.parse(
      await readFile(report.evaluation?.report.json ?? '', 'utf8'),
    ) as StoredReport;
    expect(stored.datasets[0]?.table).toHaveLength(CASES);
    expect(stored.datasets[0]?.flaky).toHaveLength(100);

    // The whole history (every activity input and result) stays small too.
    const history = await stack.client.workflow.getHandle(workflowIdOf(trigger)).fetchHistory();
    const historyBytes = Buffer.byteLength(JSON.stringify(history));
    expect(historyBytes).toBeLessThan(512 * 1024);
  }, 120_000);
});
