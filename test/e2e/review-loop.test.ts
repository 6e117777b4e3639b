// The walking skeleton end to end: signed webhook → receiver → Temporal → benchmarks → Statsig call,
// on the real dev server and real HTTP, with the sandbox as Statsig.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ReviewReport } from '../../workflows/contract';
import { qualityGate } from '../helpers/gates';
import { releaseConfig as release, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gate: qualityGate(), seed: testSeed(), recordResults: true });
});

afterAll(async () => {
  await stack?.stop();
});

function releaseConfig(quality: number) {
  return release(stack.sandbox.sandbox, { quality });
}

function eventFor(trigger: ReturnType<typeof releaseConfig>) {
  return stack.sandbox.sandbox.reviewEvent(trigger.id);
}

async function resultOf(workflowId: string): Promise<ReviewReport> {
  return (await stack.client.workflow.getHandle(workflowId).result()) as ReviewReport;
}

function writesFor(triggerID: string) {
  return stack.sandbox.sandbox
    .successfulWrites()
    .filter((call) => call.path.includes(`/release_pipeline_triggers/${triggerID}/`));
}

describe('review loop', () => {
  it('approves the announced phase when every criterion passes', async () => {
    const trigger = releaseConfig(0.93);
    const response = await stack.send(eventFor(trigger));
    expect(response.status).toBe(200);
    const workflowId = `review-${trigger.id}-${trigger.currentPhaseID}`;
    expect(response.body).toEqual({
      received: 1,
      unreadable: 0,
      events: [{ index: 0, kind: 'review', status: 'accepted', workflowId }],
    });

    const report = await resultOf(workflowId);
    expect(report).toMatchObject({ outcome: 'decided', verdict: 'pass', action: 'approved' });
    expect(report.target).toMatchObject({
      kind: 'dynamic_config',
      id: trigger.dynamicConfigID,
      version: 2,
    });
    expect(report.criteria).toEqual([
      expect.objectContaining({
        metric: 'quality',
        observed: 0.93,
        threshold: 0.8,
        verdict: 'pass',
      }),
    ]);

    const writes = writesFor(trigger.id);
    expect(writes.map((call) => [call.method, call.path, call.requestBody])).toEqual([
      [
        'PUT',
        `/console/v1/release_pipeline_triggers/${trigger.id}/approve`,
        { phaseID: trigger.currentPhaseID },
      ],
    ]);
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('IN_PROGRESS');
  });

  it('aborts the rollout when a criterion fails, and Statsig reverts the config', async () => {
    const trigger = releaseConfig(0.41);
    const response = await stack.send(eventFor(trigger));
    expect(response.status).toBe(200);
    const report = await resultOf(`review-${trigger.id}-${trigger.currentPhaseID}`);
    expect(report).toMatchObject({ verdict: 'fail', action: 'aborted' });
    expect(report.reason).toContain('quality = 0.41 misses >= 0.8');
    expect(writesFor(trigger.id).map((call) => call.path)).toEqual([
      `/console/v1/release_pipeline_triggers/${trigger.id}/abort`,
    ]);
    expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('ABORTED');
    expect(stack.sandbox.sandbox.getDynamicConfig('model_config')?.defaultValue).not.toEqual({
      quality: 0.41,
    });
  });

  it('reviews a gate release announced with its gateID', async () => {
    const trigger = stack.sandbox.sandbox.startRelease({
      pipelineID: 'rp_gate',
      entity: { kind: 'gate', id: 'new_ranker' },
    });
    const event = eventFor(trigger);
    expect(event.releasePipelineMetadata.gateID).toBe('new_ranker');
    const response = await stack.send(event);
    const report = await resultOf(`review-${trigger.id}-${trigger.currentPhaseID}`);
    expect(response.status).toBe(200);
    // A gate has no defaultValue, so this gate config's quality metric reads 0: the gate fails.
    expect(report.target).toMatchObject({ kind: 'gate', id: 'new_ranker' });
    expect(report.action).toBe('aborted');
  });

  it('starts one review and makes one approve call for 10 concurrent deliveries', async () => {
    const trigger = releaseConfig(0.9);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => stack.send(eventFor(trigger))),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const statuses = responses.map(
      (response) => (response.body as { events: Array<{ status: string }> }).events[0]?.status,
    );
    expect(statuses.filter((status) => status === 'accepted')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(9);

    await resultOf(`review-${trigger.id}-${trigger.currentPhaseID}`);
    expect(writesFor(trigger.id)).toHaveLength(1);
  });

  it('starts nothing for a redelivery after the review finished', async () => {
    const trigger = releaseConfig(0.95);
    // Statsig sends the same event again after the phase was approved: the one it sent at first.
    const event = eventFor(trigger);
    await stack.send(event);
    const workflowId = `review-${trigger.id}-${trigger.currentPhaseID}`;
    await resultOf(workflowId);
    const again = await stack.send(event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ events: [{ status: 'duplicate', workflowId }] });
    const description = await stack.client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(writesFor(trigger.id)).toHaveLength(1);
  });

  it('answers 401 to a wrong signature and starts no review', async () => {
    const trigger = releaseConfig(0.99);
    const response = await stack.send(eventFor(trigger), {
      secret: 'not-the-secret-statsig-has-for-us',
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: { code: 'WEBHOOK_SIGNATURE_INVALID', message: 'invalid signature' },
    });
    await expect(
      stack.client.workflow.getHandle(`review-${trigger.id}-${trigger.currentPhaseID}`).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(writesFor(trigger.id)).toHaveLength(0);
  });

  it('records each review, and each benchmark, in Statsig through log_event', async () => {
    const trigger = releaseConfig(0.88);
    await stack.send(eventFor(trigger));
    await resultOf(`review-${trigger.id}-${trigger.currentPhaseID}`);
    const logged = stack.sandbox.sandbox.loggedEvents.filter(
      (event) => event.metadata?.triggerID === trigger.id,
    );
    expect(logged).toEqual([
      expect.objectContaining({
        eventName: 'rollout_gate_review',
        value: 'pass',
        metadata: expect.objectContaining({
          action: 'approved',
          'prompt-quality.quality': '0.88',
          'prompt-quality.quality.verdict': 'pass',
        }),
      }),
      expect.objectContaining({
        eventName: 'rollout_gate_benchmark',
        value: 'completed',
        metadata: expect.objectContaining({
          suite: 'prompt-quality',
          benchmark: 'score',
          quality: '0.88',
        }),
      }),
    ]);
  });
});
