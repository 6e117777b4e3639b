// Gates and dynamic configs: reads, rules (list and partial update) and the enable/disable kill
// switches, every answer checked against Statsig's spec (history: entity-versions.test.ts).
import {
  type SandboxDynamicConfig,
  type SandboxGate,
  type SandboxRule,
  type StartedSandbox,
  startSandbox,
} from '../../src/sandbox';
import {
  CONSOLE_API_KEY,
  http,
  PROMPT_CONFIG_V1,
  specBody,
  specData,
  specError,
  testSeed,
  useSandbox,
} from './helpers';

const sandbox = useSandbox();

const url = (path: string) => `${sandbox.server.consoleApiUrl}${path}`;
const put = (path: string) => http(url(path), { method: 'PUT' });
const patch = (path: string, body: unknown) => http(url(path), { method: 'PATCH', body });

describe('gates', () => {
  test('disable turns the gate off, marks it Disabled and bumps its version', async () => {
    const response = await put('/gates/kill_me/disable');
    expect(response.status).toBe(200);
    expect(specData<SandboxGate>(response)).toMatchObject({
      isEnabled: false,
      status: 'Disabled',
      version: 2,
      lastModifierName: 'CONSOLE API',
    });
    expect(sandbox.server.sandbox.getGate('kill_me')).toMatchObject({
      isEnabled: false,
      version: 2,
    });
  });

  test('disabling a disabled gate is 200 and changes nothing', async () => {
    await put('/gates/kill_me/disable');
    const again = await put('/gates/kill_me/disable');
    expect(again.status).toBe(200);
    expect(specData<SandboxGate>(again)).toMatchObject({ isEnabled: false, version: 2 });
  });

  test('enable turns it back on', async () => {
    await put('/gates/kill_me/disable');
    const response = await put('/gates/kill_me/enable');
    expect(specData<SandboxGate>(response)).toMatchObject({
      isEnabled: true,
      status: 'In Progress',
      version: 3,
    });
  });

  test('an unknown gate is 404, for reads and writes', async () => {
    for (const response of [await http(url('/gates/nope')), await put('/gates/nope/disable')]) {
      expect(response.status).toBe(404);
      expect(specError(response).message).toMatch(/nope/);
    }
  });

  test('a kill switch flipped during a release survives the release being aborted', async () => {
    const { id } = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: { kind: 'gate', id: 'new_checkout', rules: [] },
    });
    await put('/gates/new_checkout/disable');
    await put(`/release_pipeline_triggers/${id}/abort`);
    const gate = specData<SandboxGate>(await http(url('/gates/new_checkout')));
    expect(gate.isEnabled).toBe(false);
    expect(gate.rules.map((rule) => rule.id)).toEqual(['rule_staff']);
  });
});

describe('gate rules', () => {
  test('GET /rules lists them as one { rules } element of a page, as the spec says', async () => {
    const body = specBody<{ data: Array<{ rules: SandboxRule[] }>; pagination: unknown }>(
      await http(url('/gates/new_checkout/rules')),
    );
    expect(body.data).toEqual([
      {
        rules: [
          expect.objectContaining({ id: 'rule_staff', baseID: 'rule_staff', passPercentage: 100 }),
        ],
      },
    ]);
    expect(body.pagination).toMatchObject({ pageNumber: 1, nextPage: null, totalItems: 1 });
  });

  test('PATCH /rules/{ruleID} applies a partial update and answers the whole gate', async () => {
    const response = await patch('/gates/new_checkout/rules/rule_staff', { passPercentage: 0 });
    expect(response.status).toBe(200);
    const gate = specData<SandboxGate>(response);
    expect(gate).toMatchObject({ id: 'new_checkout', version: 4, isEnabled: true });
    expect(gate.rules).toEqual([
      {
        id: 'rule_staff',
        baseID: 'rule_staff',
        name: 'Staff',
        passPercentage: 0,
        conditions: [],
        environments: ['production'],
      },
    ]);
    expect(sandbox.server.sandbox.getGate('new_checkout')).toEqual(gate);
    expect(sandbox.server.sandbox.successfulWrites()).toHaveLength(1);
  });

  test('a PATCH may change conditions and environments too; id and baseID stay', async () => {
    const response = await patch('/gates/new_checkout/rules/rule_staff', {
      id: 'ignored',
      conditions: [{ type: 'country', operator: 'any', targetValue: ['CA'] }],
      environments: null,
    });
    expect(specData<SandboxGate>(response).rules[0]).toMatchObject({
      id: 'rule_staff',
      conditions: [{ type: 'country', operator: 'any', targetValue: ['CA'] }],
      environments: null,
    });
  });

  test.each([
    ['an unknown rule', '/gates/new_checkout/rules/nope', { passPercentage: 0 }, 404],
    ['an unknown gate', '/gates/nope/rules/rule_staff', { passPercentage: 0 }, 404],
    ['a percentage over 100', '/gates/new_checkout/rules/rule_staff', { passPercentage: 101 }, 400],
    [
      'a percentage finer than 0.01',
      '/gates/new_checkout/rules/rule_staff',
      { passPercentage: 0.001 },
      400,
    ],
    [
      'an unknown condition type',
      '/gates/new_checkout/rules/rule_staff',
      { conditions: [{ type: 'region' }] },
      400,
    ],
  ])('%s is refused and changes nothing', async (_name, path, body, status) => {
    const response = await patch(path, body);
    expect(response.status).toBe(status);
    expect(specError(response).status).toBe(status);
    expect(sandbox.server.sandbox.getGate('new_checkout')?.version).toBe(3);
  });
});

