// Listing triggers: filters (pipeline, entity, status, creation day) and Statsig's 1-based
// pagination with relative page links, every answer checked against the spec; and how seeded
// triggers (which may carry an older seed's numeric currentPhase) are served.
import { type SandboxSeed, type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { CONSOLE_API_KEY, http, specBody, specError, T0, testSeed } from './helpers';

const DAY = 24 * 60 * 60 * 1000;
const LIST = '/console/v1/release_pipeline_triggers';

let server: StartedSandbox;

const triggers: NonNullable<SandboxSeed['triggers']> = [
  {
    id: 'rpt_a',
    releasePipelineID: 'rp_prompt',
    dynamicConfigID: 'support_prompt',
    status: 'COMPLETED',
    createdTime: T0,
    actions: [],
  },
  {
    id: 'rpt_b',
    releasePipelineID: 'rp_prompt',
    dynamicConfigID: 'support_prompt',
    status: 'ABORTED',
    description: null,
    createdTime: T0 + DAY,
    actions: [{ type: 'ABORTED', timeMs: T0 + DAY, phaseID: null, actorName: 'Ada' }],
  },
  {
    id: 'rpt_c',
    releasePipelineID: 'rp_checkout',
    gateID: 'new_checkout',
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 0,
    currentPhaseID: 'phase_all',
    createdTime: T0 + 2 * DAY,
    actions: [],
  },
  {
    id: 'rpt_d',
    releasePipelineID: 'rp_prompt',
    dynamicConfigID: 'support_prompt',
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 1,
    currentPhaseID: 'phase_staging',
    createdTime: T0 + 3 * DAY,
    actions: [],
  },
];

interface TriggerPage {
  data: Array<Record<string, unknown> & { id: string }>;
  pagination: Record<string, unknown>;
}

beforeAll(async () => {
  server = await startSandbox({
    consoleApiKey: CONSOLE_API_KEY,
    seed: { ...testSeed(), triggers },
  });
});

afterAll(async () => {
  await server.close();
});

async function list(query: string): Promise<TriggerPage> {
  const response = await http(`${server.consoleApiUrl}/release_pipeline_triggers?${query}`);
  expect(response.status).toBe(200);
  return specBody<TriggerPage>(response);
}

const ids = (page: TriggerPage) => page.data.map((trigger) => trigger.id);
const day = (offset: number) => new Date(T0 + offset * DAY).toISOString().slice(0, 10);

test('filters combine: pipeline and status', async () => {
  const body = await list('releasePipelineID=rp_prompt&status=WAITING_FOR_REVIEW');
  expect(ids(body)).toEqual(['rpt_d']);
  expect(body.pagination.totalItems).toBe(1);
});

test('filters by gate and by dynamic config', async () => {
  expect(ids(await list('gateID=new_checkout'))).toEqual(['rpt_c']);
  expect(ids(await list('dynamicConfigID=support_prompt'))).toEqual(['rpt_a', 'rpt_b', 'rpt_d']);
});

test('startDate and endDate filter on the creation day (UTC, inclusive)', async () => {
  expect(ids(await list(`startDate=${day(1)}&endDate=${day(2)}`))).toEqual(['rpt_b', 'rpt_c']);
  expect(ids(await list(`startDate=${day(3)}`))).toEqual(['rpt_d']);
  expect(ids(await list(`endDate=${day(0)}`))).toEqual(['rpt_a']);
});

test('pages are 1-based and link to their neighbours with relative URLs', async () => {
  const first = await list('limit=3&page=1');
  expect(ids(first)).toEqual(['rpt_a', 'rpt_b', 'rpt_c']);
  expect(first.pagination).toEqual({
    itemsPerPage: 3,
    pageNumber: 1,
    nextPage: `${LIST}?page=2&limit=3`,
    previousPage: null,
    totalItems: 4,
  });

  const second = await list('limit=3&page=2');
  expect(ids(second)).toEqual(['rpt_d']);
  expect(second.pagination).toMatchObject({
    nextPage: null,
    previousPage: `${LIST}?page=1&limit=3`,
    totalItems: 4,
  });

  // The links keep the filters, so following one lists the same thing.
  const filtered = await list('dynamicConfigID=support_prompt&limit=1&page=2');
  expect(filtered.pagination).toMatchObject({
    nextPage: `${LIST}?dynamicConfigID=support_prompt&page=3&limit=1`,
    previousPage: `${LIST}?dynamicConfigID=support_prompt&page=1&limit=1`,
  });
});

test('without paging parameters the page size is 10 (the spec’s example; it documents none)', async () => {
  const body = await list('');
  expect(body.data).toHaveLength(4);
  expect(body.pagination).toMatchObject({ itemsPerPage: 10, pageNumber: 1, nextPage: null });
});

test.each([
  'status=RUNNING',
  'limit=0',
  'limit=101',
  'page=zero',
  'startDate=2024-13-45',
  'endDate=yesterday',
])('%s is a 400 in Statsig’s error shape', async (query) => {
  const response = await http(`${server.consoleApiUrl}/release_pipeline_triggers?${query}`);
  expect(response.status).toBe(400);
  expect(specError(response)).toEqual({ status: 400, message: expect.any(String) });
});

test('limit=100 is the largest page the spec allows', async () => {
  expect((await list('limit=100')).pagination.itemsPerPage).toBe(100);
});

test('seeded triggers are served spec-shaped: phase names, no null description or phaseID', async () => {
  const body = await list('');
  const [a, b, c, d] = body.data;
  expect(a).toMatchObject({ currentPhase: null, currentPhaseID: null, currentPhaseEndTime: null });
  expect(b).not.toHaveProperty('description');
  expect(b?.actions).toEqual([
    {
      type: 'ABORTED',
      timeMs: T0 + DAY,
      phaseID: '',
      actorID: expect.any(String),
      actorName: 'Ada',
    },
  ]);
  expect(c).toMatchObject({ currentPhase: 'Everyone', currentPhaseID: 'phase_all' });
  expect(d).toMatchObject({ currentPhase: 'Staging', currentPhaseID: 'phase_staging' });
  expect(server.sandbox.waitingPhase('rpt_d')).toBe('phase_staging');
});

test('the query string is recorded with the call, and the answer too', async () => {
  await list('releasePipelineID=rp_prompt&status=WAITING_FOR_REVIEW');
  const call = server.sandbox.calls.find((c) => c.query.status === 'WAITING_FOR_REVIEW');
  expect(call).toMatchObject({
    method: 'GET',
    path: '/console/v1/release_pipeline_triggers',
    query: { releasePipelineID: 'rp_prompt', status: 'WAITING_FOR_REVIEW' },
    responseBody: { data: [{ id: 'rpt_d' }], pagination: { totalItems: 1 } },
  });
});
