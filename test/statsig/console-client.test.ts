// The Statsig client against the sandbox over real HTTP: one request per call, a timeout on every
// call, and each way Statsig can answer mapped to a stable code that says whether a retry can help.

import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkReason } from '../../src/error-message';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { StatsigApiError, type StatsigErrorCode } from '../../src/statsig/errors';
import { StatsigEventsClient } from '../../src/statsig/events-client';
import { getFreePort } from '../../src/temporal/dev-server';
import { releaseConfig, testSeed } from '../helpers/seed';

const API_KEY = 'console-client-test-key';
const SERVER_SECRET = 'server-secret-client-test';
const TIMEOUT_MS = 300;

let started: StartedSandbox;
let consoleApi: StatsigConsoleClient;
let events: StatsigEventsClient;

beforeAll(async () => {
  started = await startSandbox({
    consoleApiKey: API_KEY,
    serverSecret: SERVER_SECRET,
    seed: testSeed(),
  });
  consoleApi = new StatsigConsoleClient({
    baseUrl: `${started.consoleApiUrl}/`,
    apiKey: API_KEY,
    timeoutMs: TIMEOUT_MS,
  });
  events = new StatsigEventsClient({
    baseUrl: started.eventsApiUrl,
    serverSecret: SERVER_SECRET,
    timeoutMs: TIMEOUT_MS,
  });
});

afterAll(async () => {
  await started?.close();
});

afterEach(() => {
  started.sandbox.clearFaults();
});

async function errorOf(call: Promise<unknown>): Promise<StatsigApiError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StatsigApiError);
  return error as StatsigApiError;
}

