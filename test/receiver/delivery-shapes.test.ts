// Every shape Statsig posts, through HTTP: reviews bare, in {"data": [...]} and in an array; config
// change batches; runtime event arrays; mixed batches. The 2xx body summarises each event, unknown
// fields and kinds are acknowledged, an item that cannot be read is set aside with its path (the
// rest of the batch is handled), and only a body that is no delivery at all is a 400.
import type { Client } from '@temporalio/client';
import { reviewWorkflowId } from '../../workflows/contract';
import {
  configChange,
  deliver,
  errorCode,
  exposure,
  http,
  reviewEvent,
  summaryOf,
  type TestReceiver,
  unique,
  useTestReceiver,
  WEBHOOK,
  workflowExists,
} from './helpers';

let client: Client;
let receiver: TestReceiver;

useTestReceiver((started) => {
  ({ client, receiver } = started);
});

const send = (payload: unknown) => deliver(receiver.url, receiver.secret, payload);

describe('review events', () => {
  it.each([
    ['bare', (event: object) => event],
    ['inside {"data": [...]}', (event: object) => ({ data: [event] })],
    ['inside a JSON array', (event: object) => [event]],
  ])('starts the review for an event %s', async (_shape, wrap) => {
    const triggerID = `t_${unique()}`;
    const workflowId = reviewWorkflowId(triggerID, 'phase_1');
    const response = await send(wrap(reviewEvent(triggerID, 'phase_1', { projectID: 'extra' })));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      received: 1,
      unreadable: 0,
      events: [{ index: 0, kind: 'review', status: 'accepted', workflowId }],
    });
    expect(await workflowExists(client, workflowId)).toBe(true);
  });

  it('answers a redelivery as a duplicate of the same review', async () => {
    const event = reviewEvent(`t_${unique()}`);
    await send(event);
    const again = await send(event);
    expect(summaryOf(again).events).toEqual([expect.objectContaining({ status: 'duplicate' })]);
  });
});

describe('config changes and runtime events', () => {
  it('records each change of a config-change batch', async () => {
    const entity = `batch_${unique()}`;
    const response = await send({
      data: [
        configChange(entity, { action: 'created', timestamp: 1709660061095 }),
        configChange(entity, { action: 'updated', timestamp: '1709660062000' }),
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      received: 2,
      unreadable: 0,
      events: [
        { index: 0, kind: 'config_change', status: 'recorded', signalled: [] },
        { index: 1, kind: 'config_change', status: 'recorded', signalled: [] },
      ],
    });
  });

  it('acknowledges a runtime event array with numeric and string timestamps', async () => {
    const response = await send([
      exposure(1, 1644520566968),
      exposure(2, '1655231253265'),
      { ...exposure(3), eventName: 'statsig::config_exposure' },
      { ...exposure(4), eventName: 'statsig::experiment_exposure' },
      { ...exposure(5), eventName: 'page_view', metadata: { page: 'home_page' } },
    ]);
    expect(response.status).toBe(200);
    expect(summaryOf(response).events.map((event) => [event.kind, event.status])).toEqual([
      ['exposure', 'ignored'],
      ['exposure', 'ignored'],
      ['exposure', 'ignored'],
      ['exposure', 'ignored'],
      ['custom', 'ignored'],
    ]);
  });

  it('routes a mixed batch and summarises every event in order', async () => {
    const triggerID = `t_${unique()}`;
    const response = await send({
      data: [
        exposure(1),
        configChange(`mixed_${unique()}`),
        reviewEvent(triggerID),
        { kind: 'something Statsig adds next year', nested: { a: 1 } },
        { eventName: 'statsig::layer_exposure', timestamp: 1 },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      received: 5,
      unreadable: 0,
      events: [
        { index: 0, kind: 'exposure', status: 'ignored' },
        { index: 1, kind: 'config_change', status: 'recorded', signalled: [] },
        {
          index: 2,
          kind: 'review',
          status: 'accepted',
          workflowId: reviewWorkflowId(triggerID, 'phase_1'),
        },
        { index: 3, kind: 'unknown', status: 'ignored' },
        { index: 4, kind: 'exposure', status: 'ignored' },
      ],
    });
  });

  it('acknowledges an empty batch and an object of unknown shape', async () => {
    expect((await send({ data: [] })).body).toEqual({ received: 0, unreadable: 0, events: [] });
    expect((await send({ hello: 'world' })).body).toEqual({
      received: 1,
      unreadable: 0,
      events: [{ index: 0, kind: 'unknown', status: 'ignored' }],
    });
  });
});

describe('url_verification handshake', () => {
  it('echoes the verification code of the unsigned handshake', async () => {
    const body = JSON.stringify({ data: { event: 'url_verification', verification_code: 'c0de' } });
    const response = await http(receiver.url, WEBHOOK, {
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ verification_code: 'c0de' });
  });
});

describe('items that surprise', () => {
  it.each([
    [
      'a review without its triggerID',
      reviewEvent('x', 'p', { releasePipelineMetadata: {} }),
      'review',
      '[1].releasePipelineMetadata.releasePipelineID',
    ],
    ['a number', 42, 'unknown', '[1]'],
    [
      'a change with a timestamp in words',
      configChange('a', { timestamp: 'now' }),
      'config_change',
      '[1].timestamp',
    ],
    ['an exposure with a negative timestamp', exposure(2, -5), 'exposure', '[1].timestamp'],
    [
      'a review whose triggerID has a space',
      reviewEvent('t 1'),
      'review',
      '[1].releasePipelineMetadata.triggerID',
    ],
  ])(
    'sets aside %s, counts it, and handles the rest of the batch',
    async (_name, item, kind, path) => {
      const triggerID = `t_${unique()}`;
      const response = await send([reviewEvent(triggerID), item]);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        received: 2,
        unreadable: 1,
        events: [
          {
            index: 0,
            kind: 'review',
            status: 'accepted',
            workflowId: reviewWorkflowId(triggerID, 'phase_1'),
          },
          { index: 1, kind, status: 'unreadable', path, reason: expect.any(String) },
        ],
      });
      expect(await workflowExists(client, reviewWorkflowId(triggerID, 'phase_1'))).toBe(true);
    },
  );

  it('starts the review of a batch holding one garbled item and one review event', async () => {
    const triggerID = `t_${unique()}`;
    const response = await send({
      data: [{ garbled: [1, 2], eventName: 7 }, reviewEvent(triggerID)],
    });
    expect(summaryOf(response).events.map((event) => [event.kind, event.status])).toEqual([
      ['unknown', 'ignored'],
      ['review', 'accepted'],
    ]);
    expect(await workflowExists(client, reviewWorkflowId(triggerID, 'phase_1'))).toBe(true);
  });
});

describe('invalid deliveries', () => {
  it.each([
    ['data that is neither an array nor an event', { data: 'nope' }],
    ['a JSON string', '"just a string"'],
  ])('answers 400 with the failing path to %s', async (_name, payload) => {
    const response = await send(payload);
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('WEBHOOK_SCHEMA_INVALID');
    expect(response.body).toMatchObject({ error: { path: expect.any(String) } });
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const response = await send('{"data": [');
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('WEBHOOK_BODY_MALFORMED');
  });
});
