// The Console and Events API clients against Statsig's published spec, not against our sandbox:
// every response example of every endpoint we call is served byte for byte by a plain HTTP server
// and read through the client (checking the values a review decides on), and every request we send
// is validated against the spec's request schema.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reviewEvents } from '../../activities/record-result';
import { pulse } from '../../src/gate/kinds/pulse';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { StatsigApiError } from '../../src/statsig/errors';
import { StatsigEventsClient } from '../../src/statsig/events-client';
import { waitingPhase } from '../../src/statsig/phases';
import type { StatsigSurprise } from '../../src/statsig/surprises';
import { configHash, entityTarget } from '../../src/statsig/targets';
import type { ReviewReport } from '../../workflows/contract';
import { benchmarkContext } from '../gate/context';
import { type HttpMethod, matchOperation, responseExamples, validateRequest } from './spec';

const API_KEY = 'console-contractTestKey1234';

interface Received {
  method: string;
  path: string;
  /** The query string, without '?'. */
  query: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

let server: Server;
let baseUrl: string;
const received: Received[] = [];
/** What the server answers next: an example from the spec, by status. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const surprises: StatsigSurprise[] = [];
let client: StatsigConsoleClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: request.method ?? '',
        path: (request.url ?? '').split('?')[0] ?? '',
        query: (request.url ?? '').split('?')[1] ?? '',
        headers: request.headers,
        body: text === '' ? undefined : JSON.parse(text),
      });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new StatsigConsoleClient({
    baseUrl: `${baseUrl}/console/v1`,
    apiKey: API_KEY,
    timeoutMs: 5_000,
    onSurprise: (surprise) => surprises.push(surprise),
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  surprises.length = 0;
});

/** The only example the spec gives for an operation's status. */
function example(method: HttpMethod, path: string, status = 200): unknown {
  const found = responseExamples(method, path).filter((entry) => entry.status === status);
  expect(found).toHaveLength(1);
  return found[0]?.example;
}

function serve(method: HttpMethod, path: string, status = 200): void {
  answer = { status, body: example(method, path, status) };
}

describe("reading every example of Statsig's spec for the endpoints we call", () => {
  it('GET /release_pipeline_triggers/{id}: a display-name currentPhase and a gate', async () => {
    serve('GET', '/console/v1/release_pipeline_triggers/{id}');
    const trigger = await client.getTrigger('trigger_1646560789123');
    expect(trigger).toMatchObject({
      id: 'trigger_1646560789123',
      releasePipelineID: 'pipeline_123456',
      status: 'IN_PROGRESS',
      currentPhase: 'Phase 1',
      currentPhaseID: 'phase_123456',
      gateID: 'gate_123456',
      createdTime: 1646560789123,
      actions: [expect.objectContaining({ type: 'STARTED', phaseID: 'phase_123456' })],
    });
    expect(surprises).toEqual([]);
  });

  it('GET /release_pipeline_triggers: every trigger of the page, gate or dynamic config', async () => {
    serve('GET', '/console/v1/release_pipeline_triggers');
    const page = await client.listTriggers({ status: 'WAITING_FOR_REVIEW' }, { limit: 10 });
    expect(
      page.data.map((trigger) => [trigger.id, trigger.gateID, trigger.dynamicConfigID]),
    ).toEqual([
      ['trigger_1646560789123', 'gate_123456', undefined],
      ['trigger_1646560789124', undefined, 'dynamic_config_123456'],
    ]);
    expect(page.pagination?.nextPage).toBeNull();
  });

  it('GET /release_pipelines/{id}: phases in order, with review requirements', async () => {
    serve('GET', '/console/v1/release_pipelines/{id}');
    const pipeline = await client.getPipeline('45aiIXz4aaAadWtYEetjko');
    expect(pipeline.phases.map((phase) => [phase.id, phase.name, phase.requiredReview])).toEqual([
      ['24hiIXz3kbFaDwtYEetv2i', 'Phase 1', false],
    ]);
  });

  it('GET /gates/{id}: a gate without a version is read, and its content identifies it', async () => {
    serve('GET', '/console/v1/gates/{id}');
    const gate = await client.getGate('a_gate');
    const target = entityTarget('gate', gate);
    expect(target).toMatchObject({ kind: 'gate', id: 'a_gate', name: 'A Gate', version: null });
    expect(configHash(target)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(surprises).toEqual([{ path: '/gates/a_gate', field: 'version', value: 'missing' }]);
  });

  it('GET /dynamic_configs/{id}: the default value under review and its rules', async () => {
    serve('GET', '/console/v1/dynamic_configs/{id}');
    const target = entityTarget(
      'dynamic_config',
      await client.getDynamicConfig('a_dynamic_config'),
    );
    expect(target).toMatchObject({
      id: 'a_dynamic_config',
      version: null,
      value: { key: 'the default value' },
      rules: [
        expect.objectContaining({ id: '38ttpCpzrQFTMKcqFKk02l:10.00:1', passPercentage: 10 }),
      ],
    });
  });

  it.each([401, 404])(
    'GET /dynamic_configs/{id} → %i: a stable code, and never the key Statsig quotes back',
    async (status) => {
      serve('GET', '/console/v1/dynamic_configs/{id}', status);
      const error = await client.getDynamicConfig('x').then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(StatsigApiError);
      expect(error).toMatchObject({ retryable: false, details: { status } });
      expect((error as Error).message).not.toMatch(/console-[A-Za-z0-9]{8,}/);
    },
  );

  it('GET /gates/{id}/rules/{ruleID}/pulse_results: every metric, test against control', async () => {
    serve('GET', '/console/v1/gates/{id}/rules/{ruleID}/pulse_results');
    const results = await client.getGatePulseResults('a_gate', 'rule:10.00:1', {
      confidence: 95,
      cuped: true,
    });
    expect(received[0]).toMatchObject({
      method: 'GET',
      path: '/console/v1/gates/a_gate/rules/rule%3A10.00%3A1/pulse_results',
      query: 'confidence=95&cuped=true',
    });
    expect(results.ds).toBe('2024-09-12');
    expect(
      results.monitoringMetrics.map((metric) => [
        metric.metricID,
        metric.directionality,
        metric.percentChange,
        metric.percentConfidenceIntervalDelta,
        metric.testUnits,
        metric.controlUnits,
      ]),
    ).toEqual([
      ['conversion_rate', 'increase', 2.5, 1.5, 1500, 1480],
      ['user_engagement', 'increase', 3.2, 1.7, 2200, 2150],
    ]);
    expect(surprises).toEqual([]);
  });

  it('the pulse kind reads the same example into lifts and intervals a criterion judges', async () => {
    serve('GET', '/console/v1/gates/{id}/rules/{ruleID}/pulse_results');
    const live = pulse({
      name: 'live',
      metricIDs: ['conversion_rate', 'user_engagement'],
      console: { consoleApiUrl: `${baseUrl}/console/v1`, apiKey: API_KEY },
    });
    const gate = entityTarget('gate', {
      id: 'a_gate',
      name: 'A Gate',
      rules: [{ id: 'rule:10.00:1', passPercentage: 10 }],
    });
    const output = await live.run(await benchmarkContext({ target: gate }));
    expect(output.metrics).toEqual({
      rules: 1,
      'conversion_rate.lift': 2.5,
      'conversion_rate.lift_low': 1,
      'conversion_rate.lift_high': 4,
      'conversion_rate.harm': -1,
      'conversion_rate.p_value': 0.045,
      'conversion_rate.units': 1480,
      'user_engagement.lift': 3.2,
      'user_engagement.lift_low': expect.closeTo(1.5, 12),
      'user_engagement.lift_high': expect.closeTo(4.9, 12),
      'user_engagement.harm': expect.closeTo(-1.5, 12),
      'user_engagement.p_value': 0.025,
      'user_engagement.units': 2150,
    });
    expect(output.inconclusive).toEqual({});
    // The example's sequential-testing half-widths are negative: no interval to judge by.
    const sequential = pulse({
      name: 'live',
      metricIDs: ['conversion_rate'],
      interval: 'sequential',
      console: { consoleApiUrl: `${baseUrl}/console/v1`, apiKey: API_KEY },
    });
    const unusable = await sequential.run(await benchmarkContext({ target: gate }));
    expect(unusable.inconclusive?.['conversion_rate.lift_low']).toBe(
      'rule rule:10.00:1 of gate a_gate: Pulse gave conversion_rate no usable sequential confidence interval (2024-09-12): percentChange 2.5, interval half-width -0.8',
    );
  });

  it('PUT /gates/{id}/disable: the documented answer confirms the write', async () => {
    serve('PUT', '/console/v1/gates/{id}/disable');
    expect(await client.disableEntity('gate', 'a_gate')).toEqual({ confirmed: true });
  });

  it.each([
    ['PATCH', '/console/v1/gates/{id}/rules/{ruleID}', 'gate'],
    ['PATCH', '/console/v1/dynamic_configs/{id}/rule/{ruleId}', 'dynamic_config'],
  ] as const)('%s %s: the answer confirms the rule update', async (method, path, kind) => {
    serve(method, path);
    expect(await client.updateRule(kind, 'x', 'r:10.00:1', { passPercentage: 0 })).toEqual({
      confirmed: true,
    });
  });

  it.each([
    ['POST', '/console/v1/change_validation'],
    ['PATCH', '/console/v1/change_validation/message'],
  ] as const)('%s %s: the answer confirms the validation', async (method, path) => {
    serve(method, path);
    const call =
      method === 'POST'
        ? client.postChangeValidation({ reviewID: 'r1', validated: true })
        : client.patchChangeValidationMessage('r1', 'running benchmarks');
    expect(await call).toEqual({ confirmed: true });
  });
});

describe('what we send, against the spec request schemas', () => {
  const report: ReviewReport = {
    request: { releasePipelineID: 'rp', triggerID: 't', phaseID: 'p', receivedAtMs: 1 },
    outcome: 'decided',
    verdict: 'pass',
    criteria: [],
    benchmarks: [
      { suite: 's', benchmark: 'b', status: 'completed', metrics: { quality: 0.9 }, durationMs: 5 },
    ],
    action: 'approved',
    reason: 'every criterion passed',
    reruns: 0,
    startedAtMs: 1,
    decidedAtMs: 2,
  };

  it.each([
    ['approve', () => client.approvePhase('t1', 'phase_2')],
    ['abort', () => client.abortTrigger('t1')],
    ['pause', () => client.pauseTrigger('t1', 'phase_2')],
    ['unpause', () => client.unpauseTrigger('t1', 'phase_2')],
    [
      'undo a gate rule rollback',
      () => client.updateRule('gate', 'g1', 'r1:0.00:2', { passPercentage: 25 }),
    ],
    ['disable a gate', () => client.disableEntity('gate', 'g1')],
    ['disable a dynamic config', () => client.disableEntity('dynamic_config', 'dc1')],
    ['roll back a gate rule', () => client.updateRule('gate', 'g1', 'r1', { passPercentage: 0 })],
    [
      'restore a config rule',
      () => client.updateRule('dynamic_config', 'dc1', 'r1', { returnValue: { a: 1 } }),
    ],
    [
      'validate a change',
      () =>
        client.postChangeValidation({
          reviewID: 'r1',
          validated: false,
          message: 'quality 0.5 < 0.8',
          debugLinks: [{ title: 'report', url: 'https://example.com/r1' }],
        }),
    ],
    ['post progress', () => client.patchChangeValidationMessage('r1', 'running 3 benchmarks')],
  ])('%s', async (_name, call) => {
    answer = { status: 200, body: { message: 'ok', data: {} } };
    await call();
    expect(received).toHaveLength(1);
    const [request] = received as [Received];
    const match = matchOperation(request.method, request.path);
    expect(match).toBeDefined();
    expect(request.headers['statsig-api-key']).toBe(API_KEY);
    const method = request.method as HttpMethod;
    expect(validateRequest(method, match?.operation.path ?? '', request.body)).toEqual({
      valid: true,
      errors: [],
    });
  });

  it('log_event with a decided review', async () => {
    const events = new StatsigEventsClient({
      baseUrl: `${baseUrl}/v1`,
      serverSecret: 'secret-abc',
      timeoutMs: 5_000,
    });
    answer = { status: 202, body: example('POST', '/v1/log_event', 202) };
    await events.logEvents(reviewEvents(report, { workflowId: 'review-rpt_1-p1', runId: 'run-1' }));
    const [request] = received as [Received];
    expect(request.headers['statsig-api-key']).toBe('secret-abc');
    expect(validateRequest('POST', '/v1/log_event', request.body)).toEqual({
      valid: true,
      errors: [],
    });
  });
});

describe('the phase that waits, under both readings of currentPhaseID', () => {
  const pipeline = {
    phases: [
      { id: 'p10', requiredReview: false, rules: [] },
      { id: 'p50', requiredReview: true, rules: [] },
      { id: 'p100', requiredReview: true, rules: [] },
    ],
  };
  const approvedP50 = [{ type: 'APPROVED_FOR', phaseID: 'p50' }];

  it.each([
    ['the waiting phase', 'p50', [], 'p50'],
    ['the last completed phase', 'p10', [], 'p50'],
    ['nothing yet', null, [], 'p50'],
    ['the waiting phase, after p50 was approved', 'p100', approvedP50, 'p100'],
    ['the last completed phase, after p50 was approved', 'p50', approvedP50, 'p100'],
  ])('currentPhaseID naming %s', (_reading, currentPhaseID, actions, waiting) => {
    const trigger = { status: 'WAITING_FOR_REVIEW', currentPhaseID, actions };
    expect(waitingPhase(trigger, pipeline)).toEqual({ phaseID: waiting, basis: 'pipeline order' });
  });

  it('no phase waits when the trigger does not, or every reviewed phase is settled', () => {
    expect(
      waitingPhase({ status: 'IN_PROGRESS', currentPhaseID: 'p50', actions: [] }, pipeline),
    ).toEqual({ phaseID: null, basis: 'not waiting' });
    const settled = [
      { type: 'APPROVED_FOR', phaseID: 'p50' },
      { type: 'SKIPPED', phaseID: 'p100' },
    ];
    expect(
      waitingPhase(
        { status: 'WAITING_FOR_REVIEW', currentPhaseID: 'p50', actions: settled },
        pipeline,
      ),
    ).toEqual({ phaseID: null, basis: 'pipeline order' });
  });

  it('phases without IDs fall back to the announced phase, unless it is settled', () => {
    const unnamed = { phases: [{ requiredReview: true, rules: [] }] };
    const trigger = { status: 'WAITING_FOR_REVIEW', currentPhaseID: 'p10', actions: approvedP50 };
    expect(waitingPhase(trigger, unnamed, 'p100')).toEqual({
      phaseID: 'p100',
      basis: 'announced phase',
    });
    expect(waitingPhase(trigger, unnamed, 'p50').phaseID).toBeNull();
  });
});
