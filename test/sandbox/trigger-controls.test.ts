// Pause, unpause, skip and full roll-out: the other ways a person can move a trigger along, each
// answer checked against Statsig's spec.
import { type StartedSandbox, startSandbox } from '../../src/sandbox';
import {
  CONSOLE_API_KEY,
  type HttpResult,
  http,
  MINUTE,
  specData,
  specError,
  T0,
  testSeed,
  useSandbox,
} from './helpers';

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
  expect(specData(paused)).toMatchObject({
    status: 'PAUSED',
    currentPhaseEndTime: null,
  });

  sandbox.clock = T0 + 30 * MINUTE;
  const resumed = specData(await control(id, 'unpause', 'phase_dev'));
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
  const resumed = specData(await control(id, 'unpause', 'phase_dev'));
  expect(resumed.status).toBe('WAITING_FOR_REVIEW');
});

test('unpausing a trigger that is not paused is 400', async () => {
  const id = await runningRelease();
  const response = await control(id, 'unpause', 'phase_dev');
  expect(response.status).toBe(400);
  expect(specError(response).message).toMatch(/not PAUSED/);
});

test('pause needs the current phaseID', async () => {
  const id = await runningRelease();
  const refused: HttpResult[] = [
    await control(id, 'pause'),
    await control(id, 'pause', 'phase_prod'),
  ];
  expect(refused.map((response) => specError(response).status)).toEqual([400, 400]);
  expect(sandbox.server.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
});

test('skipping a phase waiting for review moves on without starting it', async () => {
  const { id } = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 1 },
  });
  // The phase in question is the waiting one; any other is refused.
  expect((await control(id, 'skip', 'phase_staging')).status).toBe(400);
  const skipped = specData(await control(id, 'skip', 'phase_dev'));
  expect(skipped).toMatchObject({ status: 'WAITING_FOR_REVIEW', currentPhaseID: 'phase_staging' });
  expect(skipped.actions.map((action) => [action.type, action.phaseID])).toEqual([
    ['STARTED', 'phase_dev'],
    ['SKIPPED', 'phase_dev'],
  ]);
  expect(sandbox.server.sandbox.waitingPhase(id)).toBe('phase_staging');
});

test('skip ends the current phase and moves to the next one', async () => {
  const id = await runningRelease();
  const skipped = specData(await control(id, 'skip', 'phase_dev'));
  expect(skipped).toMatchObject({
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 'Staging',
    currentPhaseID: 'phase_staging',
  });
  expect(skipped.actions.at(-1)).toMatchObject({ type: 'SKIPPED', phaseID: 'phase_dev' });
});

test('rollout completes the trigger with FULL_ROLL_OUT and keeps the new value', async () => {
  const id = await runningRelease();
  const done = specData(await control(id, 'rollout'));
  expect(done.status).toBe('COMPLETED');
  expect(done.actions.at(-1)).toMatchObject({ type: 'FULL_ROLL_OUT', phaseID: 'phase_dev' });
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
  expect(specError(response).message).toMatch(/COMPLETED/);
});

describe("under the 'last-completed' reading", () => {
  let server: StartedSandbox;

  beforeAll(async () => {
    server = await startSandbox({
      consoleApiKey: CONSOLE_API_KEY,
      seed: testSeed(),
      currentPhaseReading: 'last-completed',
    });
  });

  afterAll(async () => {
    await server.close();
  });

  const act = (id: string, action: string, phaseID: string) =>
    http(`${server.consoleApiUrl}/release_pipeline_triggers/${id}/${action}`, {
      method: 'PUT',
      body: { phaseID },
    });

  test('pause, unpause and skip take the phase in question, not currentPhaseID', async () => {
    const { id } = server.sandbox.startRelease({
      pipelineID: 'rp_prompt',
      entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: 1 },
    });
    expect((await act(id, 'approve', 'phase_dev')).status).toBe(200);
    server.sandbox.advanceTrigger(id);
    // Staging waits; the trigger still names Dev, the last phase that started.
    expect(server.sandbox.getTrigger(id)).toMatchObject({
      status: 'WAITING_FOR_REVIEW',
      currentPhase: 'Dev',
      currentPhaseID: 'phase_dev',
    });
    expect(specError(await act(id, 'pause', 'phase_dev')).status).toBe(400);
    expect(specData(await act(id, 'pause', 'phase_staging')).status).toBe('PAUSED');
    expect(specData(await act(id, 'unpause', 'phase_staging')).status).toBe('WAITING_FOR_REVIEW');
    const skipped = specData(await act(id, 'skip', 'phase_staging'));
    // Production needs no review: it starts at once, and becomes the phase named.
    expect(skipped).toMatchObject({
      status: 'IN_PROGRESS',
      currentPhase: 'Production',
      currentPhaseID: 'phase_prod',
    });
    expect(skipped.actions.map((action) => [action.type, action.phaseID])).toEqual([
      ['STARTED', 'phase_dev'],
      ['APPROVED_FOR', 'phase_dev'],
      ['PAUSED', 'phase_staging'],
      ['UNPAUSED', 'phase_staging'],
      ['SKIPPED', 'phase_staging'],
    ]);
  });
});
