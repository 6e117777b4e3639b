// The catch-up on the real dev server: with the receiver down, Statsig's review webhooks are lost;
// the catch-up Schedule (triggered here rather than waited for) lists the waiting triggers, starts
// one review per waiting phase under the webhook's own workflow ID, and each is decided once. What it
// cannot fix (a review that failed) it reports, and `review list --stuck` shows it with the reviews
// that wait for a person or keep retrying Statsig.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type Client, type ScheduleHandle, ScheduleNotFoundError } from '@temporalio/client';
import { catchUpScheduleId, ensureCatchUpSchedule } from '../../src/reviews/catch-up-schedule';
import type { SandboxTrigger } from '../../src/sandbox';
import { sendWebhook } from '../../src/sandbox/webhook-sender';
import { type ReviewReport, reviewWorkflowId } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { CATCH_UP_WORKFLOW_TYPE, type CatchUpFindings } from '../../workflows/side-contract';
import { ROOT, runBin } from '../helpers/cli';
import { type ControllableGate, controllableGate } from '../helpers/controllable-gate';
import { startRole } from '../helpers/processes';
import { eventually, faultTriggerReads, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal';

jest.setTimeout(240_000);

let stack: Stack;
let gate: ControllableGate;
let schedule: ScheduleHandle;

beforeAll(async () => {
  gate = controllableGate();
  stack = await startStack({ gate: gate.gate, seed: testSeed() });
});

afterAll(async () => {
  // Leave no schedule firing on the shared server after the test.
  await ensureCatchUpSchedule(stack.client, { taskQueue: stack.taskQueue, intervalMs: undefined });
  await stack?.stop();
});

/** The workflow ID a webhook would have started for the trigger's waiting phase. */
function reviewIdOf(trigger: SandboxTrigger): string {
  const phaseID = stack.sandbox.sandbox.waitingPhase(trigger.id);
  if (!phaseID) throw new Error(`trigger ${trigger.id} waits for no review`);
  return reviewWorkflowId(trigger.id, phaseID);
}

/** Catch-up runs of this stack's schedule that have completed, newest last. */
async function catchUpRuns(client: Client): Promise<CatchUpFindings[]> {
  const query = `WorkflowType = "${CATCH_UP_WORKFLOW_TYPE}" AND TaskQueue = "${stack.taskQueue}" AND ExecutionStatus = "Completed"`;
  const runs: Array<{ closed: number; findings: CatchUpFindings }> = [];
  for await (const execution of client.workflow.list({ query })) {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    runs.push({
      closed: execution.closeTime?.getTime() ?? 0,
      findings: (await handle.result()) as CatchUpFindings,
    });
  }
  return runs.sort((a, b) => a.closed - b.closed).map((run) => run.findings);
}

/** Triggers the schedule now and waits for that run's findings. */
async function catchUpNow(): Promise<CatchUpFindings> {
  const before = (await catchUpRuns(stack.client)).length;
  await schedule.trigger();
  return eventually(async () => (await catchUpRuns(stack.client))[before], 90_000);
}

describe('the catch-up schedule', () => {
  it('is created once per task queue, idempotently, and follows a changed interval', async () => {
    const hour = 60 * 60 * 1000;
    const first = await ensureCatchUpSchedule(stack.client, {
      taskQueue: stack.taskQueue,
      intervalMs: 2 * hour,
    });
    expect(first.change).toBe('created');
    expect(
      (
        await ensureCatchUpSchedule(stack.client, {
          taskQueue: stack.taskQueue,
          intervalMs: 2 * hour,
        })
      ).change,
    ).toBe('unchanged');
    const changed = await ensureCatchUpSchedule(stack.client, {
      taskQueue: stack.taskQueue,
      intervalMs: hour,
    });
    expect(changed.change).toBe('updated');
    schedule = changed.handle;
    const described = await schedule.describe();
    expect(described.scheduleId).toBe(catchUpScheduleId(stack.taskQueue));
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: hour })]);
    expect(described.action).toMatchObject({
      workflowType: CATCH_UP_WORKFLOW_TYPE,
      taskQueue: stack.taskQueue,
    });
  });

  it('starts the three reviews whose webhooks were lost while the receiver was down; each decides once', async () => {
    await stack.stopReceiver();
    const triggers = [0.9, 0.91, 0.92].map((quality) =>
      releaseConfig(stack.sandbox.sandbox, { quality }),
    );
    // Statsig posts its webhooks; nobody is listening.
    const events = triggers.map((trigger) => stack.sandbox.sandbox.reviewEvent(trigger.id));
    for (const payload of events) {
      await expect(
        sendWebhook({ url: stack.webhookUrl, secret: stack.webhookSecret, payload }),
      ).rejects.toThrow();
    }
    const ids = triggers.map(reviewIdOf);

    const findings = await catchUpNow();
    expect(findings.waiting).toBe(3);
    expect([...findings.started].sort()).toEqual([...ids].sort());
    expect(findings.withoutReview).toEqual([]);

    for (const [index, trigger] of triggers.entries()) {
      const handle = stack.client.workflow.getHandle(ids[index] ?? '');
      const report = (await handle.result()) as ReviewReport;
      expect(report).toMatchObject({ outcome: 'decided', verdict: 'pass', action: 'approved' });
      expect(writesFor(stack, trigger)).toEqual([
        `PUT /release_pipeline_triggers/${trigger.id}/approve`,
      ]);
      const described = await handle.describe();
      expect(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.source)).toBe('catch-up');
    }

    // The receiver is back and Statsig redelivers: every review exists, none starts again.
    await stack.restartReceiver();
    for (const [index, trigger] of triggers.entries()) {
      const response = await sendWebhook({
        url: stack.webhookUrl,
        secret: stack.webhookSecret,
        payload: events[index],
      });
      expect(response.body).toMatchObject({
        events: [{ status: 'duplicate', workflowId: ids[index] }],
      });
      expect(writesFor(stack, trigger)).toHaveLength(1);
    }
  });

  it('reports what it cannot fix, and review list --stuck shows it beside the waiting and retrying reviews', async () => {
    // Everything the previous test approved now waits at its next phase: let those be caught up.
    await catchUpNow();
    const waiting = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    gate.control(waiting.dynamicConfigID ?? '', { error: 'eval service unreachable' });
    const retrying = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const failed = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    faultTriggerReads(stack.sandbox.sandbox, retrying.id, {
      status: 503,
    });
    faultTriggerReads(stack.sandbox.sandbox, failed.id, {
      status: 403,
      // The local load's read and the ordinary load's (a refusal is not retried).
      times: 2,
    });

    const [waitingId, retryingId, failedId] = [waiting, retrying, failed].map(reviewIdOf);
    const failedPhase = stack.sandbox.sandbox.waitingPhase(failed.id);
    const findings = await catchUpNow();
    expect(findings.started).toEqual(expect.arrayContaining([waitingId, retryingId, failedId]));
    await expect(stack.client.workflow.getHandle(failedId ?? '').result()).rejects.toThrow();
    await eventually(async () => {
      const handle = stack.client.workflow.getHandle(waitingId ?? '');
      const described = await handle.describe();
      return described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.decision) === 'waiting';
    }, 60_000);

    // The failed review is not started again: it is reported, for a person to re-run.
    const again = await catchUpNow();
    expect(again.started).not.toContain(failedId);
    expect(again.withoutReview).toContainEqual({
      triggerID: failed.id,
      phaseID: failedPhase,
      workflowId: failedId,
      status: 'FAILED',
    });
    expect(again.waitingForPerson).toBeGreaterThanOrEqual(1);

    const cli = await eventually(async () => {
      const run = await runBin(['review', 'list', '--stuck', '--stuck-minutes', '0.05'], {
        env: {
          TEMPORAL_ADDRESS: testTemporalAddress(),
          TEMPORAL_TASK_QUEUE: stack.taskQueue,
        },
      });
      // The retrying review shows once its read has retried for longer than 3 s.
      return run.stdout.includes(retryingId ?? '-') ? run : undefined;
    }, 90_000);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^Waiting for a person \(\d+\):/);
    expect(cli.stdout).toContain(waitingId);
    expect(cli.stdout).toMatch(
      new RegExp(`${retryingId}\\s+loadReviewTarget\\s+attempt \\d+ since \\S+\\s+last: .*503`),
    );
    expect(cli.stdout).toContain(
      `trigger ${failed.id} phase ${failedPhase}: ${failedId} FAILED; rollout-gate review rerun ${failedId}`,
    );

    await stack.client.workflow.getHandle(retryingId ?? '').cancel();
    await stack.client.workflow.getHandle(waitingId ?? '').cancel();
    stack.sandbox.sandbox.clearFaults();
  });
});

