// The Console API contract rollout-gate depends on: authentication, error shapes, approving a phase
// and aborting a rollout.
import {
  dynamicConfigSchema,
  errorBodySchema,
  gateSchema,
  releasePipelineSchema,
  releasePipelineTriggerSchema,
  successBody,
} from '../../src/statsig/schemas';
import { CONSOLE_API_KEY, http, MINUTE, PROMPT_CONFIG_V1, T0, useSandbox } from './helpers';

const triggerBody = successBody(releasePipelineTriggerSchema);

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
    expect(errorBodySchema.parse(response.body)).toEqual({
      status: 401,
      message: expect.any(String),
    });
  });

  test('a wrong key gets 401 and changes nothing', async () => {
    const { id } = startPromptRelease();
    const response = await http(triggerUrl(id, '/approve'), {
      method: 'PUT',
      apiKey: 'not-the-console-key',
      body: { phaseID: 'phase_dev' },
    });
    expect(response.status).toBe(401);
    expect(errorBodySchema.parse(response.body).status).toBe(401);
    expect(sandbox.server.sandbox.getTrigger(id)?.status).toBe('WAITING_FOR_REVIEW');
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(0);
  });
});

describe('error shapes', () => {
  test('an unknown trigger is 404 { status, message }', async () => {
    const response = await http(triggerUrl('rpt_does_not_exist'));
    expect(response.status).toBe(404);
    expect(errorBodySchema.parse(response.body)).toEqual({
      status: 404,
      message: expect.stringContaining('rpt_does_not_exist'),
    });
  });

  test('an unknown route is 404 in the same shape', async () => {
    const response = await http(`${sandbox.server.consoleApiUrl}/no_such_endpoint`);
    expect(response.status).toBe(404);
    expect(errorBodySchema.parse(response.body).status).toBe(404);
  });

  test('a body that is not JSON is 400 in the error shape', async () => {
    const { id } = startPromptRelease();
    const response = await fetch(triggerUrl(id, '/approve'), {
      method: 'PUT',
      headers: { 'STATSIG-API-KEY': CONSOLE_API_KEY, 'content-type': 'application/json' },
      body: '{"phaseID":',
    });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).status).toBe(400);
  });
});

describe('reads', () => {
  test('a trigger, its pipeline and its entity parse with the client schemas', async () => {
    const { id } = startPromptRelease();
    const trigger = triggerBody.parse((await http(triggerUrl(id))).body).data;
    expect(trigger).toMatchObject({
      id,
      releasePipelineID: 'rp_prompt',
      dynamicConfigID: 'support_prompt',
      status: 'WAITING_FOR_REVIEW',
      currentPhase: 0,
      currentPhaseID: 'phase_dev',
      createdTime: T0,
    });

    const pipeline = await http(`${sandbox.server.consoleApiUrl}/release_pipelines/rp_prompt`);
    expect(successBody(releasePipelineSchema).parse(pipeline.body).data.phases).toHaveLength(3);

    const config = await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt`);
    expect(successBody(dynamicConfigSchema).parse(config.body).data).toMatchObject({
      defaultValue: { model: 'model-b' },
      version: 8,
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
    const trigger = triggerBody.parse(response.body).data;
    expect(trigger.status).toBe('IN_PROGRESS');
    expect(trigger.currentPhaseID).toBe('phase_dev');
    // The phase's timer starts only once approved.
    expect(trigger.currentPhaseEndTime).toBe(T0 + 5_000 + 10 * MINUTE);
    expect(trigger.actions.at(-1)).toEqual({
      type: 'APPROVED_FOR',
      timeMs: T0 + 5_000,
      phaseID: 'phase_dev',
      actorID: expect.any(String),
      actorName: expect.any(String),
    });
    expect(sandbox.server.sandbox.getTrigger(id)).toEqual(trigger);
  });

  test('approving twice: the second is 400 and only one write succeeded', async () => {
    const { id } = startPromptRelease();
    const approve = () =>
      http(triggerUrl(id, '/approve'), { method: 'PUT', body: { phaseID: 'phase_dev' } });
    expect((await approve()).status).toBe(200);
    const second = await approve();
    expect(second.status).toBe(400);
    expect(errorBodySchema.parse(second.body).message).toMatch(/WAITING_FOR_REVIEW/);
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(1);
    expect(sandbox.server.sandbox.successfulWrites()[0]).toMatchObject({
      method: 'PUT',
      path: `/console/v1/release_pipeline_triggers/${id}/approve`,
      requestBody: { phaseID: 'phase_dev' },
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
    expect(errorBodySchema.parse(response.body).message).toMatch(/phase_staging/);
    expect(sandbox.server.sandbox.getTrigger(id)?.status).toBe('WAITING_FOR_REVIEW');
  });

  test('approve without a phaseID is 400', async () => {
    const { id } = startPromptRelease();
    const response = await http(triggerUrl(id, '/approve'), { method: 'PUT', body: {} });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(response.body).message).toMatch(/phaseID/);
  });
});

describe('abort', () => {
  test('abort halts the rollout and reverts the dynamic config', async () => {
    const { id } = startPromptRelease();
    sandbox.clock = T0 + 1_000;
    const response = await http(triggerUrl(id, '/abort'), { method: 'PUT' });
    expect(response.status).toBe(200);
    const trigger = triggerBody.parse(response.body).data;
    expect(trigger.status).toBe('ABORTED');
    expect(trigger.actions.at(-1)).toMatchObject({ type: 'ABORTED', timeMs: T0 + 1_000 });

    const config = await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt`);
    expect(successBody(dynamicConfigSchema).parse(config.body).data).toMatchObject({
      defaultValue: PROMPT_CONFIG_V1,
      // 7 seeded, 8 with the release, 9 with the revert.
      version: 9,
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

    const gate = successBody(gateSchema).parse(
      (await http(`${sandbox.server.consoleApiUrl}/gates/new_checkout`)).body,
    ).data;
    expect(gate.rules).toEqual(before?.rules);
    expect(gate.version).toBe((before?.version ?? 0) + 2);
  });

  test('aborting an aborted trigger is 400 and reverts nothing twice', async () => {
    const { id } = startPromptRelease();
    expect((await http(triggerUrl(id, '/abort'), { method: 'PUT' })).status).toBe(200);
    const second = await http(triggerUrl(id, '/abort'), { method: 'PUT' });
    expect(second.status).toBe(400);
    expect(errorBodySchema.parse(second.body).message).toMatch(/ABORTED/);
    expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')?.version).toBe(9);
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(1);
  });
});
