// Gates and dynamic configs: reads and the enable/disable kill switches (history: entity-versions.test.ts).
import {
  dynamicConfigSchema,
  errorBodySchema,
  gateSchema,
  successBody,
} from '../../src/statsig/schemas';
import { http, PROMPT_CONFIG_V1, useSandbox } from './helpers';

const gateBody = successBody(gateSchema);
const configBody = successBody(dynamicConfigSchema);

const sandbox = useSandbox();

const put = (path: string) => http(`${sandbox.server.consoleApiUrl}${path}`, { method: 'PUT' });

describe('gates', () => {
  test('disable turns the gate off and bumps its version', async () => {
    const response = await put('/gates/kill_me/disable');
    expect(response.status).toBe(200);
    expect(gateBody.parse(response.body).data).toMatchObject({ isEnabled: false, version: 2 });
    expect(sandbox.server.sandbox.getGate('kill_me')).toMatchObject({
      isEnabled: false,
      version: 2,
    });
  });

  test('disabling a disabled gate is 200 and changes nothing', async () => {
    await put('/gates/kill_me/disable');
    const again = await put('/gates/kill_me/disable');
    expect(again.status).toBe(200);
    expect(gateBody.parse(again.body).data).toMatchObject({ isEnabled: false, version: 2 });
  });

  test('enable turns it back on', async () => {
    await put('/gates/kill_me/disable');
    const response = await put('/gates/kill_me/enable');
    expect(gateBody.parse(response.body).data).toMatchObject({ isEnabled: true, version: 3 });
  });

  test('an unknown gate is 404, for reads and writes', async () => {
    for (const response of [
      await http(`${sandbox.server.consoleApiUrl}/gates/nope`),
      await put('/gates/nope/disable'),
    ]) {
      expect(response.status).toBe(404);
      expect(errorBodySchema.parse(response.body).message).toMatch(/nope/);
    }
  });

  test('a kill switch flipped during a release survives the release being aborted', async () => {
    const { id } = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: { kind: 'gate', id: 'new_checkout', rules: [] },
    });
    await put('/gates/new_checkout/disable');
    await put(`/release_pipeline_triggers/${id}/abort`);
    const gate = gateBody.parse(
      (await http(`${sandbox.server.consoleApiUrl}/gates/new_checkout`)).body,
    ).data;
    expect(gate.isEnabled).toBe(false);
    expect(gate.rules.map((rule) => rule.id)).toEqual(['rule_staff']);
  });
});

describe('dynamic configs', () => {
  test('read returns the seeded value', async () => {
    const response = await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt`);
    expect(configBody.parse(response.body).data).toMatchObject({
      defaultValue: PROMPT_CONFIG_V1,
      isEnabled: true,
      version: 7,
    });
  });

  test('disable and enable work like the gate ones', async () => {
    const off = await put('/dynamic_configs/support_prompt/disable');
    expect(configBody.parse(off.body).data).toMatchObject({ isEnabled: false, version: 8 });
    const on = await put('/dynamic_configs/support_prompt/enable');
    expect(configBody.parse(on.body).data).toMatchObject({ isEnabled: true, version: 9 });
    expect((await put('/dynamic_configs/nope/disable')).status).toBe(404);
  });
});
