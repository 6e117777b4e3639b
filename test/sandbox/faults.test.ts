// Fault injection: failures, Retry-After, delays and chance, the promise that a faulted request
// never changes the sandbox's state, and corrupted 2xx answers (whose request did change it).
import { performance } from 'node:perf_hooks';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { CONSOLE_API_KEY, http, SERVER_SECRET, specData, T0, testSeed } from './helpers';

const errorShape = (status: number, message: unknown = expect.any(String)) => ({ status, message });

let server: StartedSandbox;
// Probability rolls the sandbox will draw, in order; drawing one more than planned fails the test.
let rolls: number[] = [];

beforeAll(async () => {
  server = await startSandbox({
    consoleApiKey: CONSOLE_API_KEY,
    serverSecret: SERVER_SECRET,
    seed: testSeed(),
    random: () => {
      const roll = rolls.shift();
      if (roll === undefined) throw new Error('the sandbox drew an unplanned random number');
      return roll;
    },
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  rolls = [];
  server.sandbox.reset();
});

function startPromptRelease(): string {
  return server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
  }).id;
}

const approve = (id: string) =>
  http(`${server.consoleApiUrl}/release_pipeline_triggers/${id}/approve`, {
    method: 'PUT',
    body: { phaseID: 'phase_dev' },
  });

test('a status fault answers `times` times, then the API answers again', async () => {
  const id = startPromptRelease();
  server.sandbox.addFault({ method: 'PUT', path: '/approve$', status: 503, times: 2 });

  const first = await approve(id);
  expect(first.status).toBe(503);
  expect(first.body).toEqual(errorShape(503));
  expect((await approve(id)).status).toBe(503);
  expect(server.sandbox.getTrigger(id)?.status).toBe('WAITING_FOR_REVIEW');

  const third = await approve(id);
  expect(third.status).toBe(200);
  expect(specData(third).status).toBe('IN_PROGRESS');
  expect(server.sandbox.calls.map((call) => [call.status, call.faulted])).toEqual([
    [503, true],
    [503, true],
    [200, false],
  ]);
  // What each call was answered is recorded too: the fault's body, then the real answer.
  expect(server.sandbox.calls[0]?.responseBody).toEqual(first.body);
  expect(server.sandbox.calls[2]?.responseBody).toEqual(third.body);
  expect(server.sandbox.successfulWrites()).toHaveLength(1);
});

test('a rule only hits requests whose method (any case) and path match', async () => {
  const id = startPromptRelease();
  server.sandbox.addFault({
    method: 'put',
    path: '^/console/v1/release_pipeline_triggers/',
    status: 500,
  });
  expect((await http(`${server.consoleApiUrl}/release_pipeline_triggers/${id}`)).status).toBe(200);
  expect(
    (await http(`${server.consoleApiUrl}/gates/kill_me/disable`, { method: 'PUT' })).status,
  ).toBe(200);
  expect((await approve(id)).status).toBe(500);
});

test('fault headers such as Retry-After pass through with a custom body', async () => {
  server.sandbox.addFault({
    path: '^/console/v1/gates/',
    status: 429,
    headers: { 'Retry-After': '7' },
    body: { status: 429, message: 'Too many requests' },
  });
  const response = await http(`${server.consoleApiUrl}/gates/kill_me`);
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe('7');
  expect(response.body).toEqual(errorShape(429, 'Too many requests'));
});

test('a delay-only rule slows the request down and then handles it', async () => {
  const id = startPromptRelease();
  server.sandbox.addFault({ path: '/approve$', delayMs: 150, times: 1 });
  const started = performance.now();
  const response = await approve(id);
  expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  expect(response.status).toBe(200);
  expect(server.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
  expect(server.sandbox.calls[0]).toMatchObject({ status: 200, faulted: false });
});

test('a delay with a status waits, then fails', async () => {
  server.sandbox.addFault({ path: '/gates/', delayMs: 100, status: 504, times: 1 });
  const started = performance.now();
  const response = await http(`${server.consoleApiUrl}/gates/kill_me`);
  expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  expect(response.status).toBe(504);
});

test('probability: a rule applies only when the roll is below it', async () => {
  server.sandbox.addFault({ path: '/gates/', status: 500, probability: 0.3 });
  rolls = [0.9, 0.1, 0.3, 0.29];
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    statuses.push((await http(`${server.consoleApiUrl}/gates/kill_me`)).status);
  }
  expect(statuses).toEqual([200, 500, 200, 500]);
  expect(rolls).toEqual([]);
});

test('a failed roll falls through to the next matching rule', async () => {
  server.sandbox.addFault({ path: '/gates/', status: 500, probability: 0.5 });
  server.sandbox.addFault({ path: '/gates/', status: 429 });
  rolls = [0.7];
  expect((await http(`${server.consoleApiUrl}/gates/kill_me`)).status).toBe(429);
});

test('faulted writes change nothing: no abort, no revert, no disable', async () => {
  const id = startPromptRelease();
  const configBefore = server.sandbox.getDynamicConfig('support_prompt');
  server.sandbox.addFault({ method: 'PUT', path: '.*', status: 500 });

  expect(
    (await http(`${server.consoleApiUrl}/release_pipeline_triggers/${id}/abort`, { method: 'PUT' }))
      .status,
  ).toBe(500);
  expect(
    (await http(`${server.consoleApiUrl}/gates/kill_me/disable`, { method: 'PUT' })).status,
  ).toBe(500);

  expect(server.sandbox.getTrigger(id)?.status).toBe('WAITING_FOR_REVIEW');
  expect(server.sandbox.getDynamicConfig('support_prompt')).toEqual(configBefore);
  expect(server.sandbox.getGate('kill_me')?.isEnabled).toBe(true);
  expect(server.sandbox.successfulWrites()).toHaveLength(0);
  expect(server.sandbox.calls.every((call) => call.faulted)).toBe(true);
});

