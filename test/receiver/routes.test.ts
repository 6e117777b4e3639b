// The receiver's HTTP surface outside the webhook itself: liveness, readiness, and stable codes for
// unknown routes and wrong methods.
import { errorCode, http, type TestReceiver, useTestReceiver, WEBHOOK } from './helpers';

let receiver: TestReceiver;

useTestReceiver((started) => {
  ({ receiver } = started);
});

describe('routes', () => {
  it('answers /healthz and /readyz while Temporal is up', async () => {
    const health = await http(receiver.url, '/healthz');
    expect([health.status, health.body]).toEqual([200, { status: 'ok' }]);
    const ready = await http(receiver.url, '/readyz');
    expect([ready.status, ready.body]).toEqual([200, { status: 'ready', temporal: true }]);
  });

  it('answers 404 with a stable code elsewhere', async () => {
    const response = await http(receiver.url, '/webhooks/other', { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'not found' } });
  });

  it.each([
    ['GET', WEBHOOK, 'POST'],
    ['PUT', WEBHOOK, 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/changes?entity=x', 'GET, HEAD'],
  ])('answers 405 to %s %s and says what is allowed', async (method, path, allow) => {
    const response = await http(receiver.url, path, { method });
    expect(response.status).toBe(405);
    expect(errorCode(response)).toBe('METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe(allow);
  });
});
