// The Console API contract rollout-gate depends on: authentication, error shapes, approving a phase
// and aborting a rollout, every answer checked against Statsig's spec.
import type { SandboxDynamicConfig, SandboxGate, SandboxPipeline } from '../../src/sandbox';
import {
  CONSOLE_API_KEY,
  http,
  MINUTE,
  PROMPT_CONFIG_V1,
  specData,
  specError,
  T0,
  useSandbox,
} from './helpers';

const sandbox = useSandbox();

function startPromptRelease() {
  return sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
  });
}

const triggerUrl = (id: string, action = '') =>
  `${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${id}${action}`;

describe('authentication', () => {
  test('a request without STATSIG-API-KEY gets 401 in the error shape', async () => {
    const { id } = startPromptRelease();
    const response = await http(triggerUrl(id), { apiKey: null });
    expect(response.status).toBe(401);
    expect(specError(response)).toEqual({ status: 401, message: expect.any(String) });
  });

  test('a wrong key gets 401 and changes nothing', async () => {
    const { id } = startPromptRelease();
    const response = await http(triggerUrl(id, '/approve'), {
      method: 'PUT',
      apiKey: 'not-the-console-key',
      body: { phaseID: 'phase_dev' },
    });
    expect(response.status).toBe(401);
    expect(specError(response).status).toBe(401);
    expect(sandbox.server.sandbox.getTrigger(id)?.status).toBe('WAITING_FOR_REVIEW');
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(0);
  });
});

