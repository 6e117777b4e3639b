// A notification sink (/_sandbox/notify): stands in for a Slack incoming webhook and for a JSON
// webhook, keeping what arrived (headers and the exact body bytes, so tests can check signatures)
// for the demo and the tests. `?status=503` or `?delayMs=…` on the URL plays a target that is down
// or slow. Admin routes: never faulted, never recorded with the Console API's traffic.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../http';

export interface ReceivedNotification {
  channel: 'slack' | 'webhook';
  receivedAtMs: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The body exactly as sent (what a signature covers). */
  rawBody: string;
  /** The body parsed as JSON; the raw text when it is not JSON. */
  body: unknown;
  /** What the sink answered. */
  status: number;
}

const behaviour = z.object({
  status: z.coerce.number().int().min(200).max(599).default(200),
  delayMs: z.coerce.number().int().min(0).max(600_000).default(0),
});

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function notifySink(
  received: ReceivedNotification[],
  now: () => number,
): FastifyPluginAsync {
  return async (sink) => {
    // The exact bytes, unparsed: a signature is over them.
    sink.removeContentTypeParser('application/json');
    sink.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    for (const channel of ['slack', 'webhook'] as const) {
      sink.post(`/${channel}`, async (request, reply) => {
        const { status, delayMs } = parseInput(behaviour, request.query, 'INVALID_QUERY');
        const rawBody = typeof request.body === 'string' ? request.body : '';
        received.push({
          channel,
          receivedAtMs: now(),
          headers: Object.fromEntries(
            Object.entries(request.headers).flatMap(([name, value]) =>
              typeof value === 'string' ? [[name.toLowerCase(), value]] : [],
            ),
          ),
          rawBody,
          body: parsed(rawBody),
          status,
        });
        if (delayMs > 0) {
          // A caller that gives up (or the sandbox closing) ends the wait.
          const gone = new AbortController();
          reply.raw.once('close', () => gone.abort());
          await sleep(delayMs, undefined, { signal: gone.signal }).catch(() => undefined);
        }
        // Slack answers a plain `ok`; a JSON webhook's receiver anything 2xx.
        return reply
          .code(status)
          .type('text/plain')
          .send(status < 300 ? 'ok' : 'unavailable');
      });
    }
    sink.get('/', async () => received);
    sink.delete('/', async (_request, reply) => {
      received.length = 0;
      return reply.code(204).send();
    });
  };
}