describe('a worker process', () => {
  it('creates the schedule at start from STATSIG_CATCHUP_INTERVAL, and deletes it when off', async () => {
    const taskQueue = `catch-up-role-${randomUUID()}`;
    const boot = async (interval: string, logged: string) => {
      const worker = startRole(['worker'], {
        TEMPORAL_ADDRESS: testTemporalAddress(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        STATSIG_WEBHOOK_SECRET: stack.webhookSecret,
        STATSIG_CONSOLE_API_KEY: stack.consoleApiKey,
        STATSIG_CONSOLE_API_URL: stack.sandbox.consoleApiUrl,
        GATE_CONFIG: path.join(ROOT, 'test', 'fixtures', 'quality-gate.ts'),
        WORKER_METRICS_PORT: 'off',
        STATSIG_CATCHUP_INTERVAL: interval,
      });
      try {
        await eventually(() => worker.stdout().includes(logged), 120_000);
      } finally {
        await worker.stop();
      }
    };
    const handle = stack.client.schedule.getHandle(catchUpScheduleId(taskQueue));

    await boot('7m', '"msg":"catch-up scheduled"');
    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 7 * 60_000 })]);
    expect(described.action).toMatchObject({ workflowType: CATCH_UP_WORKFLOW_TYPE, taskQueue });

    await boot('off', '"msg":"catch-up off"');
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});
