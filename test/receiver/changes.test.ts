// Config changes become change records in Chronosphere's shape, kept in a bounded ring and read back
// at GET /changes: newest first, filtered by entity, limited; redeliveries are not kept twice.
import {
  configChange,
  deliver,
  errorCode,
  http,
  summaryOf,
  type TestReceiver,
  useReceiverFactory,
} from './helpers';

const receiverWith = useReceiverFactory();

const freshReceiver = (changesKept?: number) => receiverWith(changesKept ? { changesKept } : {});

async function changes(receiver: TestReceiver, query = '') {
  const response = await http(receiver.url, `/changes${query}`);
  expect(response.status).toBe(200);
  return (response.body as { changes: Array<Record<string, unknown>> }).changes;
}

const T = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('GET /changes', () => {
  it('maps a config change the way Chronosphere does', async () => {
    const receiver = await freshReceiver();
    await deliver(receiver.url, receiver.secret, {
      data: [
        configChange('layout_v2', { type: 'Gate', action: 'created', timestamp: 1709660061095 }),
        {
          ...configChange('model_config', {
            type: 'DynamicConfig',
            action: 'Updated',
            timestamp: T,
          }),
          metadata: { type: 'DynamicConfig', name: 'model_config', action: 'Updated' },
        },
      ],
    });
    expect(await changes(receiver)).toEqual([
      {
        category: 'feature_flags',
        type: 'dynamicconfig_updated',
        source: 'statsig',
        happened_at: '2025-01-15T12:00:00.000Z',
        title: 'model_config Updated',
        labels: { type: 'DynamicConfig', name: 'model_config', action: 'Updated' },
      },
      {
        category: 'feature_flags',
        type: 'gate_created',
        source: 'statsig',
        happened_at: '2024-03-05T17:34:21.095Z',
        title: 'layout_v2 created',
        labels: {
          type: 'Gate',
          name: 'layout_v2',
          action: 'created',
          description: 'Description: change to layout_v2',
        },
      },
    ]);
  });

  it('lists newest first by when the change happened, whatever the arrival order', async () => {
    const receiver = await freshReceiver();
    await deliver(receiver.url, receiver.secret, {
      data: [
        configChange('a', { timestamp: T + 2000 }),
        configChange('b', { timestamp: T }),
        configChange('c', { timestamp: T + 1000 }),
      ],
    });
    expect((await changes(receiver)).map((change) => change.title)).toEqual([
      'a updated',
      'c updated',
      'b updated',
    ]);
  });

  it('filters by entity and honours the limit', async () => {
    const receiver = await freshReceiver();
    await deliver(receiver.url, receiver.secret, {
      data: [
        configChange('checkout', { action: 'created', timestamp: T }),
        configChange('search', { timestamp: T + 1 }),
        configChange('checkout', { action: 'enabled', timestamp: T + 2 }),
        configChange('checkout', { action: 'disabled', timestamp: T + 3 }),
      ],
    });
    const forCheckout = await changes(receiver, '?entity=checkout');
    expect(forCheckout.map((change) => change.type)).toEqual([
      'gate_disabled',
      'gate_enabled',
      'gate_created',
    ]);
    expect((await changes(receiver, '?entity=checkout&limit=1')).map((c) => c.type)).toEqual([
      'gate_disabled',
    ]);
    expect(await changes(receiver, '?entity=nothing_by_that_name')).toEqual([]);
  });

  it('keeps only the newest arrivals once the ring is full', async () => {
    const receiver = await freshReceiver(3);
    for (const [index, name] of ['one', 'two', 'three', 'four', 'five'].entries()) {
      await deliver(receiver.url, receiver.secret, [configChange(name, { timestamp: T + index })]);
    }
    expect((await changes(receiver)).map((change) => change.title)).toEqual([
      'five updated',
      'four updated',
      'three updated',
    ]);
  });

  it('keeps a redelivered change once and reports it as a duplicate', async () => {
    const receiver = await freshReceiver();
    const batch = { data: [configChange('flaky', { timestamp: T })] };
    await deliver(receiver.url, receiver.secret, batch);
    const again = await deliver(receiver.url, receiver.secret, batch);
    expect(summaryOf(again).events).toEqual([
      { index: 0, kind: 'config_change', status: 'duplicate', signalled: [] },
    ]);
    expect(await changes(receiver, '?entity=flaky')).toHaveLength(1);
  });

  it.each(['?limit=0', '?limit=abc', '?limit=1001', '?entity=a&entity=b', '?entity='])(
    'answers 400 QUERY_INVALID to %s',
    async (query) => {
      const receiver = await freshReceiver();
      const response = await http(receiver.url, `/changes${query}`);
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('QUERY_INVALID');
    },
  );
});