describe('error shapes', () => {
  test('an unknown trigger is 404 { status, message }', async () => {
    const response = await http(triggerUrl('rpt_does_not_exist'));
    expect(response.status).toBe(404);
    expect(specError(response)).toEqual({
      status: 404,
      message: expect.stringContaining('rpt_does_not_exist'),
    });
  });

  test('an unknown route is 404 in the same shape', async () => {
    const response = await http(`${sandbox.server.consoleApiUrl}/no_such_endpoint`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ status: 404, message: expect.stringMatching(/not found/) });
  });

  test('a body that is not JSON is 400 in the error shape', async () => {
    const { id } = startPromptRelease();
    const response = await fetch(triggerUrl(id, '/approve'), {
      method: 'PUT',
      headers: { 'STATSIG-API-KEY': CONSOLE_API_KEY, 'content-type': 'application/json' },
      body: '{"phaseID":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 400, message: expect.any(String) });
  });
});

describe('reads', () => {
  test('a trigger, its pipeline and its entity are what the spec describes', async () => {
    const { id } = startPromptRelease();
    const trigger = specData(await http(triggerUrl(id)));
    expect(trigger).toMatchObject({
      id,
      releasePipelineID: 'rp_prompt',
      dynamicConfigID: 'support_prompt',
      status: 'WAITING_FOR_REVIEW',
      currentPhase: 'Dev',
      currentPhaseID: 'phase_dev',
      currentPhaseEndTime: null,
      createdTime: T0,
      creatorID: expect.any(String),
      lastModifierID: expect.any(String),
      lastModifierName: 'Sandbox User',
    });
    // The spec has no nullable description and no snapshot ID.
    expect(trigger).not.toHaveProperty('description');
    expect(trigger).not.toHaveProperty('configSnapshotID');

    const pipeline = specData<SandboxPipeline>(
      await http(`${sandbox.server.consoleApiUrl}/release_pipelines/rp_prompt`),
    );
    expect(pipeline).toMatchObject({
      id: 'rp_prompt',
      creatorID: expect.any(String),
      createdTime: T0,
      lastModifierID: expect.any(String),
    });
    expect(pipeline.phases.map((phase) => [phase.id, phase.name, phase.requiredReview])).toEqual([
      ['phase_dev', 'Dev', true],
      ['phase_staging', 'Staging', true],
      ['phase_prod', 'Production', false],
    ]);
    // Seeded phase rules get the name and conditions the spec requires.
    expect(pipeline.phases[1]?.rules).toEqual([
      { name: 'Rule 1', conditions: [], environments: ['staging'] },
    ]);

    const config = specData<SandboxDynamicConfig>(
      await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt`),
    );
    expect(config).toMatchObject({
      defaultValue: { model: 'model-b' },
      version: 8,
      description: '',
      status: 'Enabled',
      createdTime: T0,
      creatorName: 'Sandbox User',
      lastModifierName: 'Sandbox User',
      lastModifiedTime: T0,
    });
  });

  test('a seeded gate gets every field the spec requires, with plausible defaults', async () => {
    const gate = specData<SandboxGate>(
      await http(`${sandbox.server.consoleApiUrl}/gates/new_checkout`),
    );
    expect(gate).toEqual({
      id: 'new_checkout',
      name: 'new_checkout',
      description: '',
      isEnabled: true,
      version: 3,
      releasePipelineID: 'rp_checkout',
      rules: [
        {
          id: 'rule_staff',
          baseID: 'rule_staff',
          name: 'Staff',
          passPercentage: 100,
          conditions: [],
          environments: ['production'],
        },
      ],
      createdTime: T0,
      creatorID: 'sandbox_user',
      creatorName: 'Sandbox User',
      creatorEmail: 'sandbox.user@example.com',
      lastModifiedTime: T0,
      lastModifierID: 'sandbox_user',
      lastModifierName: 'Sandbox User',
      lastModifierEmail: 'sandbox.user@example.com',
      checksPerHour: null,
      status: 'In Progress',
      type: 'TEMPORARY',
      typeReason: 'NONE',
    });
  });
});

describe('approve', () => {
  test('approving the phase under review starts it and records APPROVED_FOR', async () => {
    const { id } = startPromptRelease();
    sandbox.clock = T0 + 5_000;
    const response = await http(triggerUrl(id, '/approve'), {
      method: 'PUT',
      body: { phaseID: 'phase_dev' },
    });
    expect(response.status).toBe(200);
    const trigger = specData(response);
    expect(trigger.status).toBe('IN_PROGRESS');
    expect(trigger.currentPhaseID).toBe('phase_dev');
    expect(trigger.currentPhase).toBe('Dev');
    // The phase's timer starts only once approved.
    expect(trigger.currentPhaseEndTime).toBe(T0 + 5_000 + 10 * MINUTE);
    expect(trigger.actions.at(-1)).toEqual({
      type: 'APPROVED_FOR',
      timeMs: T0 + 5_000,
      phaseID: 'phase_dev',
      actorID: 'console_api_key',
      actorName: 'CONSOLE API',
    });
    expect(trigger).toMatchObject({ lastModifierID: 'console_api_key' });
    expect(sandbox.server.sandbox.getTrigger(id)).toEqual(trigger);
  });

  test('approving twice: the second is 400 and only one write succeeded', async () => {
    const { id } = startPromptRelease();
    const approve = () =>
      http(triggerUrl(id, '/approve'), { method: 'PUT', body: { phaseID: 'phase_dev' } });
    expect((await approve()).status).toBe(200);
    const second = await approve();
    expect(second.status).toBe(400);
    expect(specError(second).message).toMatch(/WAITING_FOR_REVIEW/);
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(1);
    expect(sandbox.server.sandbox.successfulWrites()[0]).toMatchObject({
      method: 'PUT',
      path: `/console/v1/release_pipeline_triggers/${id}/approve`,
      requestBody: { phaseID: 'phase_dev' },
      responseBody: { data: { id, status: 'IN_PROGRESS' } },
      status: 200,
    });
    const approvals = sandbox.server.sandbox
      .getTrigger(id)
      ?.actions.filter((a) => a.type === 'APPROVED_FOR');
    expect(approvals).toHaveLength(1);
  });

  test('approving another phase than the one under review is 400 and changes nothing', async () => {
    const { id } = startPromptRelease();
    const response = await http(triggerUrl(id, '/approve'), {
      method: 'PUT',
      body: { phaseID: 'phase_staging' },
    });
    expect(response.status).toBe(400);
    expect(specError(response).message).toMatch(/phase_staging/);
    expect(sandbox.server.sandbox.getTrigger(id)?.status).toBe('WAITING_FOR_REVIEW');
  });

  test('approve without a phaseID is 400', async () => {
    const { id } = startPromptRelease();
    const response = await http(triggerUrl(id, '/approve'), { method: 'PUT', body: {} });
    expect(response.status).toBe(400);
    expect(specError(response).message).toMatch(/phaseID/);
  });
});

describe('abort', () => {
  test('abort halts the rollout and reverts the dynamic config', async () => {
    const { id } = startPromptRelease();
    sandbox.clock = T0 + 1_000;
    const response = await http(triggerUrl(id, '/abort'), { method: 'PUT' });
    expect(response.status).toBe(200);
    const trigger = specData(response);
    expect(trigger.status).toBe('ABORTED');
    // The action names the phase the trigger was at, never null.
    expect(trigger.actions.at(-1)).toMatchObject({
      type: 'ABORTED',
      timeMs: T0 + 1_000,
      phaseID: 'phase_dev',
    });

    const config = specData<SandboxDynamicConfig>(
      await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt`),
    );
    expect(config).toMatchObject({
      defaultValue: PROMPT_CONFIG_V1,
      // 7 seeded, 8 with the release, 9 with the revert.
      version: 9,
      lastModifierName: 'CONSOLE API',
    });
  });

  test('abort reverts a gate to its pre-release rules', async () => {
    const before = sandbox.server.sandbox.getGate('new_checkout');
    const { id } = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: {
        kind: 'gate',
        id: 'new_checkout',
        rules: [{ id: 'rule_all', name: 'All', passPercentage: 50, conditions: [] }],
      },
    });
    expect(sandbox.server.sandbox.getGate('new_checkout')?.rules[0]?.id).toBe('rule_all');

    // An empty body with a JSON content type is accepted, as real clients send one.
    const response = await fetch(triggerUrl(id, '/abort'), {
      method: 'PUT',
      headers: { 'STATSIG-API-KEY': CONSOLE_API_KEY, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);

    const gate = specData<SandboxGate>(
      await http(`${sandbox.server.consoleApiUrl}/gates/new_checkout`),
    );
    expect(gate.rules).toEqual(before?.rules);
    expect(gate.version).toBe((before?.version ?? 0) + 2);
  });

  test('aborting an aborted trigger is 400 and reverts nothing twice', async () => {
    const { id } = startPromptRelease();
    expect((await http(triggerUrl(id, '/abort'), { method: 'PUT' })).status).toBe(200);
    const second = await http(triggerUrl(id, '/abort'), { method: 'PUT' });
    expect(second.status).toBe(400);
    expect(specError(second).message).toMatch(/ABORTED/);
    expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')?.version).toBe(9);
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(1);
  });
});
