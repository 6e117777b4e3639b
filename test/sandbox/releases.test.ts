// Simulating Statsig's side of a rollout: a person saving a change (startRelease), phase timers
// elapsing (advanceTrigger), and the admin routes that drive both from another process.
import { SandboxError } from '../../src/sandbox/app';
import {
  errorBodySchema,
  type ReleasePipelineTrigger,
  releasePipelineTriggerSchema,
  successBody,
} from '../../src/statsig/schemas';
import { http, MINUTE, PROMPT_CONFIG_V1, T0, useSandbox } from './helpers';

const triggerBody = successBody(releasePipelineTriggerSchema);

const sandbox = useSandbox();

async function approve(trigger: ReleasePipelineTrigger): Promise<ReleasePipelineTrigger> {
  const response = await http(
    `${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${trigger.id}/approve`,
    { method: 'PUT', body: { phaseID: trigger.currentPhaseID } },
  );
  expect(response.status).toBe(200);
  return triggerBody.parse(response.body).data;
}

function expectSandboxError(run: () => unknown, code: string, status: number): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxError);
    expect(error).toMatchObject({ code, status });
    return;
  }
  throw new Error(`expected a SandboxError ${code}`);
}

test('startRelease applies the change and waits for review of the first phase', () => {
  const trigger = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
    description: 'Try model-b',
    creatorName: 'Ada',
  });
  expect(releasePipelineTriggerSchema.parse(trigger)).toEqual(trigger);
  expect(trigger).toMatchObject({
    id: expect.stringMatching(/^rpt_/),
    releasePipelineID: 'rp_prompt',
    dynamicConfigID: 'support_prompt',
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 0,
    currentPhaseID: 'phase_dev',
    currentPhaseEndTime: null,
    description: 'Try model-b',
    createdTime: T0,
    lastModifierName: 'Ada',
    actions: [{ type: 'STARTED', timeMs: T0, phaseID: 'phase_dev', actorName: 'Ada' }],
  });
  expect(trigger.gateID).toBeUndefined();
  expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')).toMatchObject({
    defaultValue: { model: 'model-b' },
    version: 8,
  });
});

test('a three-phase pipeline walks to COMPLETED through reviews and timers', async () => {
  let trigger = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
  });
  const seen: Array<[string | null | undefined, string]> = [
    [trigger.currentPhaseID, trigger.status],
  ];

  sandbox.clock = T0 + MINUTE;
  trigger = await approve(trigger);
  expect(trigger.currentPhaseEndTime).toBe(T0 + MINUTE + 10 * MINUTE);
  seen.push([trigger.currentPhaseID, trigger.status]);

  trigger = sandbox.server.sandbox.advanceTrigger(trigger.id);
  seen.push([trigger.currentPhaseID, trigger.status]);

  trigger = await approve(trigger);
  seen.push([trigger.currentPhaseID, trigger.status]);

  sandbox.clock = T0 + 2 * MINUTE;
  trigger = sandbox.server.sandbox.advanceTrigger(trigger.id);
  // Production needs no review: its timer starts as soon as the phase does.
  expect(trigger.currentPhaseEndTime).toBe(T0 + 2 * MINUTE + 24 * 60 * MINUTE);
  seen.push([trigger.currentPhaseID, trigger.status]);

  trigger = sandbox.server.sandbox.advanceTrigger(trigger.id);
  seen.push([trigger.currentPhaseID, trigger.status]);

  expect(seen).toEqual([
    ['phase_dev', 'WAITING_FOR_REVIEW'],
    ['phase_dev', 'IN_PROGRESS'],
    ['phase_staging', 'WAITING_FOR_REVIEW'],
    ['phase_staging', 'IN_PROGRESS'],
    ['phase_prod', 'IN_PROGRESS'],
    ['phase_prod', 'COMPLETED'],
  ]);
  expect(trigger.actions.map((action) => [action.type, action.phaseID])).toEqual([
    ['STARTED', 'phase_dev'],
    ['APPROVED_FOR', 'phase_dev'],
    ['APPROVED_FOR', 'phase_staging'],
  ]);
  // Completion keeps the released value.
  expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')?.defaultValue).toEqual({
    model: 'model-b',
  });
  const read = await http(
    `${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${trigger.id}`,
  );
  expect(triggerBody.parse(read.body).data.status).toBe('COMPLETED');
});

test('a gate release carries gateID and no dynamicConfigID', () => {
  const trigger = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_checkout',
    entity: { kind: 'gate', id: 'new_checkout' },
  });
  expect(trigger.gateID).toBe('new_checkout');
  expect(trigger.dynamicConfigID).toBeUndefined();
});

test('a phase waiting for review has no timer to elapse', () => {
  const { id } = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_checkout',
    entity: { kind: 'gate', id: 'new_checkout' },
  });
  expectSandboxError(() => sandbox.server.sandbox.advanceTrigger(id), 'INVALID_TRANSITION', 400);
  expectSandboxError(
    () => sandbox.server.sandbox.advanceTrigger('rpt_nope'),
    'TRIGGER_NOT_FOUND',
    404,
  );
});

