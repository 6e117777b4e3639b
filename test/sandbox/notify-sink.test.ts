// The sandbox's notification sink: it keeps what Slack and a JSON webhook would receive (the exact
// body, the headers), plays a target that is down or slow, and is read and cleared over HTTP.
import { useSandbox } from './helpers';

const sandbox = useSandbox();

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${sandbox.server.url}/_sandbox/notify/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

it('keeps each message with its exact bytes and headers, and answers like Slack', async () => {
  const body = '{"text":"hello",  "blocks":[]}';
  const answer = await post('slack', body, { 'x-rollout-gate-event': 'waiting' });
  expect([answer.status, await answer.text()]).toEqual([200, 'ok']);
  expect(sandbox.server.sandbox.notifications).toEqual([
    expect.objectContaining({
      channel: 'slack',
      rawBody: body,
      body: { text: 'hello', blocks: [] },
      status: 200,
      receivedAtMs: sandbox.clock,
      headers: expect.objectContaining({ 'x-rollout-gate-event': 'waiting' }),
    }),
  ]);
  const listed = await fetch(`${sandbox.server.url}/_sandbox/notify`);
  expect(await listed.json()).toHaveLength(1);
});

it('plays a target that is down (?status) or slow (?delayMs), and is cleared', async () => {
  const down = await post('webhook?status=503', '{}');
  expect(down.status).toBe(503);
  const started = Date.now();
  const slow = await post('webhook?delayMs=300', '{}');
  expect(slow.status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(sandbox.server.sandbox.notifications.map((received) => received.status)).toEqual([
    503, 200,
  ]);
  // Admin routes take no console key and are no Console API traffic.
  expect(sandbox.server.sandbox.calls).toEqual([]);
  const cleared = await fetch(`${sandbox.server.url}/_sandbox/notify`, { method: 'DELETE' });
  expect(cleared.status).toBe(204);
  expect(sandbox.server.sandbox.notifications).toEqual([]);
});
