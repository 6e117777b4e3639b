// The sandbox against Statsig's spec: a scenario through every Console and Events API route the
// sandbox serves, each answer it recorded checked with the spec's schemas (never our client's),
// both phase readings, and the corrupt-answer faults.
import {
  buildSandbox,
  type RecordedCall,
  type Sandbox,
  type SandboxOptions,
} from '../../src/sandbox';
import { CONSOLE_API_KEY, MINUTE, SERVER_SECRET, T0, testSeed } from '../sandbox/helpers';
import {
  type HttpMethod,
  matchOperation,
  operation,
  requestExamples,
  validateConsoleError,
  validateRequest,
  validateResponse,
} from './spec';

const DC_RULE_ID = '5pjzfmF8KLFsh81kBPyxvR';

/** testSeed() with a rule on the prompt config, so its rule routes have something to serve. */
function contractSeed() {
  const seed = testSeed();
  const config = seed.dynamicConfigs?.[0];
  if (config) {
    config.rules = [
      {
        id: DC_RULE_ID,
        name: 'Staff',
        passPercentage: 100,
        conditions: [
          { type: 'email', operator: 'str_contains_any', targetValue: ['@example.com'] },
        ],
        returnValue: { model: 'model-staff' },
      },
    ];
  }
  // A phase reaching one region, by a custom-field condition, as a scoped kill switch reads it.
  const staging = seed.pipelines?.[0]?.phases?.[1];
  if (staging) {
    staging.rules = [
      {
        name: 'SouthAmerica',
        environments: ['staging'],
        conditions: [
          { type: 'custom_field', field: 'region', operator: 'any', targetValue: ['SouthAmerica'] },
        ],
      },
    ];
  }
  return seed;
}

interface Harness {
  sandbox: Sandbox;
  /** Every non-admin route the sandbox registered, as `METHOD /path/{param}`. */
  routes: string[];
  clock: number;
  request(method: HttpMethod, url: string, body?: unknown, apiKey?: string | null): Promise<Answer>;
}

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

async function harness(options: Partial<SandboxOptions> = {}): Promise<Harness> {
  const state = { clock: T0 };
  const sandbox = buildSandbox({
    consoleApiKey: CONSOLE_API_KEY,
    serverSecret: SERVER_SECRET,
    seed: contractSeed(),
    now: () => state.clock,
    ...options,
  });
  const routes: string[] = [];
  sandbox.app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/_sandbox')) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const template = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    for (const method of methods) routes.push(`${method} ${template}`);
  });
  // Real HTTP on loopback: Fastify's inject needs an ESM module Jest cannot load here.
  const base = await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    sandbox,
    routes,
    get clock() {
      return state.clock;
    },
    set clock(value: number) {
      state.clock = value;
    },
    async request(method, url, body, apiKey) {
      const key = url.startsWith('/v1/') ? SERVER_SECRET : CONSOLE_API_KEY;
      const headers: Record<string, string> = {};
      if (apiKey !== null) headers['statsig-api-key'] = apiKey ?? key;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${base}${url}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text };
    },
  };
}

/** The spec operation of a recorded call; fails the test when there is none. */
function operationOf(call: Pick<RecordedCall, 'method' | 'path'>) {
  const match = matchOperation(call.method, call.path);
  if (!match) throw new Error(`${call.method} ${call.path} is no operation in the spec`);
  return match.operation;
}

/** Problems with one recorded answer, checked against what the spec declares for its status. */
function problemsOf(call: RecordedCall): string[] {
  const op = operationOf(call);
  const declared = op.responses[String(call.status)] !== undefined;
  const result =
    declared || call.status < 400
      ? validateResponse(op.method, op.path, call.status, call.responseBody)
      : validateConsoleError(call.status, call.responseBody);
  return result.errors.map((error) => `${call.method} ${call.path} → ${call.status}: ${error}`);
}

function expectSpecValid(calls: RecordedCall[]): void {
  expect(calls.flatMap(problemsOf)).toEqual([]);
}

const TRIGGERS = '/console/v1/release_pipeline_triggers';
const PULSE = '/console/v1/gates/new_checkout/rules/rule_staff/pulse_results';

