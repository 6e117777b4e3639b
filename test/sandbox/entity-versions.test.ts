// Version history of gates and dynamic configs, as Statsig documents it
// (`GET /gates/{id}/versions`, `GET /dynamic_configs/{id}/versions`: the whole entity as of each
// version, paged with ?limit=&page=, filtered with ?startDate=&endDate=), and the client's search
// for the version a review compares against.
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { StatsigApiError } from '../../src/statsig/errors';
import {
  dynamicConfigSchema,
  errorBodySchema,
  gateSchema,
  pageBody,
} from '../../src/statsig/schemas';
import {
  CONSOLE_API_KEY,
  http,
  PROMPT_CONFIG_V1,
  paginationSchema,
  T0,
  useSandbox,
} from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const configVersions = pageBody(dynamicConfigSchema);
const gateVersions = pageBody(gateSchema);

const sandbox = useSandbox();
let client: StatsigConsoleClient;

beforeAll(() => {
  client = new StatsigConsoleClient({
    baseUrl: sandbox.server.consoleApiUrl,
    apiKey: CONSOLE_API_KEY,
    timeoutMs: 5_000,
  });
});

const put = (path: string) => http(`${sandbox.server.consoleApiUrl}${path}`, { method: 'PUT' });

/** A release of model-b a day after the seed, aborted (reverted) a day later. */
async function releaseAndAbort(): Promise<void> {
  sandbox.clock = T0 + DAY;
  const { id } = sandbox.server.sandbox.startRelease({
    pipelineID: 'rp_prompt',
    entity: { kind: 'dynamic_config', id: 'support_prompt', defaultValue: { model: 'model-b' } },
    creatorName: 'Ada',
  });
  sandbox.clock = T0 + 2 * DAY;
  await put(`/release_pipeline_triggers/${id}/abort`);
}