test('faults come before authentication', async () => {
  server.sandbox.addFault({ path: '.*', status: 503, times: 1 });
  const response = await http(`${server.consoleApiUrl}/gates/kill_me`, { apiKey: null });
  expect(response.status).toBe(503);
});

test('faults apply to the Events API too, and nothing is logged', async () => {
  server.sandbox.addFault({ path: '^/v1/log_event$', status: 503, times: 1 });
  const response = await http(`${server.eventsApiUrl}/log_event`, {
    method: 'POST',
    apiKey: SERVER_SECRET,
    body: { events: [{ eventName: 'e', time: T0, user: { userID: 'u' } }] },
  });
  expect(response.status).toBe(503);
  expect(server.sandbox.loggedEvents).toHaveLength(0);
});

test('admin routes are never faulted nor recorded', async () => {
  server.sandbox.addFault({ path: '.*', status: 500 });
  const calls = await http(`${server.url}/_sandbox/calls`, { apiKey: null });
  expect(calls.status).toBe(200);
  expect(calls.body).toEqual([]);
});

test('faults can be added and cleared over HTTP, and a bad rule is a 400', async () => {
  const admin = `${server.url}/_sandbox/faults`;
  const bad = await http(admin, { method: 'POST', apiKey: null, body: { path: '(', status: 500 } });
  expect(bad.status).toBe(400);
  expect(bad.body).toEqual(errorShape(400, expect.stringMatching(/regular expression/)));
  const useless = await http(admin, { method: 'POST', apiKey: null, body: { path: '.*' } });
  expect(useless.status).toBe(400);

  const added = await http(admin, {
    method: 'POST',
    apiKey: null,
    body: { path: '/gates/', status: 502 },
  });
  expect(added.status).toBe(201);
  expect((await http(`${server.consoleApiUrl}/gates/kill_me`)).status).toBe(502);

  const corrupt = await http(admin, {
    method: 'POST',
    apiKey: null,
    body: { path: '/gates/kill_me$', corrupt: 'unknown-enums', times: 1 },
  });
  expect(corrupt.status).toBe(201);
  const unknown = await http(admin, {
    method: 'POST',
    apiKey: null,
    body: { path: '.*', corrupt: 'scrambled' },
  });
  expect(unknown.status).toBe(400);

  expect((await http(admin, { method: 'DELETE', apiKey: null })).status).toBe(204);
  expect((await http(`${server.consoleApiUrl}/gates/kill_me`)).status).toBe(200);
});

test('clearFaults drops every rule', async () => {
  server.sandbox.addFault({ path: '.*', status: 500 });
  server.sandbox.clearFaults();
  expect((await http(`${server.consoleApiUrl}/gates/kill_me`)).status).toBe(200);
});

test('a forMs rule applies during its window only (a 429 window), by the sandbox clock', async () => {
  let now = T0;
  const clocked = await startSandbox({
    consoleApiKey: CONSOLE_API_KEY,
    seed: testSeed(),
    now: () => now,
  });
  try {
    clocked.sandbox.addFault({ path: '^/console/', status: 429, forMs: 5_000 });
    const read = () => http(`${clocked.consoleApiUrl}/gates/kill_me`);
    expect((await read()).status).toBe(429);
    now += 4_999;
    expect((await read()).status).toBe(429);
    now += 1;
    expect((await read()).status).toBe(200);
  } finally {
    await clocked.close();
  }
});

describe('corrupted answers', () => {
  test('the request is handled as usual; only the 2xx answer is replaced, and recorded so', async () => {
    const id = startPromptRelease();
    server.sandbox.addFault({ method: 'PUT', path: '/approve$', corrupt: 'wrong-shape', times: 1 });
    const response = await approve(id);
    expect(response).toMatchObject({ status: 200, body: { ok: true } });
    expect(server.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
    expect(server.sandbox.calls).toEqual([
      expect.objectContaining({
        status: 200,
        faulted: false,
        corrupted: 'wrong-shape',
        requestBody: { phaseID: 'phase_dev' },
        responseBody: { ok: true },
      }),
    ]);
    expect(server.sandbox.successfulWrites()).toHaveLength(1);
  });

  test('unknown-enums reaches list items too', async () => {
    startPromptRelease();
    server.sandbox.addFault({ path: '/release_pipeline_triggers$', corrupt: 'unknown-enums' });
    const response = await http(`${server.consoleApiUrl}/release_pipeline_triggers`);
    const { data } = response.body as { data: Array<{ status: string; actions: unknown[] }> };
    expect(data.map((trigger) => trigger.status)).toEqual(['RAMPING']);
    expect(data[0]?.actions).toEqual([expect.objectContaining({ type: 'AUTO_APPROVED' })]);
  });

  test('a corrupt rule may also hold the answer (responseDelayMs)', async () => {
    server.sandbox.addFault({
      path: '/gates/kill_me$',
      corrupt: 'malformed-json',
      responseDelayMs: 100,
      times: 1,
    });
    const started = performance.now();
    const response = await fetch(`${server.consoleApiUrl}/gates/kill_me`, {
      headers: { 'STATSIG-API-KEY': CONSOLE_API_KEY },
    });
    const text = await response.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(response.status).toBe(200);
    expect(() => JSON.parse(text)).toThrow();
    expect(server.sandbox.calls[0]).toMatchObject({
      corrupted: 'malformed-json',
      responseBody: text,
    });
  });
});