/** Pulse results with every field the spec's metric object allows. */
const PULSE_RESULTS = {
  ds: '2026-11-30',
  monitoringMetrics: [
    {
      metricID: 'checkout_conversion',
      metricName: 'Checkout conversion',
      directionality: 'increase' as const,
      absoluteChange: 0.004,
      absoluteToplineImpact: 0.0004,
      absoluteToplineImpactDelta: 0.0002,
      confidenceIntervalDelta: 0.002,
      controlMean: 0.1,
      controlStd: 0.3,
      controlUnits: 5000,
      pValue: 0.01,
      percentChange: 4,
      percentConfidenceIntervalDelta: 2,
      percentSequentialTestingConfidenceIntervalDelta: 2.6,
      projectedAbsoluteToplineImpact: 0.004,
      projectedAbsoluteToplineImpactDelta: 0.002,
      projectedRelativeToplineImpact: 4,
      projectedRelativeToplineImpactDelta: 2,
      relativeToplineImpact: 0.4,
      relativeToplineImpactDelta: 0.2,
      sequentialTestingConfidenceIntervalDelta: 0.0026,
      testMean: 0.104,
      testStd: 0.31,
      testUnits: 5100,
    },
    { metricID: 'p95_latency', metricName: 'p95 latency', directionality: 'decrease' as const },
  ],
};

/** A person's and rollout-gate's traffic over one sandbox, through every route it serves. */
async function runScenario(h: Harness): Promise<void> {
  const { sandbox } = h;
  const put = (url: string, body?: unknown) => h.request('PUT', url, body);
  const prompt = sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
    description: 'Try model-b',
  });
  h.clock += MINUTE;
  const checkout = sandbox.startRelease({
    pipelineID: 'rp_checkout',
    entity: { kind: 'gate', id: 'new_checkout' },
  });
  // A phase that is not the one waiting: 400.
  await put(`${TRIGGERS}/${checkout.id}/approve`, { phaseID: 'phase_dev' });

  await h.request('GET', `${TRIGGERS}?limit=1`);
  await h.request('GET', `${TRIGGERS}?limit=1&page=2&releasePipelineID=rp_prompt`);
  await h.request('GET', `${TRIGGERS}/${prompt.id}`);
  await put(`${TRIGGERS}/${prompt.id}/approve`, { phaseID: 'phase_dev' });
  await put(`${TRIGGERS}/${prompt.id}/pause`, { phaseID: 'phase_dev' });
  await put(`${TRIGGERS}/${prompt.id}/unpause`, { phaseID: 'phase_dev' });
  await put(`${TRIGGERS}/${prompt.id}/skip`, { phaseID: 'phase_dev' });
  await put(`${TRIGGERS}/${prompt.id}/approve`, { phaseID: 'phase_staging' });
  sandbox.advanceTrigger(prompt.id);
  await put(`${TRIGGERS}/${prompt.id}/rollout`);
  await put(`${TRIGGERS}/${checkout.id}/abort`);
  await h.request('GET', '/console/v1/release_pipelines/rp_prompt');

  for (const [collection, id, rulePath] of [
    ['gates', 'new_checkout', 'rules/rule_staff'],
    ['dynamic_configs', 'support_prompt', `rule/${DC_RULE_ID}`],
  ] as const) {
    await h.request('GET', `/console/v1/${collection}/${id}`);
    await h.request('GET', `/console/v1/${collection}/${id}/rules`);
    await h.request('PATCH', `/console/v1/${collection}/${id}/${rulePath}`, { passPercentage: 0 });
    // A rollback's other write: a dynamic config's rule given its released value back.
    if (collection === 'dynamic_configs') {
      await h.request('PATCH', `/console/v1/${collection}/${id}/${rulePath}`, {
        returnValue: { model: 'model-released' },
      });
    }
    await put(`/console/v1/${collection}/${id}/disable`);
    await put(`/console/v1/${collection}/${id}/enable`);
    await h.request('GET', `/console/v1/${collection}/${id}/versions?limit=2&page=2`);
  }

  // Pulse: results a test set (every documented metric field), a rule with none yet, the queries.
  sandbox.setPulseResults('new_checkout', 'rule_staff', PULSE_RESULTS);
  await h.request('GET', `${PULSE}?confidence=95&cuped=true`);
  sandbox.setPulseResults('new_checkout', 'rule_staff', { monitoringMetrics: [] });
  await h.request('GET', PULSE);
  await h.request('GET', '/console/v1/gates/new_checkout/rules/nope/pulse_results');

  await h.request('POST', '/console/v1/change_validation', {
    reviewID: 'review_1',
    validated: false,
    message: 'quality regressed',
    debugLinks: [{ title: 'report', url: 'https://example.com/report' }],
  });
  await h.request('PATCH', '/console/v1/change_validation/message', { reviewID: 'review_1' });

  for (const example of requestExamples('POST', '/v1/log_event')) {
    await h.request('POST', '/v1/log_event', example.value);
  }
  // Spec-valid bodies our own client never sends: no time, an ISO time, the user given once.
  await h.request('POST', '/v1/log_event', {
    user: { userID: 'u1' },
    events: [{ eventName: 'no_time' }, { eventName: 'iso_time', time: '2024-06-01T12:00:00Z' }],
  });

  // Failures: unknown entities, a missing or wrong key, a limit past 100.
  await h.request('GET', '/console/v1/gates/nope');
  await h.request('GET', '/console/v1/gates/nope/versions');
  await h.request('GET', '/console/v1/dynamic_configs/nope');
  await h.request('GET', `${TRIGGERS}/${prompt.id}`, undefined, null);
  await h.request('GET', '/console/v1/dynamic_configs/support_prompt', undefined, 'wrong-key');
  await h.request('GET', `${TRIGGERS}?limit=101`);
}

