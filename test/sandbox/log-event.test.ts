// The Events API's log_event: how rollout-gate records benchmark results in Statsig.
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { errorBodySchema, type LogEventBody } from '../../src/statsig/schemas';
import { CONSOLE_API_KEY, http, SERVER_SECRET, T0, testSeed } from './helpers';

let server: StartedSandbox;

beforeAll(async () => {
  server = await startSandbox({
    consoleApiKey: CONSOLE_API_KEY,
    serverSecret: SERVER_SECRET,
    seed: testSeed(),
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.sandbox.reset();
});

const body: LogEventBody = {
  events: [
    {
      eventName: 'rollout_gate_verdict',
      value: 'pass',
      time: T0,
      user: { userID: 'rollout-gate' },
      metadata: { triggerID: 'rpt_1', phaseID: 'phase_dev' },
    },
    { eventName: 'rollout_gate_score', value: 0.93, time: T0, user: { userID: 'rollout-gate' } },
  ],
};

const logEvent = (payload: unknown, apiKey: string | null = SERVER_SECRET) =>
  http(`${server.eventsApiUrl}/log_event`, { method: 'POST', body: payload, apiKey });

test('accepted events answer 202 { success: true } and are kept in order', async () => {
  const response = await logEvent(body);
  expect(response.status).toBe(202);
  expect(response.body).toEqual({ success: true });
  await logEvent({ events: [{ eventName: 'third', time: T0, user: { userID: 'u' } }] });
  expect(server.sandbox.loggedEvents.map((event) => event.eventName)).toEqual([
    'rollout_gate_verdict',
    'rollout_gate_score',
    'third',
  ]);

  const viaAdmin = await http(`${server.url}/_sandbox/events`, { apiKey: null });
  expect(viaAdmin.body).toEqual(server.sandbox.loggedEvents);
});

test.each([
  ['no key', null],
  ['the console key', CONSOLE_API_KEY],
])('%s is 401 and nothing is logged', async (_name, apiKey) => {
  const response = await logEvent(body, apiKey);
  expect(response.status).toBe(401);
  expect(errorBodySchema.parse(response.body).status).toBe(401);
  expect(server.sandbox.loggedEvents).toHaveLength(0);
});

test.each([
  ['no events', { events: [] }],
  ['an event without a user', { events: [{ eventName: 'x', time: T0 }] }],
  ['a non-string metadata value', { events: [{ ...body.events[0], metadata: { n: 1 } }] }],
])('%s is 400', async (_name, payload) => {
  const response = await logEvent(payload);
  expect(response.status).toBe(400);
  expect(errorBodySchema.parse(response.body).status).toBe(400);
  expect(server.sandbox.loggedEvents).toHaveLength(0);
});

test('log_event is recorded as a call but is not a Console API write', async () => {
  await logEvent(body);
  expect(server.sandbox.calls).toMatchObject([
    { method: 'POST', path: '/v1/log_event', status: 202 },
  ]);
  expect(server.sandbox.successfulWrites()).toHaveLength(0);
});

test('without a server secret configured every log_event is 401', async () => {
  const bare = await startSandbox({ consoleApiKey: CONSOLE_API_KEY });
  try {
    const response = await http(`${bare.eventsApiUrl}/log_event`, {
      method: 'POST',
      body,
      apiKey: SERVER_SECRET,
    });
    expect(response.status).toBe(401);
  } finally {
    await bare.close();
  }
});
