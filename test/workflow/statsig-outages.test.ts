// Statsig refusing us (401, 403) fails the review at once with a clear, non-retryable failure and no
// write; Statsig unreachable or slow (network errors, timeouts) is retried until it answers, and the
// review then decides once.
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { controllableGate } from '../helpers/controllable-gate';
import { qualityGate } from '../helpers/gates';
import { activityAttempts, localActivities } from '../helpers/history';
import { type OutageProxy, startOutageProxy } from '../helpers/outage-proxy';
import { eventually, faultTriggerReads, resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const stacks: Stack[] = [];
const proxies: OutageProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all(stacks.map((stack) => stack.stop()));
});

async function stackWith(options: Partial<Parameters<typeof startStack>[0]> = {}) {
  const stack = await startStack({ gate: qualityGate(), seed: testSeed(), ...options });
  stacks.push(stack);
  return stack;
}

/** The Statsig failure a failed review ends with: workflow → activity → application failure. */
async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const failure = await handle.result().then(
    () => {
      throw new Error('the review should have failed');
    },
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const activity = (failure as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  const cause = (activity as ActivityFailure).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('refusals fail at once, clearly, and write nothing', () => {
  it('401: a console key Statsig does not accept', async () => {
    const stack = await stackWith({ workerConsoleApiKey: 'console-revoked-key' });
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const handle = await startReview(stack, trigger);
    const failure = await failureOf(handle);
    expect(failure).toMatchObject({
      type: 'StatsigRejected',
      nonRetryable: true,
      // Statsig's answer quotes the refused key: it must not reach the history or the logs.
      message: `Statsig GET /release_pipeline_triggers/${trigger.id} → 401: This endpoint only accepts an active CONSOLE key, but an invalid key was sent. Key: [redacted]`,
      details: [{ code: 'STATSIG_UNAUTHORIZED', status: 401 }],
    });
    expect(failure.message).not.toContain('console-revoked-key');
    // The trigger, and the entity and pipeline the webhook named (read beside it), read by the
    // local load and then once by the ordinary load that records the failure in view, never
    // retried; nothing written; the phase still waits for review in Statsig.
    const calls = stack.sandbox.sandbox.calls.map(
      (call) => `${call.method} ${call.path.replace('/console/v1', '')} ${call.status}`,
    );
    expect(calls.sort()).toEqual(
      [
        `GET /dynamic_configs/${trigger.dynamicConfigID} 401`,
        `GET /release_pipeline_triggers/${trigger.id} 401`,
        `GET /release_pipelines/${trigger.releasePipelineID} 401`,
      ].flatMap((call) => [call, call]),
    );
    expect(writesFor(stack, trigger)).toEqual([]);
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
    const description = await handle.describe();
    expect(description.status.name).toBe('FAILED');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.decision)).toBe('failed');
  });

  it('403: a console key without permission to approve', async () => {
    const stack = await stackWith();
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    stack.sandbox.sandbox.addFault({
      method: 'PUT',
      path: `/${trigger.id}/approve$`,
      status: 403,
      body: { status: 403, message: 'This key does not have permission to perform this action' },
    });
    const handle = await startReview(stack, trigger);
    const failure = await failureOf(handle);
    expect(failure).toMatchObject({
      type: 'StatsigRejected',
      nonRetryable: true,
      message: `Statsig PUT /release_pipeline_triggers/${trigger.id}/approve → 403: This key does not have permission to perform this action`,
      details: [{ code: 'STATSIG_FORBIDDEN', status: 403 }],
    });
    const approveCalls = stack.sandbox.sandbox.calls.filter((call) =>
      call.path.endsWith(`/${trigger.id}/approve`),
    );
    expect(approveCalls.map((call) => call.status)).toEqual([403]);
    expect(writesFor(stack, trigger)).toEqual([]);
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
  });
});

describe('outages are retried until Statsig answers', () => {
  it('rides out Statsig being unreachable mid-review, then approves once', async () => {
    const gate = controllableGate();
    const stack = await stackWith({ gate: gate.gate, worker: false });
    // The worker reaches Statsig only through a proxy the test can take down.
    const proxy = await startOutageProxy(stack.sandbox.consoleApiUrl);
    proxies.push(proxy);
    await stack.startWorker(gate.gate, { consoleApiUrl: proxy.url });

    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    await proxy.down();
    control.release();

    // The reconcile read fails with a network error and is retried: the Temporal UI shows it.
    const pending = await eventually(async () => {
      const activity = (await handle.describe()).raw.pendingActivities?.find(
        (candidate) => (candidate.attempt ?? 0) >= 2,
      );
      return activity ?? undefined;
    });
    expect(pending.activityType?.name).toBe('reconcileReview');
    // Its local attempt (with the judging, one step) failed first, and handed over to the ordinary
    // activity the UI shows.
    expect(await localActivities(handle)).toContainEqual({
      type: 'judgeAndReconcileReview',
      failed: true,
    });
    expect(pending.lastFailure?.message).toMatch(
      new RegExp(`Statsig GET /release_pipeline_triggers/${trigger.id} failed: `),
    );
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');

    await proxy.up();
    expect(await resultOf(stack, trigger)).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });

  it('gives up on a call that outlives the client timeout, and retries it', async () => {
    const stack = await stackWith({ statsigTimeoutMs: 1_000 });
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
      delayMs: 3_000,
      // The local load's read, then the ordinary load's first attempt: both time out.
      times: 2,
    });
    const handle = await startReview(stack, trigger);
    expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved' });
    const load = await activityAttempts(handle, 'loadReviewTarget');
    expect(load.started).toEqual([
      {
        attempt: 2,
        lastFailure: `Statsig GET /release_pipeline_triggers/${trigger.id} timed out after 1000 ms`,
      },
    ]);
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/approve`,
    ]);
  });
});