describe('the sandbox, checked against the spec', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness();
    await runScenario(h);
  });

  afterAll(async () => {
    await h.sandbox.app.close();
  });

  test('every answer it recorded is what the spec declares for that status', () => {
    expect(h.sandbox.calls.length).toBeGreaterThan(30);
    expectSpecValid(h.sandbox.calls);
  });

  test('the scenario hits success paths, a 404, a 400 (bad phaseID) and 401s', () => {
    const statuses = new Set(h.sandbox.calls.map((call) => call.status));
    expect([...statuses].sort()).toEqual([200, 202, 400, 401, 404]);
    const badPhase = h.sandbox.calls.find(
      (call) => call.status === 400 && call.path.endsWith('/approve'),
    );
    expect(badPhase?.responseBody).toEqual({
      status: 400,
      message: expect.stringContaining('phase_dev'),
    });
  });

  test('every request it was sent is one the spec accepts (the scenario is spec-valid)', () => {
    const problems = h.sandbox.calls
      .filter((call) => call.status < 300)
      .flatMap((call) => {
        const op = operationOf(call);
        const body = call.requestBody === null ? undefined : call.requestBody;
        return validateRequest(op.method, op.path, body).errors.map(
          (error) => `${call.method} ${call.path}: ${error}`,
        );
      });
    expect(problems).toEqual([]);
  });

  test('it registers exactly the routes the scenario exercised, each a spec operation', () => {
    const exercised = new Set(
      h.sandbox.calls.map((call) => `${call.method} ${operationOf(call).path}`),
    );
    expect([...new Set(h.routes)].sort()).toEqual([...exercised].sort());
    for (const route of h.routes) {
      const [method, path] = route.split(' ') as [HttpMethod, string];
      expect(operation(method, path).path).toBe(path);
    }
  });

  test('pages link to their neighbours with relative URLs', () => {
    const pages = h.sandbox.calls
      .filter((call) => call.path === TRIGGERS && call.status === 200)
      .map((call) => (call.responseBody as { pagination: unknown }).pagination);
    expect(pages).toEqual([
      {
        itemsPerPage: 1,
        pageNumber: 1,
        nextPage: `${TRIGGERS}?page=2&limit=1`,
        previousPage: null,
        totalItems: 2,
      },
      {
        itemsPerPage: 1,
        pageNumber: 2,
        nextPage: null,
        previousPage: `${TRIGGERS}?releasePipelineID=rp_prompt&page=1&limit=1`,
        totalItems: 1,
      },
    ]);
  });

  test('pulse results are served as set (today and no metrics for a rule with none yet)', () => {
    const served = h.sandbox.calls
      .filter((call) => call.path.endsWith('/pulse_results'))
      .map((call) => [call.status, (call.responseBody as { data?: unknown }).data]);
    expect(served).toEqual([
      [200, PULSE_RESULTS],
      [200, { ds: new Date(T0).toISOString().slice(0, 10), monitoringMetrics: [] }],
      [404, undefined],
    ]);
    expect(() =>
      h.sandbox.setPulseResults('new_checkout', 'rule_staff', {
        monitoringMetrics: [{ ...PULSE_RESULTS.monitoringMetrics[1], lift: 2 }],
      }),
    ).toThrow(/Unrecognized key: "lift"/);
  });

  test('a rule PATCH answers the whole entity, with the rule updated and a new version', () => {
    const patches = h.sandbox.calls.filter(
      (call) => call.method === 'PATCH' && call.status === 200,
    );
    const [gate, config] = patches.map((call) => (call.responseBody as { data: unknown }).data);
    expect(gate).toMatchObject({
      id: 'new_checkout',
      rules: [{ id: 'rule_staff', baseID: 'rule_staff', passPercentage: 0 }],
    });
    expect(config).toMatchObject({
      id: 'support_prompt',
      rules: [{ id: DC_RULE_ID, passPercentage: 0, returnValue: { model: 'model-staff' } }],
    });
    expect(h.sandbox.changeValidations).toEqual([
      expect.objectContaining({ kind: 'validation', reviewID: 'review_1', validated: false }),
      { kind: 'message', reviewID: 'review_1', timeMs: expect.any(Number) },
    ]);
    expect(h.sandbox.loggedEvents.map((event) => [event.eventName, event.user?.userID])).toEqual([
      ['page_view', 'user-123'],
      ['button_click', 'user-123'],
      ['add_to_cart', 'user-123'],
      ['no_time', 'u1'],
      ['iso_time', 'u1'],
    ]);
  });
});

