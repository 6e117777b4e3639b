// People stay in charge: decide mid-run, decide an inconclusive review, the decision deadline, a
// console action that supersedes the review, and cancelling a review.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ReviewProgress } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { type ControllableGate, controllableGate } from '../helpers/controllable-gate';
import { eventually, resultOf, startReview, workflowIdOf, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

let stack: Stack;
let gate: ControllableGate;

beforeAll(async () => {
  gate = controllableGate();
  stack = await startStack({ gate: gate.gate, seed: testSeed() });
});

afterAll(async () => {
  await stack?.stop();
});

const progressOf = (workflowId: string) =>
  stack.client.workflow.getHandle(workflowId).query<ReviewProgress>('progress');

describe('decide', () => {
  it('reject mid-run cancels the benchmarks and makes exactly one abort call', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    expect(await progressOf(handle.workflowId)).toMatchObject({
      stage: 'run benchmarks',
      benchmarks: [{ suite: 'prompt-quality', benchmark: 'score', status: 'running' }],
    });

    const answer = await handle.executeUpdate('decide', {
      args: [{ decision: 'reject', actor: 'ana@example.com', reason: 'known bad prompt' }],
    });
    expect(answer).toEqual({ accepted: true, stage: 'run benchmarks' });
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({
      action: 'aborted',
      override: { decision: 'reject', actor: 'ana@example.com', reason: 'known bad prompt' },
      reason: 'rejected by ana@example.com: known bad prompt',
    });
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/abort`,
    ]);
  });

  it('refuses a second decision once one was made', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    await handle.executeUpdate('decide', { args: [{ decision: 'approve', actor: 'ana' }] });
    const refused = handle.executeUpdate('decide', {
      args: [{ decision: 'reject', actor: 'bob' }],
    });
    await expect(refused).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({
      cause: { message: 'already decided by ana: approve' },
    });
    expect((await resultOf(stack, trigger)).action).toBe('approved');
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });

  it('refuses a decision without an actor, and one after the review acted', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    await expect(
      handle.executeUpdate('decide', { args: [{ decision: 'approve', actor: ' ' }] }),
    ).rejects.toMatchObject({
      cause: { message: 'actor must name the person deciding' },
    });
    control.release();
    await resultOf(stack, trigger);
    await expect(
      handle.executeUpdate('decide', { args: [{ decision: 'reject', actor: 'late' }] }),
    ).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });
});

describe('inconclusive reviews', () => {
  it('wait for a person, then make the one approve call they asked for', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
    gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service unreachable' });
    const handle = await startReview(stack, trigger);
    const waiting = await eventually(async () => {
      const progress = await progressOf(handle.workflowId);
      return progress.stage === 'waiting for a person' ? progress : undefined;
    });
    expect(waiting.judgement?.verdict).toBe('inconclusive');
    expect(waiting.judgement?.criteria[0]).toMatchObject({ error: true, observed: null });
    expect(writesFor(stack, trigger)).toEqual([]);

    await handle.executeUpdate('decide', { args: [{ decision: 'approve', actor: 'oncall' }] });
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({
      verdict: 'inconclusive',
      action: 'approved',
      override: { actor: 'oncall' },
    });
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });
});

describe('console actions and cancellation', () => {
  it('ends superseded, calling nothing, when a person aborts in the console mid-run', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.99 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    await startReview(stack, trigger);
    await control.started;
    // A person acts in the Statsig console while the benchmarks run.
    const response = await fetch(
      `${stack.sandbox.consoleApiUrl}/release_pipeline_triggers/${trigger.id}/abort`,
      {
        method: 'PUT',
        headers: { 'STATSIG-API-KEY': stack.consoleApiKey },
      },
    );
    expect(response.status).toBe(200);
    const writesBefore = writesFor(stack, trigger);
    control.release();
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ outcome: 'superseded', action: 'none', verdict: 'pass' });
    expect(report.reason).toContain('ABORTED');
    expect(writesFor(stack, trigger)).toEqual(writesBefore);
  });

  it('leaves Statsig untouched when the review is cancelled', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.2 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.decision)).toBe('cancelled');
    expect(writesFor(stack, trigger)).toEqual([]);
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
    expect(workflowIdOf(trigger)).toBe(handle.workflowId);
  });
});
