// Pause, unpause, skip and full roll-out: the other ways a person can move a trigger along.
import {
  errorBodySchema,
  releasePipelineTriggerSchema,
  successBody,
} from '../../src/statsig/schemas';
import { http, MINUTE, T0, useSandbox } from './helpers';

const triggerBody = successBody(releasePipelineTriggerSchema);

const sandbox = useSandbox();

async function control(id: string, action: string, phaseID?: string) {
  return http(`${sandbox.server.consoleApiUrl}/release_pipeline_triggers/${id}/${action}`, {
    method: 'PUT',
    body: phaseID === undefined ? undefined : { phaseID },
  });
}

/** A prompt release that has been approved into its first (timed) phase. */
async function runningRelease(): Promise<string> {
  const { id } = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
  });
  expect((await control(id, 'approve', 'phase_dev')).status).toBe(200);
  return id;
}

test('pause stops the phase timer and unpause resumes it with the time that was left', async () => {
  const id = await runningRelease();
  sandbox.clock = T0 + 4 * MINUTE;
  const paused = await control(id, 'pause', 'phase_dev');
  expect(paused.status).toBe(200);
  expect(triggerBody.parse(paused.body).data).toMatchObject({
    status: 'PAUSED',
    currentPhaseEndTime: null,
  });

  sandbox.clock = T0 + 30 * MINUTE;
  const resumed = triggerBody.parse((await control(id, 'unpause', 'phase_dev')).body).data;
  expect(resumed.status).toBe('IN_PROGRESS');
  expect(resumed.currentPhaseEndTime).toBe(T0 + 30 * MINUTE + 6 * MINUTE);
  expect(resumed.actions.map((action) => action.type)).toEqual([
    'STARTED',
    'APPROVED_FOR',
    'PAUSED',
    'UNPAUSED',
  ]);
});

test('a trigger paused while waiting for review is still waiting for review once unpaused', async () => {
  const { id } = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 1 },
  });
  expect((await control(id, 'pause', 'phase_dev')).status).toBe(200);
  // A paused trigger cannot be approved until unpaused.
  expect((await control(id, 'approve', 'phase_dev')).status).toBe(400);
  const resumed = triggerBody.parse((await control(id, 'unpause', 'phase_dev')).body).data;
  expect(resumed.status).toBe('WAITING_FOR_REVIEW');
});

test('unpausing a trigger that is not paused is 400', async () => {
  const id = await runningRelease();
  const response = await control(id, 'unpause', 'phase_dev');
  expect(response.status).toBe(400);
  expect(errorBodySchema.parse(response.body).message).toMatch(/not PAUSED/);
});

test('pause needs the current phaseID', async () => {
  const id = await runningRelease();
  expect((await control(id, 'pause')).status).toBe(400);
  expect((await control(id, 'pause', 'phase_prod')).status).toBe(400);
  expect(sandbox.server.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
});

test('skip ends the current phase and moves to the next one', async () => {
  const id = await runningRelease();
  const skipped = triggerBody.parse((await control(id, 'skip', 'phase_dev')).body).data;
  expect(skipped).toMatchObject({
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 1,
    currentPhaseID: 'phase_staging',
  });
  expect(skipped.actions.at(-1)).toMatchObject({ type: 'SKIPPED', phaseID: 'phase_dev' });
});

test('rollout completes the trigger with FULL_ROLL_OUT and keeps the new value', async () => {
  const id = await runningRelease();
  const done = triggerBody.parse((await control(id, 'rollout')).body).data;
  expect(done.status).toBe('COMPLETED');
  expect(done.actions.at(-1)?.type).toBe('FULL_ROLL_OUT');
  expect(sandbox.server.sandbox.getDynamicConfig('support_prompt')?.defaultValue).toEqual({
    model: 'model-b',
  });
});

test.each([
  ['pause', 'phase_dev'],
  ['unpause', 'phase_dev'],
  ['skip', 'phase_dev'],
  ['rollout', undefined],
  ['abort', undefined],
  ['approve', 'phase_dev'],
])('%s on a completed trigger is 400', async (action, phaseID) => {
  const id = await runningRelease();
  expect((await control(id, 'rollout')).status).toBe(200);
  const response = await control(id, action, phaseID);
  expect(response.status).toBe(400);
  expect(errorBodySchema.parse(response.body).message).toMatch(/COMPLETED/);
});