describe('the phase reading', () => {
  /** A prompt release approved into Dev, whose timer then elapsed: Staging waits for review. */
  async function waitingForStaging(h: Harness): Promise<string> {
    const { id } = h.sandbox.startRelease({
      pipelineID: 'rp_prompt',
      entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
    });
    expect(
      (await h.request('PUT', `${TRIGGERS}/${id}/approve`, { phaseID: 'phase_dev' })).status,
    ).toBe(200);
    h.sandbox.advanceTrigger(id);
    return id;
  }

  test("'last-completed': currentPhaseID names the live phase; approve wants the waiting one", async () => {
    const h = await harness({ currentPhaseReading: 'last-completed' });
    try {
      const fresh = h.sandbox.startRelease({
        pipelineID: 'rp_checkout',
        entity: { kind: 'gate', id: 'new_checkout' },
      });
      // Nothing has started yet: no phase to name, but one waits.
      expect(fresh).toMatchObject({ currentPhase: null, currentPhaseID: null });
      expect(h.sandbox.waitingPhase(fresh.id)).toBe('phase_all');
      expect(h.sandbox.reviewEvent(fresh.id).releasePipelineMetadata).toEqual({
        releasePipelineID: 'rp_checkout',
        phaseID: 'phase_all',
        gateID: 'new_checkout',
        triggerID: fresh.id,
      });

      const id = await waitingForStaging(h);
      const read = await h.request('GET', `${TRIGGERS}/${id}`);
      expect((read.body as { data: unknown }).data).toMatchObject({
        status: 'WAITING_FOR_REVIEW',
        currentPhase: 'Dev',
        currentPhaseID: 'phase_dev',
      });
      expect(h.sandbox.waitingPhase(id)).toBe('phase_staging');
      expect(h.sandbox.reviewEvent(id).releasePipelineMetadata).toEqual({
        releasePipelineID: 'rp_prompt',
        phaseID: 'phase_staging',
        dynamicConfigID: 'support_prompt',
        triggerID: id,
      });

      const wrong = await h.request('PUT', `${TRIGGERS}/${id}/approve`, { phaseID: 'phase_dev' });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual({
        status: 400,
        message: expect.stringContaining('phase_staging'),
      });
      const right = await h.request('PUT', `${TRIGGERS}/${id}/approve`, {
        phaseID: 'phase_staging',
      });
      expect(right.status).toBe(200);
      expect((right.body as { data: unknown }).data).toMatchObject({
        status: 'IN_PROGRESS',
        currentPhase: 'Staging',
        currentPhaseID: 'phase_staging',
        actions: expect.arrayContaining([
          expect.objectContaining({ type: 'APPROVED_FOR', phaseID: 'phase_staging' }),
        ]),
      });
      expect(h.sandbox.waitingPhase(id)).toBeNull();
      expectSpecValid(h.sandbox.calls);
    } finally {
      await h.sandbox.app.close();
    }
  });

  test("'waiting-phase' (the default): currentPhaseID names the phase waiting for review", async () => {
    const h = await harness();
    try {
      const id = await waitingForStaging(h);
      expect(h.sandbox.getTrigger(id)).toMatchObject({
        currentPhase: 'Staging',
        currentPhaseID: 'phase_staging',
      });
      expect(h.sandbox.waitingPhase(id)).toBe('phase_staging');
      const wrong = await h.request('PUT', `${TRIGGERS}/${id}/approve`, { phaseID: 'phase_dev' });
      expect(wrong.status).toBe(400);
      expect(
        (await h.request('PUT', `${TRIGGERS}/${id}/approve`, { phaseID: 'phase_staging' })).status,
      ).toBe(200);
      expectSpecValid(h.sandbox.calls);
    } finally {
      await h.sandbox.app.close();
    }
  });
});