describe('dynamic configs', () => {
  test('read returns the seeded value with the fields the spec requires', async () => {
    const response = await http(url('/dynamic_configs/support_prompt'));
    expect(specData<SandboxDynamicConfig>(response)).toMatchObject({
      defaultValue: PROMPT_CONFIG_V1,
      isEnabled: true,
      status: 'Enabled',
      description: '',
      version: 7,
    });
  });

  test('disable and enable work like the gate ones', async () => {
    const off = await put('/dynamic_configs/support_prompt/disable');
    expect(specData<SandboxDynamicConfig>(off)).toMatchObject({
      isEnabled: false,
      status: 'Disabled',
      version: 8,
    });
    const on = await put('/dynamic_configs/support_prompt/enable');
    expect(specData<SandboxDynamicConfig>(on)).toMatchObject({ isEnabled: true, version: 9 });
    expect((await put('/dynamic_configs/nope/disable')).status).toBe(404);
  });

  test('rules: GET /rules and PATCH /rule/{ruleId} (singular, as the spec spells it)', async () => {
    sandbox.server.sandbox.reset({
      ...testSeed(),
      dynamicConfigs: [
        {
          id: 'support_prompt',
          isEnabled: true,
          defaultValue: PROMPT_CONFIG_V1,
          rules: [
            {
              id: '38ttpCpzrQFTMKcqFKk02l:10.00:1',
              name: 'Beta',
              passPercentage: 10,
              conditions: [],
              returnValue: { model: 'model-b' },
            },
          ],
        },
      ],
    });
    const ruleID = '38ttpCpzrQFTMKcqFKk02l:10.00:1';
    const listed = specBody<{ data: Array<{ rules: SandboxRule[] }> }>(
      await http(url('/dynamic_configs/support_prompt/rules')),
    );
    expect(listed.data[0]?.rules).toEqual([
      expect.objectContaining({ id: ruleID, baseID: '38ttpCpzrQFTMKcqFKk02l' }),
    ]);
    const response = await patch(`/dynamic_configs/support_prompt/rule/${ruleID}`, {
      passPercentage: 0,
      returnValueJson5: '{ model: "model-b" }',
    });
    const config = specData<SandboxDynamicConfig>(response);
    // The id keeps its seeded form by default, even though it embeds the old percentage.
    expect(config.rules[0]).toMatchObject({ id: ruleID, passPercentage: 0 });
    expect(config).toMatchObject({ version: 2 });
    // The gates' spelling does not exist for configs.
    expect((await patch(`/dynamic_configs/support_prompt/rules/${ruleID}`, {})).status).toBe(404);
  });
});

describe("ruleIdOnUpdate: 'follow-percentage'", () => {
  let server: StartedSandbox;

  beforeAll(async () => {
    server = await startSandbox({
      consoleApiKey: CONSOLE_API_KEY,
      seed: testSeed(),
      ruleIdOnUpdate: 'follow-percentage',
    });
  });

  afterAll(async () => {
    await server.close();
  });

  test('a new percentage gives the rule a new id, in the spec examples’ form', async () => {
    const response = await http(`${server.consoleApiUrl}/gates/new_checkout/rules/rule_staff`, {
      method: 'PATCH',
      body: { passPercentage: 25 },
    });
    const gate = specData<SandboxGate>(response);
    expect(gate.rules[0]).toMatchObject({
      id: 'rule_staff:25.00:1',
      baseID: 'rule_staff',
      passPercentage: 25,
    });
    const again = await http(
      `${server.consoleApiUrl}/gates/new_checkout/rules/rule_staff:25.00:1`,
      { method: 'PATCH', body: { passPercentage: 0 } },
    );
    expect(specData<SandboxGate>(again).rules[0]?.id).toBe('rule_staff:0.00:2');
    // The old id is gone: a writer holding it gets a 404 and must re-read the rules.
    const stale = await http(`${server.consoleApiUrl}/gates/new_checkout/rules/rule_staff`, {
      method: 'PATCH',
      body: { passPercentage: 5 },
    });
    expect(stale.status).toBe(404);
  });
});
