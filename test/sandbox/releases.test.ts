// Simulating Statsig's side of a rollout: a person saving a change (startRelease), phase timers
// elapsing (advanceTrigger), and the admin routes that drive both from another process.
import { SandboxError, type SandboxTrigger } from '../../src/sandbox/app';
import {
  expectSpecTrigger,
  http,
  MINUTE,
  PROMPT_CONFIG_V1,
  specData,
  T0,
  useSandbox,
} from './helpers';

const sandbox = useSandbox();

/** Approves the phase the sandbox says is waiting for review. */
async function approve(trigger: SandboxTrigger): Promise<SandboxTrigger> {
  const response = await http(
    `${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${trigger.id}/approve`,
    { method: 'PUT', body: { phaseID: sandbox.server.sandbox.waitingPhase(trigger.id) } },
  );
  expect(response.status).toBe(200);
  return specData(response);
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
  expectSpecTrigger(trigger);
  expect(trigger).toMatchObject({
    id: expect.stringMatching(/^rpt_/),
    releasePipelineID: 'rp_prompt',
    dynamicConfigID: 'support_prompt',
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 'Dev',
    currentPhaseID: 'phase_dev',
    currentPhaseEndTime: null,
    description: 'Try model-b',
    createdTime: T0,
    lastModifierName: 'Ada',
    actions: [
      {
        type: 'STARTED',
        timeMs: T0,
        phaseID: 'phase_dev',
        actorID: 'sandbox_user',
        actorName: 'Ada',
      },
    ],
  });
  expect(sandbox.server.sandbox.waitingPhase(trigger.id)).toBe('phase_dev');
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
  const seen: Array<[string | null, string | null, string]> = [];
  const see = (at: SandboxTrigger) =>
    seen.push([at.currentPhaseID, sandbox.server.sandbox.waitingPhase(at.id), at.status]);
  see(trigger);

  sandbox.clock = T0 + MINUTE;
  trigger = await approve(trigger);
  expect(trigger.currentPhaseEndTime).toBe(T0 + MINUTE + 10 * MINUTE);
  see(trigger);

  trigger = sandbox.server.sandbox.advanceTrigger(trigger.id);
  see(trigger);

  trigger = await approve(trigger);
  see(trigger);

  sandbox.clock = T0 + 2 * MINUTE;
  trigger = sandbox.server.sandbox.advanceTrigger(trigger.id);
  // Production needs no review: its timer starts as soon as the phase does.
  expect(trigger.currentPhaseEndTime).toBe(T0 + 2 * MINUTE + 24 * 60 * MINUTE);
  see(trigger);

  trigger = sandbox.server.sandbox.advanceTrigger(trigger.id);
  see(trigger);

  // The default reading: currentPhaseID names the phase waiting for review.
  expect(seen).toEqual([
    ['phase_dev', 'phase_dev', 'WAITING_FOR_REVIEW'],
    ['phase_dev', null, 'IN_PROGRESS'],
    ['phase_staging', 'phase_staging', 'WAITING_FOR_REVIEW'],
    ['phase_staging', null, 'IN_PROGRESS'],
    ['phase_prod', null, 'IN_PROGRESS'],
    ['phase_prod', null, 'COMPLETED'],
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
  expect(specData(read)).toMatchObject({ status: 'COMPLETED', currentPhase: 'Production' });
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

describe('the review event Statsig would post', () => {
  test('names the waiting phase and the entity: gateID for a gate, dynamicConfigID for a config', () => {
    const gate = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: { kind: 'gate', id: 'new_checkout' },
    });
    expect(sandbox.server.sandbox.reviewEvent(gate.id)).toEqual({
      event: 'ReleasePipelineWaitingForReview',
      releasePipelineMetadata: {
        releasePipelineID: 'rp_checkout',
        phaseID: 'phase_all',
        gateID: 'new_checkout',
        triggerID: gate.id,
      },
    });
    const config = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_prompt',
      entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 2 },
    });
    expect(sandbox.server.sandbox.reviewEvent(config.id).releasePipelineMetadata).toEqual({
      releasePipelineID: 'rp_prompt',
      phaseID: 'phase_dev',
      dynamicConfigID: 'support_prompt',
      triggerID: config.id,
    });
  });

  test('there is none while no phase waits, and an unknown trigger is a 404 error', async () => {
    const { id } = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_prompt',
      entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 2 },
    });
    await approve(sandbox.server.sandbox.getTrigger(id) as SandboxTrigger);
    expect(sandbox.server.sandbox.waitingPhase(id)).toBeNull();
    expectSandboxError(() => sandbox.server.sandbox.reviewEvent(id), 'NOT_WAITING_FOR_REVIEW', 400);
    expectSandboxError(
      () => sandbox.server.sandbox.waitingPhase('rpt_nope'),
      'TRIGGER_NOT_FOUND',
      404,
    );
  });
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
    const trigger = expectSpecTrigger(started.body);
    expect(trigger.status).toBe('WAITING_FOR_REVIEW');

    // Waiting for review: the admin route reports the refusal in Statsig's error shape.
    const refused = await http(admin(`/triggers/${trigger.id}/advance`), {
      method: 'POST',
      apiKey: null,
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ status: 400, message: expect.any(String) });

    await approve(trigger);
    const advanced = await http(admin(`/triggers/${trigger.id}/advance`), {
      method: 'POST',
      apiKey: null,
    });
    expect(advanced.status).toBe(200);
    expect(expectSpecTrigger(advanced.body).currentPhaseID).toBe('phase_staging');
  });

  test('POST /releases answers 400 for a bad body and 404 for an unknown entity', async () => {
    const bad = await http(admin('/releases'), {
      method: 'POST',
      apiKey: null,
      body: { pipelineID: 'rp_prompt', entity: { kind: 'experiment', id: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ status: 400, message: expect.stringContaining('entity') });

    const unknown = await http(admin('/releases'), {
      method: 'POST',
      apiKey: null,
      body: { pipelineID: 'rp_prompt', entity: { kind: 'dynamic_config', id: 'nope' } },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ status: 404, message: expect.stringMatching(/nope/) });

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

  test('GET /change_validations lists what POST /change_validation received', async () => {
    const body = { reviewID: 'review_1', validated: true };
    const posted = await http(`${sandbox.server.consoleApiUrl}/change_validation`, {
      method: 'POST',
      body,
    });
    expect(posted.status).toBe(200);
    const listed = await http(admin('/change_validations'), { apiKey: null });
    expect(listed.body).toEqual([{ kind: 'validation', ...body, timeMs: T0 }]);
    expect(listed.body).toEqual(sandbox.server.sandbox.changeValidations);
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
      body: { gates: [{ id: 'no_is_enabled' }] },
    });
    expect(invalid.status).toBe(400);
  });
});