it('reads and writes through the documented endpoints', async () => {
  const trigger = releaseConfig(started.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  expect(await consoleApi.getTrigger(trigger.id)).toMatchObject({
    id: trigger.id,
    status: 'WAITING_FOR_REVIEW',
  });
  expect(await consoleApi.getDynamicConfig(configID)).toMatchObject({
    defaultValue: { quality: 0.9 },
  });
  expect(await consoleApi.getGate('new_ranker')).toMatchObject({
    id: 'new_ranker',
    isEnabled: true,
  });
  // Writes answer whether Statsig confirmed them with its documented body; the state shows the rest.
  expect(await consoleApi.approvePhase(trigger.id, trigger.currentPhaseID ?? '')).toEqual({
    confirmed: true,
  });
  expect((await consoleApi.getTrigger(trigger.id)).status).toBe('IN_PROGRESS');
  expect(await consoleApi.disableEntity('dynamic_config', configID)).toEqual({ confirmed: true });
  expect(await consoleApi.abortTrigger(trigger.id)).toEqual({ confirmed: true });
  expect(await consoleApi.disableEntity('gate', 'new_ranker')).toEqual({ confirmed: true });
  await events.logEvents([{ eventName: 'e', time: 1, user: { userID: 'u' } }]);
  expect(started.sandbox.calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual(
    [
      `GET /console/v1/release_pipeline_triggers/${trigger.id} 200`,
      `GET /console/v1/dynamic_configs/${configID} 200`,
      'GET /console/v1/gates/new_ranker 200',
      `PUT /console/v1/release_pipeline_triggers/${trigger.id}/approve 200`,
      `GET /console/v1/release_pipeline_triggers/${trigger.id} 200`,
      `PUT /console/v1/dynamic_configs/${configID}/disable 200`,
      `PUT /console/v1/release_pipeline_triggers/${trigger.id}/abort 200`,
      'PUT /console/v1/gates/new_ranker/disable 200',
      'POST /v1/log_event 202',
    ],
  );
});

describe('every call has a timeout', () => {
  const calls: Array<[string, string, () => Promise<unknown>]> = [
    ['GET', '/release_pipeline_triggers/', () => consoleApi.getTrigger('rpt_slow')],
    ['PUT', '/approve$', () => consoleApi.approvePhase('rpt_slow', 'phase')],
    ['PUT', '/abort$', () => consoleApi.abortTrigger('rpt_slow')],
    ['GET', '/gates/', () => consoleApi.getGate('slow_gate')],
    ['PUT', '/gates/.*/disable$', () => consoleApi.disableEntity('gate', 'slow_gate')],
    ['GET', '/dynamic_configs/', () => consoleApi.getDynamicConfig('slow_config')],
    [
      'PUT',
      '/dynamic_configs/.*/disable$',
      () => consoleApi.disableEntity('dynamic_config', 'slow_config'),
    ],
    [
      'POST',
      '/log_event$',
      () => events.logEvents([{ eventName: 'e', time: 1, user: { userID: 'u' } }]),
    ],
  ];
  it.each(calls)('%s %s', async (method, path, call) => {
    started.sandbox.addFault({ method, path, delayMs: TIMEOUT_MS * 4, times: 1 });
    const error = await errorOf(call());
    expect(error.code).toBe('STATSIG_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(
      new RegExp(`^Statsig ${method} \\S+ timed out after ${TIMEOUT_MS} ms$`),
    );
  });
});

describe('an answer that stops midway', () => {
  /**
   * Calls a raw loopback server (the sandbox always answers whole, these answers do not) through a
   * client of its own, then closes the server.
   */
  async function against<T>(
    onRequest: (response: ServerResponse) => void,
    call: (client: StatsigConsoleClient) => Promise<T>,
  ): Promise<T> {
    const server = createServer((_request, response) => onRequest(response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      return await call(
        new StatsigConsoleClient({
          baseUrl: `http://127.0.0.1:${port}/console/v1`,
          apiKey: API_KEY,
          timeoutMs: TIMEOUT_MS,
        }),
      );
    } finally {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    }
  }

  /** Sends the status and the start of a JSON body, then nothing more. */
  const stalling = (status: number, bodyStart: string) => (response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.write(bodyStart);
  };

  it('a read whose body stalls after the headers ends at the timeout as an unreadable answer, retried', async () => {
    const error = await against(stalling(200, '{"message":"ok","data":{'), (client) =>
      errorOf(client.getGate('new_ranker')),
    );
    expect(error).toMatchObject({ code: 'STATSIG_BAD_RESPONSE', retryable: true });
  });

  it('a write answered 2xx whose body stalls happened: unconfirmed, not failed', async () => {
    const answer = await against(stalling(200, '{"message":"ok","data":{'), (client) =>
      client.disableEntity('gate', 'new_ranker'),
    );
    expect(answer).toEqual({ confirmed: false });
  });

  it('an error status whose body stalls still says what Statsig refused', async () => {
    const error = await against(stalling(400, '{"status":400,'), (client) =>
      errorOf(client.disableEntity('gate', 'new_ranker')),
    );
    expect(error).toMatchObject({ code: 'STATSIG_BAD_REQUEST', details: { status: 400 } });
  });

  it('a body cut off by the server is an unreadable answer, retried', async () => {
    const cutOff = (response: ServerResponse) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      response.write('{"message":"ok","data":{', () => response.socket?.destroy());
    };
    const error = await against(cutOff, (client) => errorOf(client.getGate('new_ranker')));
    expect(error).toMatchObject({ code: 'STATSIG_BAD_RESPONSE', retryable: true });
  });
});

describe('answers map to stable codes', () => {
  const cases: Array<[number, StatsigErrorCode, boolean]> = [
    [400, 'STATSIG_BAD_REQUEST', false],
    [401, 'STATSIG_UNAUTHORIZED', false],
    [403, 'STATSIG_FORBIDDEN', false],
    [404, 'STATSIG_NOT_FOUND', false],
    [409, 'STATSIG_BAD_REQUEST', false],
    [429, 'STATSIG_RATE_LIMITED', true],
    [500, 'STATSIG_SERVER_ERROR', true],
    [502, 'STATSIG_SERVER_ERROR', true],
    [503, 'STATSIG_SERVER_ERROR', true],
  ];
  it.each(cases)('%i → %s (retryable: %s)', async (status, code, retryable) => {
    started.sandbox.addFault({ path: '/gates/', status, times: 1 });
    const error = await errorOf(consoleApi.getGate('new_ranker'));
    expect(error).toMatchObject({ code, retryable, details: { status, method: 'GET' } });
    expect(error.message).toBe(
      `Statsig GET /gates/new_ranker → ${status}: Injected fault: HTTP ${status}`,
    );
  });

  it("a real 401 carries Statsig's message, never the key", async () => {
    const wrongKey = new StatsigConsoleClient({
      baseUrl: started.consoleApiUrl,
      apiKey: 'console-not-ours',
      timeoutMs: TIMEOUT_MS,
    });
    const error = await errorOf(wrongKey.getGate('new_ranker'));
    expect(error.code).toBe('STATSIG_UNAUTHORIZED');
    expect(error.message).toBe(
      'Statsig GET /gates/new_ranker → 401: This endpoint only accepts an active CONSOLE key, but an invalid key was sent. Key: [redacted]',
    );
    expect(error.message).not.toContain('console-not-ours');
  });

  it('a real 404 names what was not found', async () => {
    const error = await errorOf(consoleApi.getTrigger('rpt_missing'));
    expect(error).toMatchObject({ code: 'STATSIG_NOT_FOUND', retryable: false });
    expect(error.message).toMatch(/^Statsig GET \/release_pipeline_triggers\/rpt_missing → 404: /);
  });

  it('429 keeps the wait Statsig asks for, in seconds or as a date', async () => {
    started.sandbox.addFault({
      path: '/gates/',
      status: 429,
      headers: { 'Retry-After': '3' },
      times: 1,
    });
    expect((await errorOf(consoleApi.getGate('new_ranker'))).details.retryAfterMs).toBe(3_000);
    const at = new Date(Date.now() + 60_000).toUTCString();
    started.sandbox.addFault({
      path: '/gates/',
      status: 429,
      headers: { 'Retry-After': at },
      times: 1,
    });
    const retryAfterMs =
      (await errorOf(consoleApi.getGate('new_ranker'))).details.retryAfterMs ?? 0;
    expect(retryAfterMs).toBeGreaterThan(55_000);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('a read Statsig answers with an unreadable body may be read again, and says where', async () => {
    started.sandbox.addFault({
      path: '/gates/',
      status: 200,
      body: { unexpected: true },
      times: 1,
    });
    const error = await errorOf(consoleApi.getGate('new_ranker'));
    expect(error).toMatchObject({ code: 'STATSIG_BAD_RESPONSE', retryable: true });
    expect(error.message).toBe(
      'Statsig GET /gates/new_ranker answered a body rollout-gate cannot read (data: Invalid input: expected object, received undefined)',
    );
  });

  it('a write Statsig answers 2xx with an undocumented body is unconfirmed, not failed', async () => {
    started.sandbox.addFault({
      method: 'PUT',
      path: '/disable$',
      status: 200,
      body: 'ok',
      times: 1,
    });
    expect(await consoleApi.disableEntity('gate', 'new_ranker')).toEqual({ confirmed: false });
  });

  it('nobody listening is a network error, retried', async () => {
    const nowhere = new StatsigConsoleClient({
      baseUrl: `http://127.0.0.1:${await getFreePort()}/console/v1`,
      apiKey: API_KEY,
      timeoutMs: TIMEOUT_MS,
    });
    const error = await errorOf(nowhere.getGate('new_ranker'));
    expect(error).toMatchObject({ code: 'STATSIG_NETWORK', retryable: true });
    expect(error.message).toMatch(/^Statsig GET \/gates\/new_ranker failed: /);
  });

  it('a host whose every address refused names each refusal', () => {
    // Node tries each address of a name in turn and, when all fail, throws an AggregateError whose
    // own message is empty.
    const refusals = new AggregateError([
      Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
    ]);
    expect(networkReason(refusals)).toBe(
      'connect ECONNREFUSED ::1:443; connect ECONNREFUSED 127.0.0.1:443',
    );
  });

  it("a caller's cancellation is not mistaken for a Statsig failure", async () => {
    started.sandbox.addFault({ path: '/gates/', delayMs: TIMEOUT_MS * 2, times: 1 });
    const cancel = new AbortController();
    const call = consoleApi.getGate('new_ranker', cancel.signal);
    cancel.abort();
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).not.toBeInstanceOf(StatsigApiError);
    expect(error).toMatchObject({ name: 'AbortError' });
  });
});
