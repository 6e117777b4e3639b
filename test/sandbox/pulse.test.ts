// Pulse results: set over the admin API (or programmatically), served by
// `GET /gates/{id}/rules/{ruleID}/pulse_results` as Statsig's spec shapes them, checked at setting
// time against the spec's closed metric object, and cleared by a reset.
import { type SandboxPulseResults, startSandbox } from '../../src/sandbox';
import { CONSOLE_API_KEY, http, specData, specError, T0, useSandbox } from './helpers';

const sandbox = useSandbox();

const PULSE = '/gates/new_checkout/rules/rule_staff/pulse_results';
const admin = (path: string, body: unknown) =>
  http(`${sandbox.server.url}/_sandbox${path}`, { method: 'PUT', body, apiKey: null });
const read = (path = PULSE) => http(`${sandbox.server.consoleApiUrl}${path}`);

const RESULTS = {
  ds: '2026-11-30',
  monitoringMetrics: [
    {
      metricID: 'checkout_conversion',
      metricName: 'Checkout conversion',
      directionality: 'increase',
      percentChange: -3,
      percentConfidenceIntervalDelta: 1.2,
      testUnits: 2400,
      controlUnits: 2380,
    },
  ],
};

describe('pulse results', () => {
  test('a rule serves no metrics, dated today, until results are set', async () => {
    expect(specData<SandboxPulseResults>(await read())).toEqual({
      ds: new Date(T0).toISOString().slice(0, 10),
      monitoringMetrics: [],
    });
  });

  test('results set over the admin API are what the Console API serves', async () => {
    const set = await admin(PULSE, RESULTS);
    expect(set).toMatchObject({ status: 200, body: RESULTS });
    const answer = await read(`${PULSE}?confidence=95&cuped=false`);
    expect(specData<SandboxPulseResults>(answer)).toEqual(RESULTS);
    expect((answer.body as { message: string }).message).toBe('Successfully loaded Pulse Results');
    sandbox.server.sandbox.reset();
    expect(specData<SandboxPulseResults>(await read()).monitoringMetrics).toEqual([]);
  });

  test('unknown gates and rules answer 404; results the spec would refuse, 400', async () => {
    expect(specError(await read('/gates/nope/rules/rule_staff/pulse_results')).status).toBe(404);
    expect(specError(await read('/gates/new_checkout/rules/nope/pulse_results'))).toEqual({
      status: 404,
      message: 'Rule nope not found on new_checkout',
    });
    expect((await admin('/gates/new_checkout/rules/nope/pulse_results', RESULTS)).status).toBe(404);
    const extra = { monitoringMetrics: [{ ...RESULTS.monitoringMetrics[0], lift: 2 }] };
    const refused = await admin(PULSE, extra);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/Unrecognized key: \\"lift\\"/);
    const badDirection = {
      monitoringMetrics: [{ ...RESULTS.monitoringMetrics[0], directionality: 'up' }],
    };
    expect((await admin(PULSE, badDirection)).status).toBe(400);
  });

  test('pulse results exist for gates only', async () => {
    const started = await startSandbox({ consoleApiKey: CONSOLE_API_KEY });
    try {
      const answer = await http(`${started.consoleApiUrl}/dynamic_configs/x/rules/r/pulse_results`);
      expect(answer.status).toBe(404);
    } finally {
      await started.close();
    }
  });
});