describe('corrupt answers: 2xx, handled, but not what the spec promises', () => {
  let h: Harness;
  let id: string;

  beforeEach(async () => {
    h = await harness();
    id = h.sandbox.startRelease({
      pipelineID: 'rp_prompt',
      entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
    }).id;
  });

  afterEach(async () => {
    await h.sandbox.app.close();
  });

  const approve = () => h.request('PUT', `${TRIGGERS}/${id}/approve`, { phaseID: 'phase_dev' });
  const APPROVE = `${TRIGGERS}/{id}/approve`;

  test('malformed-json: a 200 whose body is not JSON, after the approval took effect', async () => {
    h.sandbox.addFault({ path: '/approve$', corrupt: 'malformed-json', times: 1 });
    const answer = await approve();
    expect(answer.status).toBe(200);
    expect(answer.body).toBeUndefined();
    expect(() => JSON.parse(answer.text)).toThrow();
    expect(h.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
    expect(h.sandbox.calls[0]).toMatchObject({
      status: 200,
      faulted: false,
      corrupted: 'malformed-json',
      responseBody: answer.text,
    });
    // The write happened in Statsig, so it counts as one.
    expect(h.sandbox.successfulWrites()).toHaveLength(1);
  });

  test('wrong-shape: valid JSON that is not the envelope', async () => {
    h.sandbox.addFault({ path: '/approve$', corrupt: 'wrong-shape' });
    const answer = await approve();
    expect(answer).toMatchObject({ status: 200, body: { ok: true } });
    expect(validateResponse('PUT', APPROVE, 200, answer.body).errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/required property 'data'/)]),
    );
    expect(h.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
  });

  test('unknown-enums: the real answer with undocumented status and action types', async () => {
    h.sandbox.addFault({ path: `/${id}$`, method: 'GET', corrupt: 'unknown-enums', times: 1 });
    expect((await approve()).status).toBe(200);
    const answer = await h.request('GET', `${TRIGGERS}/${id}`);
    const data = (answer.body as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({ id, status: 'RAMPING', currentPhaseID: 'phase_dev' });
    expect(data.actions).toEqual([
      expect.objectContaining({ type: 'AUTO_APPROVED', phaseID: 'phase_dev' }),
      expect.objectContaining({ type: 'AUTO_APPROVED', phaseID: 'phase_dev' }),
    ]);
    // status is a free string in the spec; the action types are an enum.
    const errors = validateResponse('GET', `${TRIGGERS}/{id}`, 200, answer.body).errors;
    expect(errors.some((error) => error.startsWith('/data/actions/0/type'))).toBe(true);
    expect(errors.some((error) => error.startsWith('/data/status'))).toBe(false);
    expect(h.sandbox.getTrigger(id)?.status).toBe('IN_PROGRESS');
    // The next read is the real answer again.
    const again = await h.request('GET', `${TRIGGERS}/${id}`);
    expect(validateResponse('GET', `${TRIGGERS}/{id}`, 200, again.body)).toEqual({
      valid: true,
      errors: [],
    });
  });

  test('an error answer is left alone: only 2xx answers are corrupted', async () => {
    h.sandbox.addFault({ path: '/approve$', corrupt: 'wrong-shape' });
    const wrong = await h.request('PUT', `${TRIGGERS}/${id}/approve`, { phaseID: 'phase_prod' });
    expect(wrong.status).toBe(400);
    expect(validateConsoleError(400, wrong.body).valid).toBe(true);
    expect(h.sandbox.calls[0]?.corrupted).toBeNull();
  });

  test('corrupt cannot be combined with a status', () => {
    expect(() => h.sandbox.addFault({ path: '.*', status: 503, corrupt: 'wrong-shape' })).toThrow(
      /not both/,
    );
  });
});
