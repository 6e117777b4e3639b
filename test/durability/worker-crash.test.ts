// A worker process SIGKILLed in the middle of a review: mid-benchmark, after its approve call reached
// Statsig but before the answer came back, and after a rule rollback's call did the same. A fresh
// worker process finishes the review, and Statsig receives exactly one approve, and each rule write
// exactly once.
import type { ReviewProgress, ReviewReport, WriteResult } from '../../workflows/contract';
import type { RuleWriteResult } from '../../workflows/rollback-contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { qualityGate } from '../helpers/gates';
import { activityAttempts } from '../helpers/history';
import { eventually, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { type WorkerFleet, workerFleet } from './worker-processes';

let stack: Stack;
let fleet: WorkerFleet;

beforeAll(async () => {
  // No in-process worker: every worker in these tests is an OS process the test can kill.
  stack = await startStack({ gate: qualityGate(), seed: testSeed(), worker: false });
});

beforeEach(() => {
  fleet = workerFleet(stack);
});

afterEach(async () => {
  await fleet.stop();
});

afterAll(async () => {
  await stack?.stop();
});

async function killed(worker: Awaited<ReturnType<WorkerFleet['start']>>) {
  worker.kill('SIGKILL');
  expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(() => process.kill(worker.pid, 0)).toThrow();
}

/** How many reviews Temporal holds for this trigger (running or closed), by search attribute. */
async function reviewsOfTrigger(triggerID: string): Promise<string[]> {
  const ids: string[] = [];
  const query = `${SEARCH_ATTRIBUTES.triggerID.name} = "${triggerID}"`;
  for await (const execution of stack.client.workflow.list({ query })) {
    ids.push(`${execution.workflowId} ${execution.status.name}`);
  }
  return ids;
}

it('finishes with one approve when the worker is SIGKILLed mid-benchmark', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const entity = trigger.dynamicConfigID ?? '';
  fleet.hold(entity);
  const first = await fleet.start();
  const handle = await startReview(stack, trigger);
  await eventually(() => fleet.startedIn(entity).length === 1);
  expect(await handle.query<ReviewProgress>('progress')).toMatchObject({
    stage: 'run benchmarks',
    benchmarks: [{ benchmark: 'score', status: 'running' }],
  });

  await killed(first);
  const second = await fleet.start();
  // The benchmark's heartbeat stops with the process; Temporal retries it on the new worker.
  await eventually(() => fleet.startedIn(entity).length === 2, 30_000);
  expect(fleet.startedIn(entity)).toEqual([first.pid, second.pid]);
  fleet.release(entity);

  const report = (await handle.result()) as ReviewReport;
  expect(report).toMatchObject({ outcome: 'decided', verdict: 'pass', action: 'approved' });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('IN_PROGRESS');
  expect(
    await eventually(async () => {
      const reviews = await reviewsOfTrigger(trigger.id);
      return reviews.length > 0 && reviews.every((r) => r.endsWith('COMPLETED'))
        ? reviews
        : undefined;
    }),
  ).toEqual([`${handle.workflowId} COMPLETED`]);
}, 90_000);

it('approves once when the worker is SIGKILLed after its approve reached Statsig', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  // Statsig applies the approval, then the answer is held: the worker dies not knowing it landed.
  stack.sandbox.sandbox.addFault({
    method: 'PUT',
    path: `/${trigger.id}/approve$`,
    responseDelayMs: 15_000,
    times: 1,
  });
  const first = await fleet.start();
  const handle = await startReview(stack, trigger);
  await eventually(() => stack.sandbox.sandbox.getTrigger(trigger.id)?.status === 'IN_PROGRESS');
  expect((await handle.query<ReviewProgress>('progress')).stage).toBe('act');

  await killed(first);
  await fleet.start();
  // The approve attempt times out on the server (start-to-close), and the retry on the new worker
  // finds APPROVED_FOR on the trigger instead of calling again.
  const report = (await handle.result()) as ReviewReport;
  expect(report).toMatchObject({ outcome: 'decided', verdict: 'pass', action: 'approved' });
  const approveCalls = stack.sandbox.sandbox.calls.filter(
    (call) => call.method === 'PUT' && call.path.endsWith(`/${trigger.id}/approve`),
  );
  expect(approveCalls.map((call) => call.status)).toEqual([200]);
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  const approve = await activityAttempts<WriteResult>(handle, 'approvePhase');
  expect(approve.scheduled).toBe(1);
  expect(approve.started).toEqual([{ attempt: 2, lastFailure: expect.stringMatching(/timeout/i) }]);
  expect(approve.results).toEqual([{ status: 'already-done' }]);
}, 120_000);

it('rolls a rule back once when the worker is SIGKILLed after its rule write reached Statsig', async () => {
  const sandbox = stack.sandbox.sandbox;
  // The phase rolls out both rules; the policy rolls back `everyone` and approves the rest.
  const trigger = releaseConfig(sandbox, { quality: 0.1 }, [
    { id: 'everyone', name: 'everyone', passPercentage: 100, conditions: [] },
    { id: 'staff', name: 'staff', passPercentage: 100, conditions: [] },
  ]);
  const policy = { onFail: { action: 'rollback' as const, rules: ['everyone'] } };
  const entity = trigger.dynamicConfigID ?? '';
  const rule = () => sandbox.getDynamicConfig(entity)?.rules[0];
  // Statsig applies the rule update, then the answer is held: the worker dies not knowing it landed.
  sandbox.addFault({
    method: 'PATCH',
    path: `/dynamic_configs/${entity}/rule/everyone$`,
    responseDelayMs: 15_000,
    times: 1,
  });
  const first = await fleet.start({ policy });
  const handle = await startReview(stack, trigger);
  await eventually(() => rule()?.passPercentage === 0);
  expect((await handle.query<ReviewProgress>('progress')).stage).toBe('act');

  await killed(first);
  await fleet.start({ policy });
  // The write's attempt times out on the server; the retry finds the rule at 0% and calls nothing.
  const report = (await handle.result()) as ReviewReport;
  expect(report).toMatchObject({ verdict: 'fail', action: 'rolled-back' });
  expect(report.rollback?.rules).toEqual([
    {
      rule: expect.objectContaining({ id: 'everyone' }),
      before: { passPercentage: 100 },
      after: { passPercentage: 0 },
      status: 'already-done',
    },
  ]);
  const patches = sandbox.calls.filter((call) => call.method === 'PATCH');
  expect(patches.filter((call) => call.path.includes(`/${entity}/`)).map((c) => c.status)).toEqual([
    200,
  ]);
  expect(writesFor(stack, trigger)).toEqual([
    `PATCH /dynamic_configs/${entity}/rule/everyone`,
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  const written = await activityAttempts<RuleWriteResult>(handle, 'rollbackRule');
  expect(written.scheduled).toBe(1);
  expect(written.started).toEqual([{ attempt: 2, lastFailure: expect.stringMatching(/timeout/i) }]);
  expect(written.results).toEqual([{ status: 'already-done' }]);
}, 120_000);
