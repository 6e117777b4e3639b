// Things happening at the same moment as the review: a receiver restart and a redelivered webhook, a
// person deciding just as the review acts, and a person acting in the console just before the
// review's call. Each ends in one decision and at most one write.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ReviewProgress } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { controllableGate } from '../helpers/controllable-gate';
import {
  eventually,
  inConsole,
  resultOf,
  startReview,
  workflowIdOf,
  writesFor,
} from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const gate = controllableGate();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gate: gate.gate, seed: testSeed() });
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => {
  stack.sandbox.sandbox.clearFaults();
});

const progressOf = (workflowId: string) =>
  stack.client.workflow.getHandle(workflowId).query<ReviewProgress>('progress');

/**
 * Starts the review of a change that passes, with Statsig taking 2 s to answer its approve call, and
 * returns once the review sits in its act stage: the window a race with a person needs.
 */
async function reviewInItsActStage(trigger: ReturnType<typeof releaseConfig>) {
  stack.sandbox.sandbox.addFault({
    method: 'PUT',
    path: `/${trigger.id}/approve$`,
    delayMs: 2_000,
    times: 1,
  });
  const handle = await startReview(stack, trigger);
  await eventually(async () => (await progressOf(handle.workflowId)).stage === 'act');
  return handle;
}

it('carries on through a receiver restart; the redelivered webhook starts nothing new', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
  const handle = await startReview(stack, trigger);
  await control.started;

  await stack.restartReceiver();
  // Statsig did not see our first answer in time and delivers again, to the new receiver. A
  // delivery on a connection the old receiver closed fails like any network error, and is retried.
  const event = stack.sandbox.sandbox.reviewEvent(trigger.id);
  const again = await stack.send(event).catch(() => stack.send(event));
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({
    events: [{ status: 'duplicate', workflowId: handle.workflowId }],
  });
  control.release();

  expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved' });
  expect(control.runs).toBe(1);
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});

it('refuses a decision that arrives while the review is making its call', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const handle = await reviewInItsActStage(trigger);

  const late = handle.executeUpdate('decide', {
    args: [{ decision: 'reject', actor: 'bob@example.com', reason: 'changed my mind' }],
  });
  await expect(late).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(late).rejects.toMatchObject({
    cause: { message: 'too late: the review has already acted (approved)' },
  });

  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ action: 'approved' });
  expect(report.override).toBeUndefined();
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});

it('calls nothing when a person aborts in the console between reconcile and the call', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  const control = gate.control(configID, { hold: true });
  const handle = await startReview(stack, trigger);
  await control.started;
  // Reconcile reads the trigger, then the entity's version; the version read is slow, and the
  // person aborts right after the trigger read was answered.
  stack.sandbox.sandbox.addFault({
    method: 'GET',
    path: `/dynamic_configs/${configID}$`,
    delayMs: 2_000,
    times: 1,
  });
  const triggerReads = () =>
    stack.sandbox.sandbox.calls.filter(
      (call) =>
        call.method === 'GET' && call.path.endsWith(`/release_pipeline_triggers/${trigger.id}`),
    ).length;
  const readsBefore = triggerReads();
  control.release();
  await eventually(() => triggerReads() > readsBefore);
  await inConsole(stack, 'PUT', `/release_pipeline_triggers/${trigger.id}/abort`);

  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ outcome: 'superseded', action: 'none', verdict: 'pass' });
  expect(report.reason).toContain('ABORTED');
  // The person's abort is the only write; the review never sent its approve at all.
  expect(writesFor(stack, trigger)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/abort`]);
  expect(
    stack.sandbox.sandbox.calls.filter((call) => call.path.endsWith(`/${trigger.id}/approve`)),
  ).toEqual([]);
  const attributes = (await handle.describe()).typedSearchAttributes;
  expect(attributes.get(SEARCH_ATTRIBUTES.decision)).toBe('superseded');
  expect(workflowIdOf(trigger)).toBe(handle.workflowId);
});

it('ends superseded when a person aborts while the approve call is on its way', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  // The person's abort lands while Statsig is still handling the approve.
  await reviewInItsActStage(trigger);
  // The approve activity reads the trigger, then sends its call: give the call time to arrive.
  await eventually(
    () =>
      stack.sandbox.sandbox.calls.filter(
        (call) => call.method === 'GET' && call.path.endsWith(`/${trigger.id}`),
      ).length >= 3,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  await inConsole(stack, 'PUT', `/release_pipeline_triggers/${trigger.id}/abort`);

  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ outcome: 'superseded', action: 'none' });
  expect(report.reason).toContain('ABORTED');
  // Statsig refused the late approve (400): the only change it made is the person's abort.
  const approveCalls = stack.sandbox.sandbox.calls.filter((call) =>
    call.path.endsWith(`/${trigger.id}/approve`),
  );
  expect(approveCalls.map((call) => call.status)).toEqual([400]);
  expect(writesFor(stack, trigger)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/abort`]);
});
