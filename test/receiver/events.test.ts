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
    [
      'a review event missing its triggerID',
      { ...review, releasePipelineMetadata: { phaseID: 'x', releasePipelineID: 'y' } },
      'releasePipelineMetadata.triggerID',
    ],
    ['a batch item that is not an object', { data: [review, 42] }, 'data[1]'],
    [
      'a review in an array with an empty phaseID',
      [{ ...review, releasePipelineMetadata: { ...metadata, phaseID: '' } }],
      '[0].releasePipelineMetadata.phaseID',
    ],
    ['data that is not an array', { data: 'nope' }, 'data'],
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
