// The Events API's log_event: how rollout-gate records benchmark results in Statsig. The sandbox
// accepts every body Statsig's HTTP spec accepts (LogEventRequest), not only the ones we send.
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { requestExamples, validateRequest, validateResponse } from '../contract/spec';
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

const body = {
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
  expect(validateResponse('POST', '/v1/log_event', 202, response.body).errors).toEqual([]);
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
  expect(response.body).toEqual({ status: 401, message: expect.any(String) });
  expect(server.sandbox.loggedEvents).toHaveLength(0);
});

const specValid: Array<[string, unknown]> = [
  ...requestExamples('POST', '/v1/log_event').map((example): [string, unknown] => [
    `the spec's example ${example.sources.join()}`,
    example.value,
  ]),
  ['an event without time', { events: [{ eventName: 'x', user: { userID: 'u' } }] }],
  ['an ISO date-time', { events: [{ eventName: 'x', time: '2024-06-01T12:00:00.000+02:00' }] }],
  ['no user at all', { events: [{ eventName: 'x' }] }],
  ['a user without userID', { events: [{ eventName: 'x', user: { customIDs: { org: 'o1' } } }] }],
  [
    'request-level user and metadata',
    { user: { userID: 'u' }, statsigMetadata: { sdkType: 'custom' }, events: [{ eventName: 'x' }] },
  ],
];

test.each(specValid)('a spec-valid body is accepted: %s', async (_name, payload) => {
  expect(validateRequest('POST', '/v1/log_event', payload).errors).toEqual([]);
  const response = await logEvent(payload);
  expect(response.status).toBe(202);
  expect(server.sandbox.loggedEvents.length).toBeGreaterThan(0);
});

test('an event without a user is attributed to the request’s user', async () => {
  await logEvent({
    user: { userID: 'request-user' },
    events: [{ eventName: 'inherits' }, { eventName: 'own', user: { userID: 'event-user' } }],
  });
  expect(server.sandbox.loggedEvents).toEqual([
    { eventName: 'inherits', user: { userID: 'request-user' } },
    { eventName: 'own', user: { userID: 'event-user' } },
  ]);
});

test.each([
  ['no events', { events: [] }],
  ['no events array', { user: { userID: 'u' } }],
  ['an event without a name', { events: [{ time: T0 }] }],
  ['an empty event name', { events: [{ eventName: '' }] }],
  ['a time that is no date', { events: [{ eventName: 'x', time: 'yesterday' }] }],
  ['a non-string metadata value', { events: [{ ...body.events[0], metadata: { n: 1 } }] }],
])('%s is 400, as the spec refuses it', async (_name, payload) => {
  expect(validateRequest('POST', '/v1/log_event', payload).valid).toBe(false);
  const response = await logEvent(payload);
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ status: 400, message: expect.any(String) });
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
