// Policies from the gate config decide what a verdict does to Statsig.

import type { ReviewPolicy } from '../../src/gate/types';
import { controllableGate } from '../helpers/controllable-gate';
import { resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const stacks: Stack[] = [];

async function stackWith(policy: ReviewPolicy) {
  const gate = controllableGate(policy);
  const stack = await startStack({ gate: gate.gate, seed: testSeed() });
  stacks.push(stack);
  return { stack, gate };
}

afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
});

it("onFail 'disable' switches the dynamic config off instead of aborting", async () => {
  const { stack } = await stackWith({ onFail: 'disable' });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.1 });
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ verdict: 'fail', action: 'disabled' });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /dynamic_configs/${trigger.dynamicConfigID}/disable`,
  ]);
  expect(stack.sandbox.sandbox.getDynamicConfig(trigger.dynamicConfigID ?? '')?.isEnabled).toBe(
    false,
  );
});

it("onFail 'none' reports the failure and calls nothing", async () => {
  const { stack } = await stackWith({ onFail: 'none' });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.1 });
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ verdict: 'fail', action: 'none' });
  expect(writesFor(stack, trigger)).toEqual([]);
});

it('dryRun records the verdict and leaves Statsig untouched', async () => {
  const { stack } = await stackWith({ dryRun: true });
  const passing = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
  const failing = releaseConfig(stack.sandbox.sandbox, { quality: 0.1 });
  await Promise.all([startReview(stack, passing), startReview(stack, failing)]);
  const [pass, fail] = await Promise.all([resultOf(stack, passing), resultOf(stack, failing)]);
  expect(pass).toMatchObject({
    verdict: 'pass',
    action: 'none',
    reason: 'dry run, would have approved: every criterion passed',
  });
  expect(fail).toMatchObject({ verdict: 'fail', action: 'none' });
  expect(fail.reason).toMatch(/^dry run, would have aborted: /);
  expect([...writesFor(stack, passing), ...writesFor(stack, failing)]).toEqual([]);
});

it('dryRun does not hold an inconclusive review open for a person', async () => {
  const { stack, gate } = await stackWith({ dryRun: true });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service down' });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none', outcome: 'decided' });
  expect(report.reason).toMatch(/^dry run, inconclusive: /);
  expect(writesFor(stack, trigger)).toEqual([]);
});

it("onError 'fail' turns a benchmark error into an abort", async () => {
  const { stack, gate } = await stackWith({ onError: 'fail' });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'judge model returned garbage' });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'fail', action: 'aborted' });
  expect(report.benchmarks).toEqual([
    expect.objectContaining({
      status: 'error',
      error: expect.stringContaining('judge model returned garbage'),
    }),
  ]);
});

it('an inconclusive review nobody decides takes the default action at the deadline', async () => {
  const { stack, gate } = await stackWith({ decisionTimeoutMs: 1_500, onDecisionTimeout: 'abort' });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'timeout talking to the eval service' });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'aborted' });
  expect(report.reason).toMatch(/nobody decided within 1500 ms: default action abort/);
  expect(writesFor(stack, trigger)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/abort`]);
});

it('a benchmark that errors is retried before it counts as an error', async () => {
  const gate = controllableGate({ decisionTimeoutMs: 1_000 }, 2);
  const stack = await startStack({ gate: gate.gate, seed: testSeed() });
  stacks.push(stack);
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
  const control = gate.control(trigger.dynamicConfigID ?? '', { error: 'flaky' });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(control.runs).toBe(3);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
  expect(writesFor(stack, trigger)).toEqual([]);
});
