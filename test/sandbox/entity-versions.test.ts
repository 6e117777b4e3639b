// Version history of gates and dynamic configs, as Statsig's spec describes it
// (`GET /gates/{id}/versions`, `GET /dynamic_configs/{id}/versions`: the whole entity as of each
// version, paged with ?limit=&page= only), and the client's search for the version a review
// compares against.
import type { SandboxDynamicConfig, SandboxGate } from '../../src/sandbox';
import { chooseBaseline } from '../../src/statsig/baseline';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { StatsigApiError } from '../../src/statsig/errors';
import {
  CONSOLE_API_KEY,
  type HttpResult,
  http,
  PROMPT_CONFIG_V1,
  specBody,
  specError,
  T0,
  useSandbox,
} from './helpers';

const DAY = 24 * 60 * 60 * 1000;

interface Page<T> {
  data: T[];
  pagination: {
    itemsPerPage: number;
    pageNumber: number;
    nextPage: string | null;
    previousPage: string | null;
    totalItems?: number;
  };
}

const configPage = (response: HttpResult) => specBody<Page<SandboxDynamicConfig>>(response);
const gatePage = (response: HttpResult) => specBody<Page<SandboxGate>>(response);

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

const VERSIONS = '/console/v1/dynamic_configs/support_prompt/versions';

describe('GET /dynamic_configs/{id}/versions', () => {
  test('lists the whole config as of each version, newest first, with pagination', async () => {
    await releaseAndAbort();
    const response = await http(
      `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`,
    );
    expect(response.status).toBe(200);
    const body = configPage(response);
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
      createdTime: T0,
      lastModifiedTime: T0 + DAY,
      lastModifierID: 'sandbox_user',
      lastModifierName: 'Ada',
    });
    expect(body.data[0]).toMatchObject({
      lastModifiedTime: T0 + 2 * DAY,
      lastModifierName: 'CONSOLE API',
    });
    // The spec gives no default page size, only the example 10; the sandbox uses that.
    expect(body.pagination).toEqual({
      itemsPerPage: 10,
      pageNumber: 1,
      nextPage: null,
      previousPage: null,
      totalItems: 3,
    });
  });

  test('pages with limit and page; the neighbours are relative URLs', async () => {
    await releaseAndAbort();
    const url = `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`;
    const first = configPage(await http(`${url}?limit=2&page=1`));
    const second = configPage(await http(`${url}?limit=2&page=2`));
    expect(first.data.map((config) => config.version)).toEqual([9, 8]);
    expect(first.pagination).toMatchObject({
      nextPage: `${VERSIONS}?page=2&limit=2`,
      previousPage: null,
      totalItems: 3,
    });
    expect(second.data.map((config) => config.version)).toEqual([7]);
    expect(second.pagination).toMatchObject({
      nextPage: null,
      previousPage: `${VERSIONS}?page=1&limit=2`,
      pageNumber: 2,
    });
  });

  test('takes no date filters: the spec gives /versions only limit and page', async () => {
    await releaseAndAbort();
    const url = `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`;
    const day = new Date(T0 + DAY).toISOString().slice(0, 10);
    const body = configPage(await http(`${url}?startDate=${day}&endDate=${day}`));
    expect(body.data.map((config) => config.version)).toEqual([9, 8, 7]);
  });

  test('keeps a kill switch flip as a version of its own', async () => {
    sandbox.clock = T0 + 5_000;
    await put('/dynamic_configs/support_prompt/disable');
    const body = configPage(
      await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions`),
    );
    expect(body.data.map((config) => [config.version, config.isEnabled, config.status])).toEqual([
      [8, false, 'Disabled'],
      [7, true, 'Enabled'],
    ]);
  });

  test.each([
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['page=zero', 'page'],
  ])('answers 400 to a bad query (%s)', async (query, field) => {
    const response = await http(
      `${sandbox.server.consoleApiUrl}/dynamic_configs/support_prompt/versions?${query}`,
    );
    expect(response.status).toBe(400);
    const body = specError(response);
    expect(body).toMatchObject({ status: 400 });
    expect(body.message).toContain(field);
  });

  test('an unknown config is 404, in the shape the spec declares for it', async () => {
    const response = await http(`${sandbox.server.consoleApiUrl}/dynamic_configs/nope/versions`);
    expect(response.status).toBe(404);
    expect(specError(response).status).toBe(404);
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
    const body = gatePage(
      await http(`${sandbox.server.consoleApiUrl}/gates/new_checkout/versions`),
    );
    expect(body.data.map((gate) => [gate.version, gate.rules.map((rule) => rule.id)])).toEqual([
      [5, ['rule_staff']],
      [4, []],
      [3, ['rule_staff']],
    ]);
    expect(body.pagination.totalItems).toBe(3);
  });

  test('an unknown gate is 404', async () => {
    const response = await http(`${sandbox.server.consoleApiUrl}/gates/nope/versions`);
    expect(response.status).toBe(404);
    expect(specError(response).status).toBe(404);
  });
});

// The client (src/statsig/) against the sandbox: every page of versions, and the baseline chosen from
// them (src/statsig/baseline.ts).
describe('the released version a candidate is compared with', () => {
  const baselineOf = async (kind: 'gate' | 'dynamic_config', id: string, version: number | null) =>
    chooseBaseline(await client.allVersions(kind, id), { kind, id, version });

  test('finds the latest version older than the one under review', async () => {
    await releaseAndAbort();
    expect((await baselineOf('dynamic_config', 'support_prompt', 9)).entity).toMatchObject({
      version: 8,
      defaultValue: { model: 'model-b' },
    });
    expect((await baselineOf('dynamic_config', 'support_prompt', 8)).entity).toMatchObject({
      version: 7,
      defaultValue: PROMPT_CONFIG_V1,
    });
  });

  test('reads past the first page (a string nextPage)', async () => {
    for (let flip = 0; flip < 120; flip += 1) {
      await put(`/dynamic_configs/support_prompt/${flip % 2 === 0 ? 'disable' : 'enable'}`);
    }
    // Versions 7..127; the one before 8 sits on the second page of 100.
    expect((await baselineOf('dynamic_config', 'support_prompt', 8)).entity).toMatchObject({
      version: 7,
      isEnabled: true,
    });
    const pages = sandbox.server.sandbox.calls.filter((call) => call.path.endsWith('/versions'));
    expect(pages.map((call) => call.query.page)).toEqual(['1', '2']);
  });

  test('says why when the entity has no earlier version', async () => {
    expect(await baselineOf('gate', 'kill_me', 1)).toEqual({
      entity: null,
      reason: 'kill_me has no version older than 1 to compare with',
    });
  });

  test('a missing entity is a STATSIG_NOT_FOUND error', async () => {
    await expect(client.allVersions('gate', 'nope')).rejects.toMatchObject({
      code: 'STATSIG_NOT_FOUND',
    });
    await expect(client.allVersions('gate', 'nope')).rejects.toBeInstanceOf(StatsigApiError);
  });
});