describe('GET /dynamic_configs/{id}/versions', () => {
  test('lists the whole config as of each version, newest first, with pagination', async () => {
    await releaseAndAbort();
    const response = await http(
      `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`,
    );
    expect(response.status).toBe(200);
    const body = configVersions.parse(response.body);
    expect(body.data.map((config) => [config.version, config.defaultValue])).toEqual([
      [9, PROMPT_CONFIG_V1],
      [8, { model: 'model-b' }],
      [7, PROMPT_CONFIG_V1],
    ]);
    expect(body.data[1]).toMatchObject({
      id: 'support_prompt',
      name: 'support_prompt',
      isEnabled: true,
      releasePipelineID: 'rp_prompt',
      lastModifiedTime: T0 + DAY,
      lastModifierName: 'Ada',
    });
    expect(body.data[0]).toMatchObject({
      lastModifiedTime: T0 + 2 * DAY,
      lastModifierName: 'Console API',
    });
    expect(paginationSchema.parse(body.pagination)).toEqual({
      itemsPerPage: 10,
      pageNumber: 1,
      nextPage: null,
      previousPage: null,
      totalItems: 3,
    });
  });

  test('pages with limit and page', async () => {
    await releaseAndAbort();
    const url = `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`;
    const first = configVersions.parse((await http(`${url}?limit=2&page=1`)).body);
    const second = configVersions.parse((await http(`${url}?limit=2&page=2`)).body);
    expect(first.data.map((config) => config.version)).toEqual([9, 8]);
    expect(first.pagination).toMatchObject({ nextPage: 2, previousPage: null, totalItems: 3 });
    expect(second.data.map((config) => config.version)).toEqual([7]);
    expect(second.pagination).toMatchObject({ nextPage: null, previousPage: 1, pageNumber: 2 });
  });

  test('filters on the day each version was last modified (UTC, inclusive)', async () => {
    await releaseAndAbort();
    const url = `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`;
    const day = (offset: number) => new Date(T0 + offset * DAY).toISOString().slice(0, 10);
    const onlyRelease = configVersions.parse(
      (await http(`${url}?startDate=${day(1)}&endDate=${day(1)}`)).body,
    );
    expect(onlyRelease.data.map((config) => config.version)).toEqual([8]);
    const fromRelease = configVersions.parse((await http(`${url}?startDate=${day(1)}`)).body);
    expect(fromRelease.data.map((config) => config.version)).toEqual([9, 8]);
  });

  test('keeps a kill switch flip as a version of its own', async () => {
    sandbox.clock = T0 + 5_000;
    await put('/dynamic_configs/support_prompt/disable');
    const body = configVersions.parse(
      (await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`)).body,
    );
    expect(body.data.map((config) => [config.version, config.isEnabled])).toEqual([
      [8, false],
      [7, true],
    ]);
  });

  test.each([
    ['limit=0', 'limit'],
    ['page=zero', 'page'],
    ['startDate=2024-13-45', 'startDate'],
    ['endDate=yesterday', 'endDate'],
  ])('answers 400 to a bad query (%s)', async (query, field) => {
    const response = await http(
      `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions?${query}`,
    );
    expect(response.status).toBe(400);
    const body = errorBodySchema.parse(response.body);
    expect(body).toMatchObject({ status: 400 });
    expect(body.message).toContain(field);
  });

  test('an unknown config is 404', async () => {
    const response = await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/nope/versions`);
    expect(response.status).toBe(404);
    expect(errorBodySchema.parse(response.body).status).toBe(404);
  });
});

describe('GET /gates/{id}/versions', () => {
  test('records the release and the revert of a gate', async () => {
    sandbox.clock = T0 + DAY;
    const { id } = sandbox.server.sandbox.startRelease({
      pipelineID: 'rp_checkout',
      entity: { kind: 'gate', id: 'new_checkout', rules: [] },
    });
    sandbox.clock = T0 + 2 * DAY;
    await put(`/release_pipeline_triggers/${id}/abort`);
    const body = gateVersions.parse(
      (await http(`${sandbox.server.consoleApiUrl}/gates/new_checkout/versions`)).body,
    );
    expect(body.data.map((gate) => [gate.version, gate.rules.map((rule) => rule.id)])).toEqual([
      [5, ['rule_staff']],
      [4, []],
      [3, ['rule_staff']],
    ]);
    expect(body.pagination.totalItems).toBe(3);
  });

  test('an unknown gate is 404', async () => {
    expect((await http(`${sandbox.server.consoleApiUrl}/gates/nope/versions`)).status).toBe(404);
  });
});

describe('StatsigConsoleClient.findVersionBefore', () => {
  test('finds the latest version older than the one under review', async () => {
    await releaseAndAbort();
    const before9 = await client.findVersionBefore('dynamic_config', 'support_prompt', 9);
    expect(before9).toMatchObject({ version: 8, defaultValue: { model: 'model-b' } });
    const before8 = await client.findVersionBefore('dynamic_config', 'support_prompt', 8);
    expect(before8).toMatchObject({ version: 7, defaultValue: PROMPT_CONFIG_V1 });
  });

  test('reads past the first page', async () => {
    for (let flip = 0; flip < 120; flip += 1) {
      await put(`/dynamic_configs/support_prompt/${flip % 2 === 0 ? 'disable' : 'enable'}`);
    }
    // Versions 7..127; the one before 8 sits on the second page of 100.
    const found = await client.findVersionBefore('dynamic_config', 'support_prompt', 8);
    expect(found).toMatchObject({ version: 7, isEnabled: true });
    const pages = sandbox.server.sandbox.calls.filter((call) => call.path.endsWith('/versions'));
    expect(pages.map((call) => call.query.page)).toEqual(['1', '2']);
  });

  test('answers null when the entity has no earlier version', async () => {
    expect(await client.findVersionBefore('gate', 'kill_me', 1)).toBeNull();
  });

  test('a missing entity is a STATSIG_NOT_FOUND error', async () => {
    await expect(client.findVersionBefore('gate', 'nope', 2)).rejects.toMatchObject({
      code: 'STATSIG_NOT_FOUND',
    });
    await expect(client.findVersionBefore('gate', 'nope', 2)).rejects.toBeInstanceOf(
      StatsigApiError,
    );
  });
});
