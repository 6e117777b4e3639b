// Every delivery shape Statsig documents (and the review event the seed describes) is recognised.
import { DeliverySchemaError, parseDelivery } from '../../src/receiver/events';

const metadata = { releasePipelineID: 'rp_1', phaseID: 'ph_2', triggerID: 't_3', gateID: 'g_4' };
const review = { event: 'ReleasePipelineWaitingForReview', releasePipelineMetadata: metadata };
const expectedReview = { kind: 'review', review: metadata };

describe('parseDelivery', () => {
  it.each([
    ['bare', review],
    ['inside {"data": [...]}', { data: [review] }],
    ['inside a JSON array', [review]],
  ])('reads the review event %s', (_shape, body) => {
    expect(parseDelivery(body)).toEqual({ kind: 'events', events: [expectedReview] });
  });

  it('accepts a review event without gateID and with extra fields', () => {
    const { gateID: _gateID, ...withoutGate } = metadata;
    const body = {
      event: review.event,
      projectID: 'p',
      releasePipelineMetadata: { ...withoutGate, extra: 1 },
    };
    expect(parseDelivery(body)).toEqual({
      kind: 'events',
      events: [{ kind: 'review', review: withoutGate }],
    });
  });

  it('answers the url_verification handshake', () => {
    expect(
      parseDelivery({ data: { event: 'url_verification', verification_code: 'abc123' } }),
    ).toEqual({
      kind: 'url_verification',
      verificationCode: 'abc123',
    });
  });

  it('classifies a mixed batch: config change, exposures, custom and unknown events', () => {
    const change = {
      user: { name: 'Test User', email: 'testuser@email.com' },
      timestamp: 1709660061095,
      eventName: 'statsig::config_change',
      metadata: {
        type: 'Gate',
        name: 'layout_v2',
        description: 'Change default page layout',
        action: 'created',
      },
      projectName: 'extra fields are fine',
    };
    const delivery = parseDelivery({
      data: [
        change,
        {
          eventName: 'statsig::gate_exposure',
          timestamp: '1655231253265',
          metadata: { gate: 'a_gate' },
        },
        { eventName: 'statsig::experiment_exposure', timestamp: 1655232119734 },
        { eventName: 'page_view', value: 'home' },
        { somethingElse: true },
        review,
      ],
    });
    expect(delivery.kind === 'events' && delivery.events.map((event) => event.kind)).toEqual([
      'config_change',
      'exposure',
      'exposure',
      'custom',
      'unknown',
      'review',
    ]);
  });

  it.each([
    ['inside {"data": {...}}', { data: review }],
    ['without its event name', { releasePipelineMetadata: metadata }],
    [
      'with another event name',
      { event: 'ReleasePipelineWaitingForReviewV2', releasePipelineMetadata: metadata },
    ],
  ])('recognises the review event by its metadata, %s', (_shape, body) => {
    expect(parseDelivery(body)).toEqual({ kind: 'events', events: [expectedReview] });
  });

  it.each([
    ['an empty gateID', { ...metadata, gateID: '' }, {}],
    ['no gateID', { releasePipelineID: 'rp_1', phaseID: 'ph_2', triggerID: 't_3' }, {}],
    [
      'a dynamicConfigID instead',
      { releasePipelineID: 'rp_1', phaseID: 'ph_2', triggerID: 't_3', dynamicConfigID: 'dc_5' },
      { dynamicConfigID: 'dc_5' },
    ],
  ])('reads a review event with %s', (_name, releasePipelineMetadata, entity) => {
    const { gateID: _gateID, ...ids } = metadata;
    expect(parseDelivery({ ...review, releasePipelineMetadata })).toEqual({
      kind: 'events',
      events: [{ kind: 'review', review: { ...ids, ...entity } }],
    });
  });

  it('reads config changes without an action, with an environment, null user fields and any timestamp', () => {
    const base = { eventName: 'statsig::config_change', metadata: { type: 'Gate', name: 'g' } };
    const delivery = parseDelivery([
      { ...base, timestamp: 1709660061095, user: { name: null, email: null } },
      { ...base, timestamp: '1709660061095' },
      { ...base, timestamp: 1709660061095.7, user: null },
      {
        ...base,
        timestamp: '1709660061095.25',
        metadata: { ...base.metadata, environment: 'staging' },
      },
      { ...base, timestamp: 1, metadata: { type: 'DynamicConfig', id: 'dc_1', action: 'updated' } },
    ]);
    expect(delivery).toEqual({
      kind: 'events',
      events: [
        {
          kind: 'config_change',
          change: {
            timestamp: 1709660061095,
            metadata: { type: 'Gate', name: 'g', action: 'changed' },
          },
        },
        {
          kind: 'config_change',
          change: {
            timestamp: 1709660061095,
            metadata: { type: 'Gate', name: 'g', action: 'changed' },
          },
        },
        {
          kind: 'config_change',
          change: {
            timestamp: 1709660061095,
            metadata: { type: 'Gate', name: 'g', action: 'changed' },
          },
        },
        {
          kind: 'config_change',
          change: {
            timestamp: 1709660061095,
            metadata: { type: 'Gate', name: 'g', action: 'changed', environment: 'staging' },
          },
        },
        {
          kind: 'config_change',
          change: {
            timestamp: 1,
            metadata: { type: 'DynamicConfig', name: 'dc_1', id: 'dc_1', action: 'updated' },
          },
        },
      ],
    });
  });

  it.each([
    [
      'a review event missing its triggerID',
      [{ ...review, releasePipelineMetadata: { phaseID: 'x', releasePipelineID: 'y' } }],
      'review',
      '[0].releasePipelineMetadata.triggerID',
    ],
    ['a batch item that is not an object', { data: [42] }, 'unknown', 'data[0]'],
    [
      'a review in an array with an empty phaseID',
      [{ ...review, releasePipelineMetadata: { ...metadata, phaseID: '' } }],
      'review',
      '[0].releasePipelineMetadata.phaseID',
    ],
    [
      'a config change naming no entity',
      [{ eventName: 'statsig::config_change', timestamp: 1, metadata: { type: 'Gate' } }],
      'config_change',
      '[0].metadata',
    ],
  ])('sets aside %s with its path, and keeps the rest', (_name, body, looksLike, path) => {
    const items = Array.isArray(body) ? body : body.data;
    const delivery = parseDelivery([...items, review]);
    expect(delivery).toEqual({
      kind: 'events',
      events: [
        {
          kind: 'unreadable',
          looksLike,
          path: path.replace('data[', '['),
          reason: expect.any(String),
        },
        expectedReview,
      ],
    });
  });

  it.each([
    ['data that is neither an array nor an event', { data: 'nope' }, 'data'],
    ['a JSON string', 'hello', ''],
  ])('rejects %s with the failing path', (_name, body, path) => {
    expect(() => parseDelivery(body)).toThrow(DeliverySchemaError);
    try {
      parseDelivery(body);
    } catch (error) {
      expect((error as DeliverySchemaError).path).toBe(path);
    }
  });
});
