// The three example gates in examples/, each through real reviews: a prompt change that should be
// approved and one that should be aborted, with the evidence a person would look at.

import commandGate from '../../examples/command-gate';
import latencyGate from '../../examples/latency-gate';
import promptGate from '../../examples/prompt-gate';
import { type ModelService, startModelService } from '../../src/demo/model-service';
import { demoSeed, IMPROVED_PROMPT, REGRESSED_PROMPT } from '../../src/demo/seed';
import type { GateDefinition } from '../../src/gate/types';
import type { ReviewReport } from '../../workflows/contract';
import { resultOf, startReview, writesFor } from '../helpers/review';
import { type Stack, startStack } from '../helpers/stack';

let modelService: ModelService;
const stacks: Stack[] = [];

beforeAll(async () => {
  modelService = await startModelService();
  process.env.MODEL_SERVICE_URL = modelService.url;
});

afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
  await modelService?.close();
});

/** Reviews the improved prompt (chat config) and the regressed one (summary config) with a gate. */
async function reviewBoth(
  gate: GateDefinition,
): Promise<{ stack: Stack; improved: ReviewReport; regressed: ReviewReport; triggers: string[] }> {
  const stack = await startStack({ gate, seed: demoSeed() });
  stacks.push(stack);
  const good = stack.sandbox.sandbox.startRelease({
    pipelineID: 'rp_chat_assistant',
    entity: { kind: 'dynamic_config', id: 'chat_assistant_prompt', defaultValue: IMPROVED_PROMPT },
  });
  const bad = stack.sandbox.sandbox.startRelease({
    pipelineID: 'rp_search_summary',
    entity: { kind: 'dynamic_config', id: 'search_summary_prompt', defaultValue: REGRESSED_PROMPT },
  });
  await Promise.all([startReview(stack, good), startReview(stack, bad)]);
  const [improved, regressed] = await Promise.all([resultOf(stack, good), resultOf(stack, bad)]);
  // The action with its reason first, so a failure says which criterion decided it.
  expect([improved.action, improved.reason]).toEqual(['approved', expect.any(String)]);
  expect([regressed.action, regressed.reason]).toEqual(['aborted', expect.any(String)]);
  expect(writesFor(stack, good)).toEqual([`PUT /release_pipeline_triggers/${good.id}/approve`]);
  expect(writesFor(stack, bad)).toEqual([`PUT /release_pipeline_triggers/${bad.id}/abort`]);
  return { stack, improved, regressed, triggers: [good.id, bad.id] };
}

const verdicts = (report: ReviewReport) =>
  Object.fromEntries(report.criteria.map((criterion) => [criterion.name, criterion.verdict]));

it('prompt-gate: a dataset eval judged on its own and against the released prompt', async () => {
  const { improved, regressed } = await reviewBoth(promptGate);
  expect(improved).toMatchObject({ verdict: 'pass', action: 'approved' });
  expect(improved.evaluation?.baseline).toMatchObject({ version: 1 });
  expect(verdicts(improved)).toEqual({
    quality: 'pass',
    'no quality regression': 'pass',
    'p95 latency': 'pass',
    'p95 latency vs released': 'pass',
    'answer length': 'pass',
  });
  expect(improved.criteria.find((c) => c.name === 'no quality regression')?.statistic?.test).toBe(
    'paired-bootstrap',
  );

  expect(regressed).toMatchObject({ verdict: 'fail', action: 'aborted' });
  expect(regressed.suites?.[0]?.reason).toBe('critical criterion quality failed');
  expect(regressed.evaluation?.regressions.count).toBe(10);
});

it('latency-gate: an SLO and a Mann-Whitney comparison against a local HTTP service', async () => {
  const { improved, regressed } = await reviewBoth(latencyGate);
  expect(improved).toMatchObject({ verdict: 'pass', action: 'approved' });
  const median = improved.criteria.find((c) => c.name === 'median no more than 50 ms slower');
  expect(median).toMatchObject({
    verdict: 'pass',
    statistic: { test: 'mann-whitney', hypothesis: 'meets' },
    samples: { candidate: 200, baseline: 200 },
  });
  // The improved prompt asks for fewer tokens: faster than the released one.
  expect(median?.difference).toBeLessThan(0);

  expect(regressed).toMatchObject({ verdict: 'fail', action: 'aborted' });
  expect(verdicts(regressed)['median no more than 50 ms slower']).toBe('fail');
  expect(
    regressed.criteria.find((c) => c.name === 'median no more than 50 ms slower')?.difference,
  ).toBeGreaterThan(100);
}, 120_000);

it('command-gate: an existing eval script, its JSON metrics judged', async () => {
  const { improved, regressed } = await reviewBoth(commandGate);
  expect(improved).toMatchObject({ verdict: 'pass', action: 'approved' });
  expect(improved.benchmarks[0]).toMatchObject({
    benchmark: 'lint-script',
    status: 'completed',
    metrics: { has_question_slot: 1, banned_phrases: 0, temperature: 0.2 },
  });
  expect(regressed).toMatchObject({ verdict: 'fail', action: 'aborted' });
  expect(verdicts(regressed)).toMatchObject({
    'keeps the {question} slot': 'fail',
    'no banned phrases': 'fail',
    'temperature at most 1': 'fail',
  });
});