test('startRelease refuses unknown pipelines and entities, and a second active release', () => {
  expectSandboxError(
    () =>
      sandbox.server.sandbox.startRelease({
        pipelineID: 'rp_nope',
        entity: { kind: 'gate', id: 'kill_me' },
      }),
    'PIPELINE_NOT_FOUND',
    404,
  );
  expectSandboxError(
    () =>
      sandbox.server.sandbox.startRelease({
        pipelineID: 'rp_checkout',
        entity: { kind: 'gate', id: 'nope' },
      }),
    'GATE_NOT_FOUND',
    404,
  );
  expectSandboxError(
    () =>
      sandbox.server.sandbox.startRelease({
        pipelineID: 'rp_checkout',
        entity: { kind: 'dynamic_config', id: 'support_prompt' },
      }),
    'PIPELINE_MISMATCH',
    400,
  );
  sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_checkout',
    entity: { kind: 'gate', id: 'new_checkout' },
  });
  expectSandboxError(
    () =>
      sandbox.server.sandbox.startRelease({
        pipelineID: 'rp_checkout',
        entity: { kind: 'gate', id: 'new_checkout' },
      }),
    'RELEASE_ALREADY_ACTIVE',
    400,
  );
});

test('trigger IDs are never reused, even across a reset', () => {
  const release = () =>
    sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: { kind: 'gate', id: 'kill_me' },
    }).id;
  const first = release();
  sandbox.server.sandbox.reset();
  expect(release()).not.toBe(first);
});

describe('admin routes', () => {
  const admin = (path: string) => `${sandbox.server.url}/_sandbox${path}`;

  test('POST /releases starts a release and /triggers/:id/advance moves it on', async () => {
    const started = await http(admin('/releases'), {
      method: 'POST',
      apiKey: null,
      body: {
        pipelineID: 'rp_prompt',
        entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 'v2' },
      },
    });
    expect(started.status).toBe(201);
    const trigger = releasePipelineTriggerSchema.parse(started.body);
    expect(trigger.status).toBe('WAITING_FOR_REVIEW');

    // Waiting for review: the admin route reports the refusal in Statsig's error shape.
    const refused = await http(admin(`/triggers/${trigger.id}/advance`), {
      method: 'POST',
      apiKey: null,
    });
    expect(refused.status).toBe(400);
    expect(errorBodySchema.parse(refused.body).status).toBe(400);

    await approve(trigger);
    const advanced = await http(admin(`/triggers/${trigger.id}/advance`), {
      method: 'POST',
      apiKey: null,
    });
    expect(advanced.status).toBe(200);
    expect(releasePipelineTriggerSchema.parse(advanced.body).currentPhaseID).toBe('phase_staging');
  });

  test('POST /releases answers 400 for a bad body and 404 for an unknown entity', async () => {
    const bad = await http(admin('/releases'), {
      method: 'POST',
      apiKey: null,
      body: { pipelineID: 'rp_prompt', entity: { kind: 'experiment', id: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect(errorBodySchema.parse(bad.body).status).toBe(400);

    const unknown = await http(admin('/releases'), {
      method: 'POST',
      apiKey: null,
      body: { pipelineID: 'rp_prompt', entity: { kind: 'dynamic_config', id: 'nope' } },
    });
    expect(unknown.status).toBe(404);
    expect(errorBodySchema.parse(unknown.body).message).toMatch(/nope/);

    expect(
      (await http(admin('/triggers/rpt_nope/advance'), { method: 'POST', apiKey: null })).status,
    ).toBe(404);
  });

  test('GET /calls and /writes show the recorded Console traffic', async () => {
    const { id } = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: { kind: 'gate', id: 'new_checkout' },
    });
    await http(`${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${id}`);
    await http(`${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${id}/abort`, {
      method: 'PUT',
    });

    const calls = await http(admin('/calls'), { apiKey: null });
    expect(calls.body).toMatchObject([
      { method: 'GET', status: 200, faulted: false, requestBody: null, query: {} },
      { method: 'PUT', path: `/console/v1/release_pipeline_triggers/${id}/abort`, status: 200 },
    ]);
    const writes = await http(admin('/writes'), { apiKey: null });
    expect(writes.body).toEqual(sandbox.server.sandbox.successfulWrites());
    expect(writes.body).toHaveLength(1);
  });

  test('POST /reset restores the seed, or loads the one it is given', async () => {
    sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_prompt',
      entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 2 },
    });
    expect((await http(admin('/reset'), { method: 'POST', apiKey: null })).status).toBe(204);
    expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')?.defaultValue).toEqual(
      PROMPT_CONFIG_V1,
    );
    expect(sandbox.server.sandbox.calls).toHaveLength(0);

    const other = await http(admin('/reset'), {
      method: 'POST',
      apiKey: null,
      body: { gates: [{ id: 'only_gate', isEnabled: false, version: 1 }] },
    });
    expect(other.status).toBe(204);
    expect(sandbox.server.sandbox.getGate('only_gate')).toMatchObject({
      isEnabled: false,
      rules: [],
    });
    expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')).toBeUndefined();

    const invalid = await http(admin('/reset'), {
      method: 'POST',
      apiKey: null,
      body: { gates: [{ id: 'no_version' }] },
    });
    expect(invalid.status).toBe(400);
  });
});
