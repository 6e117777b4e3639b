// Statsig misbehaving: server errors, rate limiting, unknown triggers. The review still reaches one
// decision and Statsig sees at most one successful write.
import { WorkflowFailedError } from '@temporalio/client';
import { reviewEvent } from '../../src/sandbox/webhook-sender';
import { qualityGate } from '../helpers/gates';
import { eventually, resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gate: qualityGate(), seed: testSeed() });
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => {
  stack.sandbox.sandbox.clearFaults();
});

it('approves exactly once after Statsig answers 500 three times', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  stack.sandbox.sandbox.addFault({
    method: 'PUT',
    path: `/${trigger.id}/approve$`,
    status: 500,
    times: 3,
  });
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved' });
  const attempts = stack.sandbox.sandbox.calls.filter((call) =>
    call.path.endsWith(`/${trigger.id}/approve`),
  );
  expect(attempts.map((call) => call.status)).toEqual([500, 500, 500, 200]);
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
}, 60_000);

it('waits out a 429 with Retry-After, then approves once', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  stack.sandbox.sandbox.addFault({
    method: 'PUT',
    path: `/${trigger.id}/approve$`,
    status: 429,
    headers: { 'Retry-After': '2' },
    times: 1,
  });
  await startReview(stack, trigger);
  await resultOf(stack, trigger);
  const attempts = stack.sandbox.sandbox.calls.filter((call) =>
    call.path.endsWith(`/${trigger.id}/approve`),
  );
  expect(attempts.map((call) => call.status)).toEqual([429, 200]);
  // The retry came no sooner than Statsig asked.
  expect((attempts[1]?.timeMs ?? 0) - (attempts[0]?.timeMs ?? 0)).toBeGreaterThanOrEqual(1_900);
  expect(writesFor(stack, trigger)).toHaveLength(1);
}, 60_000);

it('counts an approval whose answer was lost as done, and does not approve again', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  // The approval lands in Statsig but its answer never reaches us (the activity times out); the
  // retry then finds the APPROVED_FOR action on the trigger.
  stack.sandbox.sandbox.addFault({
    method: 'PUT',
    path: `/${trigger.id}/approve$`,
    responseDelayMs: 8_000,
    times: 1,
  });
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved' });
  // The held answer is recorded once it is finally sent; by then the review has long finished.
  const approveCalls = await eventually(() => {
    const found = stack.sandbox.sandbox.calls.filter((call) =>
      call.path.endsWith(`/${trigger.id}/approve`),
    );
    return found.length > 0 ? found : undefined;
  });
  // One approve call only: the retry saw APPROVED_FOR on the trigger and did not call again.
  expect(approveCalls.map((call) => call.status)).toEqual([200]);
  const reads = stack.sandbox.sandbox.calls.filter(
    (call) => call.method === 'GET' && call.path.endsWith(`/${trigger.id}`),
  );
  expect(reads.length).toBeGreaterThanOrEqual(3);
}, 90_000);

it('fails clearly, with no writes, when Statsig does not know the trigger', async () => {
  const event = reviewEvent({
    triggerID: 'rpt_unknown',
    releasePipelineID: 'rp_config_0',
    phaseID: 'rp_config_0_p10',
  });
  const response = await stack.send(event);
  expect(response.status).toBe(200);
  const handle = stack.client.workflow.getHandle('review-rpt_unknown-rp_config_0_p10');
  const failure = await handle.result().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const cause = (failure as WorkflowFailedError).cause?.cause as Error | undefined;
  expect(cause?.message).toMatch(/Statsig GET \/release_pipeline_triggers\/rpt_unknown → 404/);
  expect(
    stack.sandbox.sandbox.successfulWrites().filter((call) => call.path.includes('rpt_unknown')),
  ).toEqual([]);
  // 404 is not retried: the local step's read, then the one attempt of the ordinary load that the
  // Temporal UI and `review show` see (workflows/local-steps.ts), then the review stops.
  expect(
    stack.sandbox.sandbox.calls.filter((call) => call.path.endsWith('/rpt_unknown')),
  ).toHaveLength(2);
});
