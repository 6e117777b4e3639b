// How every request to the sandbox is received and answered: the JSON parser, fault injection
// (before anything else), the record of each call with what it was answered, and Statsig's error
// shape for every failure.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { SandboxError } from './errors';
import { type CorruptMode, corruptPayload, type FaultInjector } from './faults';
import { isAdmin, pathOf, queryOf } from './http';

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** The parsed body; null when there was none or a fault answered before it was read. */
  requestBody: unknown;
  /** What was sent back: parsed JSON, the raw text when it is not JSON, null when empty. */
  responseBody: unknown;
  /** When the request arrived. */
  timeMs: number;
  /** True when a fault rule answered instead of the API (the state was not touched). */
  faulted: boolean;
  /** Set when a fault rule replaced a handled 2xx answer's body (the state did change). */
  corrupted: CorruptMode | null;
}

interface Arrival {
  timeMs: number;
  faulted: boolean;
  corrupt?: CorruptMode;
  /** Hold the answer this long after the handler ran (responseDelayMs). */
  holdMs?: number;
}

function parsedBody(payload: unknown): unknown {
  if (typeof payload !== 'string' || payload === '') return null;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

/** Clients may send `content-type: application/json` with no body on /abort or /rollout. */
function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    async (_request: FastifyRequest, body: string | Buffer) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return undefined;
      try {
        // Dropping __proto__ keys keeps a crafted body from reaching an object's prototype.
        return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
      } catch {
        throw new SandboxError('INVALID_BODY', 400, 'Request body is not valid JSON');
      }
    },
  );
}

function installErrorShapes(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error instanceof SandboxError) {
      return reply.code(error.status).send({ status: error.status, message: error.message });
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 400 && statusCode < 500) {
      return reply.code(statusCode).send({ status: statusCode, message: error.message });
    }
    // 5xx detail stays in the log; the spec declares no 5xx body, so the sandbox keeps the same shape.
    request.log.error({ err: error }, 'sandbox handler failed');
    return reply.code(500).send({ status: 500, message: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ status: 404, message: `Route ${request.method} ${pathOf(request.url)} not found` }),
  );
}

export function installTraffic(
  app: FastifyInstance,
  faults: FaultInjector,
  calls: RecordedCall[],
  now: () => number,
): void {
  const arrivals = new WeakMap<FastifyRequest, Arrival>();
  installJsonParser(app);
  installErrorShapes(app);

  // Faults come first, before authentication and handlers, so a faulted request never changes state.
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (isAdmin(path)) return;
    const arrival: Arrival = { timeMs: now(), faulted: false };
    arrivals.set(request, arrival);
    const rule = faults.take(request.method, path);
    if (!rule) return;
    if (rule.delayMs) await sleep(rule.delayMs);
    if (rule.status === undefined) {
      if (rule.responseDelayMs) arrival.holdMs = rule.responseDelayMs;
      if (rule.corrupt) arrival.corrupt = rule.corrupt;
      return;
    }
    arrival.faulted = true;
    reply.code(rule.status);
    if (rule.headers) reply.headers(rule.headers);
    return reply.send(
      rule.body === undefined
        ? { status: rule.status, message: `Injected fault: HTTP ${rule.status}` }
        : rule.body,
    );
  });

  // Recorded at onSend, not onResponse: a client that gives up on a held answer closes the socket,
  // and onResponse never runs for it, yet the call did reach "Statsig" and changed its state.
  app.addHook('onSend', async (request, reply, payload) => {
    const arrival = arrivals.get(request);
    if (!arrival) return payload;
    const success = reply.statusCode >= 200 && reply.statusCode < 300;
    const corrupted = arrival.corrupt !== undefined && success && !arrival.faulted;
    const sent =
      corrupted && arrival.corrupt
        ? corruptPayload(arrival.corrupt, String(payload ?? ''))
        : payload;
    calls.push({
      method: request.method,
      path: pathOf(request.url),
      query: queryOf(request.url),
      status: reply.statusCode,
      requestBody: request.body ?? null,
      responseBody: parsedBody(sent),
      timeMs: arrival.timeMs,
      faulted: arrival.faulted,
      corrupted: corrupted ? (arrival.corrupt ?? null) : null,
    });
    // The handler has already changed state by now; only the answer is late.
    if (arrival.holdMs) await sleep(arrival.holdMs);
    return sent;
  });
}
