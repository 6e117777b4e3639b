// The webhook receiver as a Fastify app built by a function: tests `inject` into it or listen on
// loopback; src/receiver/server.ts owns the process. It verifies, parses and hands reviews to
// Temporal, and acknowledges a review only after Temporal has durably accepted it.
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { DeliverySchemaError, parseDelivery, type StatsigEvent } from './events';
import { type ReviewStarter, TemporalUnavailableError } from './review-starter';
import { verifySignature } from './signature';

export interface ReceiverOptions {
  webhookSecrets: readonly string[];
  toleranceMs: number;
  bodyLimitBytes: number;
  reviews: ReviewStarter;
  /** Injectable clock for signature timestamps. */
  now?: () => number;
  logger?: FastifyServerOptions['logger'];
}

/** Stable error codes: the HTTP answer and the log line both carry them. */
export const ERROR_CODES = {
  signature: 'WEBHOOK_SIGNATURE_INVALID',
  malformedJson: 'WEBHOOK_BODY_MALFORMED',
  schema: 'WEBHOOK_SCHEMA_INVALID',
  tooLarge: 'WEBHOOK_BODY_TOO_LARGE',
  mediaType: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE',
  notFound: 'ROUTE_NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  temporalUnavailable: 'TEMPORAL_UNAVAILABLE',
  internal: 'INTERNAL_ERROR',
} as const;

export type EventSummary =
  | {
      index: number;
      kind: StatsigEvent['kind'];
      status: 'accepted' | 'duplicate';
      workflowId: string;
    }
  | { index: number; kind: StatsigEvent['kind']; status: 'ignored' };

/** Headers and fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers["x-statsig-signature"]',
  'req.headers["statsig-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
];

function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

// A url_verification handshake is small and arrives unsigned; only such bodies are parsed before the
// signature check, so forged traffic costs no JSON parsing.
const HANDSHAKE_MAX_BYTES = 4096;

export function buildReceiver(options: ReceiverOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
  });

  // Keep the exact bytes: the signature covers them, and re-serialised JSON would not match.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/(?:[\w.+-]+\+)?json$/,
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  );

  app.setNotFoundHandler((request, reply) => {
    const known = request.url.split('?')[0];
    if (known === '/webhooks/statsig' || known === '/healthz' || known === '/readyz') {
      return reply.code(405).send(errorBody(ERROR_CODES.methodNotAllowed, 'method not allowed'));
    }
    return reply.code(404).send(errorBody(ERROR_CODES.notFound, 'not found'));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      request.log.warn({ code: ERROR_CODES.tooLarge }, 'webhook body over the limit');
      return reply
        .code(413)
        .send(errorBody(ERROR_CODES.tooLarge, `body over ${options.bodyLimitBytes} bytes`));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      request.log.warn({ code: ERROR_CODES.mediaType }, 'webhook content type is not JSON');
      return reply.code(415).send(errorBody(ERROR_CODES.mediaType, 'content type must be JSON'));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send(errorBody(error.code ?? 'BAD_REQUEST', error.message));
    }
    request.log.error({ err: error, code: ERROR_CODES.internal }, 'unhandled error');
    // 5xx detail stays in the log.
    return reply.code(500).send(errorBody(ERROR_CODES.internal, 'internal error'));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const temporal = await options.reviews.ready();
    return reply
      .code(temporal ? 200 : 503)
      .send({ status: temporal ? 'ready' : 'not ready', temporal });
  });

  app.post('/webhooks/statsig', async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    if (raw.length <= HANDSHAKE_MAX_BYTES && raw.includes('url_verification')) {
      const handshake = tryParse(raw);
      const delivery = handshake.ok ? safeDelivery(handshake.value) : undefined;
      if (delivery?.kind === 'url_verification') {
        request.log.info('answered url_verification handshake');
        return reply.code(200).send({ verification_code: delivery.verificationCode });
      }
    }

    const verified = verifySignature(raw, request.headers, {
      secrets: options.webhookSecrets,
      toleranceMs: options.toleranceMs,
      nowMs: now(),
    });
    if (!verified.ok) {
      request.log.warn(
        { code: ERROR_CODES.signature, reason: verified.code },
        'rejected webhook with an invalid signature',
      );
      return reply.code(401).send(errorBody(ERROR_CODES.signature, 'invalid signature'));
    }

    const json = tryParse(raw);
    if (!json.ok) {
      request.log.warn({ code: ERROR_CODES.malformedJson }, 'webhook body is not valid JSON');
      return reply.code(400).send(errorBody(ERROR_CODES.malformedJson, 'body is not valid JSON'));
    }
    let events: StatsigEvent[];
    try {
      const delivery = parseDelivery(json.value);
      events = delivery.kind === 'events' ? delivery.events : [];
    } catch (error) {
      if (!(error instanceof DeliverySchemaError)) throw error;
      request.log.warn(
        { code: ERROR_CODES.schema, path: error.path },
        'webhook body failed validation',
      );
      return reply
        .code(400)
        .send(errorBody(ERROR_CODES.schema, error.message, { path: error.path || '(body)' }));
    }

    const receivedAtMs = now();
    try {
      const summaries = await Promise.all(
        events.map(async (event, index): Promise<EventSummary> => {
          if (event.kind !== 'review') return { index, kind: event.kind, status: 'ignored' };
          const started = await options.reviews.start(event.review, receivedAtMs);
          request.log.info(
            { workflowId: started.workflowId, status: started.status },
            'review webhook handled',
          );
          return { index, kind: event.kind, ...started };
        }),
      );
      return reply.code(200).send({ received: events.length, events: summaries });
    } catch (error) {
      if (!(error instanceof TemporalUnavailableError)) throw error;
      request.log.error({ code: error.code, err: error.message }, 'could not start review');
      // 503 so that Statsig delivers again: nothing is acknowledged without a durable start.
      return reply
        .code(503)
        .header('retry-after', '5')
        .send(errorBody(error.code, 'review could not be started; retry later'));
    }
  });

  return app;
}

function tryParse(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function safeDelivery(value: unknown) {
  try {
    return parseDelivery(value);
  } catch {
    return undefined;
  }
}
