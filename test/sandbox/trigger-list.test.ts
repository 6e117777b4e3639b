// Listing triggers: filters and Statsig's 1-based pagination.
import { z } from 'zod';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import {
  errorBodySchema,
  type ReleasePipelineTrigger,
  releasePipelineTriggerSchema,
  successBody,
} from '../../src/statsig/schemas';
import { CONSOLE_API_KEY, http, paginationSchema, T0, testSeed } from './helpers';

const listBody = successBody(z.array(releasePipelineTriggerSchema)).extend({
  pagination: paginationSchema,
});

let server: StartedSandbox;

const triggers: ReleasePipelineTrigger[] = [
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
    createdTime: T0 + 1,
    actions: [],
  },
  {
    id: 'rpt_c',
    releasePipelineID: 'rp_checkout',
    gateID: 'new_checkout',
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 0,
    currentPhaseID: 'phase_all',
    createdTime: T0 + 2,
    actions: [],
  },
  {
    id: 'rpt_d',
    releasePipelineID: 'rp_prompt',
    dynamicConfigID: 'support_prompt',
    status: 'WAITING_FOR_REVIEW',
    currentPhase: 1,
    currentPhaseID: 'phase_staging',
    createdTime: T0 + 3,
    actions: [],
  },
];

beforeAll(async () => {
  server = await startSandbox({
    consoleApiKey: CONSOLE_API_KEY,
    seed: { ...testSeed(), triggers },
  });
});

afterAll(async () => {
  await server.close();
});

async function list(query: string) {
  const response = await http(`${server.consoleApiUrl}/release_pipeline_triggers?${query}`);
  expect(response.status).toBe(200);
  return listBody.parse(response.body);
}

test('filters combine: pipeline and status', async () => {
  const body = await list('releasePipelineID=rp_prompt&status=WAITING_FOR_REVIEW');
  expect(body.data.map((trigger) => trigger.id)).toEqual(['rpt_d']);
  expect(body.pagination.totalItems).toBe(1);
});

test('filters by gate and by dynamic config', async () => {
  expect((await list('gateID=new_checkout')).data.map((t) => t.id)).toEqual(['rpt_c']);
  expect((await list('dynamicConfigID=support_prompt')).data.map((t) => t.id)).toEqual([
    'rpt_a',
    'rpt_b',
    'rpt_d',
  ]);
});

test('pages are 1-based and say where the neighbours are', async () => {
  const first = await list('limit=3&page=1');
  expect(first.data.map((t) => t.id)).toEqual(['rpt_a', 'rpt_b', 'rpt_c']);
  expect(first.pagination).toEqual({
    itemsPerPage: 3,
    pageNumber: 1,
    nextPage: 2,
    previousPage: null,
    totalItems: 4,
  });

  const second = await list('limit=3&page=2');
  expect(second.data.map((t) => t.id)).toEqual(['rpt_d']);
  expect(second.pagination).toMatchObject({ nextPage: null, previousPage: 1, totalItems: 4 });
});

test('without paging parameters Statsig defaults to page 1 of 100', async () => {
  const body = await list('');
  expect(body.data).toHaveLength(4);
  expect(body.pagination).toMatchObject({ itemsPerPage: 100, pageNumber: 1, nextPage: null });
});

test.each(['status=RUNNING', 'limit=0', 'page=zero'])('%s is a 400', async (query) => {
  const response = await http(`${server.consoleApiUrl}/release_pipeline_triggers?${query}`);
  expect(response.status).toBe(400);
  expect(errorBodySchema.parse(response.body).status).toBe(400);
});

test('the query string is recorded with the call', async () => {
  await list('releasePipelineID=rp_prompt&status=WAITING_FOR_REVIEW');
  const call = server.sandbox.calls.find((c) => c.query.status === 'WAITING_FOR_REVIEW');
  expect(call).toMatchObject({
    method: 'GET',
    path: '/console/v1/release_pipeline_triggers',
    query: { releasePipelineID: 'rp_prompt', status: 'WAITING_FOR_REVIEW' },
  });
});
