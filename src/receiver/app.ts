// The webhook receiver as a Fastify app built by a function: tests `inject` into it or listen on
// loopback; src/runtime.ts owns the process. It verifies, parses and routes Statsig's deliveries,
// and acknowledges a review only after Temporal has durably accepted it.
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { z } from 'zod';
import type { ReceiverMetrics } from '../metrics/receiver';
import { ChangeStore, DEFAULT_CHANGES_KEPT } from './changes';
import { DeliverySchemaError, parseDelivery, type StatsigEvent } from './events';
import { TokenBucket } from './rate-limit';
import { REVIEW_PATHS, type ReviewApiOptions, registerReviewRoutes } from './review-routes';
import { type ReviewStarter, TemporalUnavailableError } from './review-starter';
import { routeEvents } from './routing';
import type { RunningReviews } from './running-reviews';
import { verifySignature } from './signature';
import { createStats, type ReceiverStats } from './stats';

export type { EventSummary } from './routing';

export interface ReceiverOptions {
  webhookSecrets: readonly string[];
  toleranceMs: number;
  bodyLimitBytes: number;
  reviews: ReviewStarter;
  /** Tells running reviews about config changes; without it changes are only recorded. */
  runningReviews?: RunningReviews;
  /** How many config changes GET /changes keeps (default 1000). */
  changesKept?: number;
  /** Webhook deliveries per minute before answering 429; 0 or unset means no limit. */
  rateLimitPerMinute?: number;
  /** Pass one in to read the counters elsewhere too (e.g. a metrics exporter). */
  stats?: ReceiverStats;
  /** Prometheus metrics, served at GET /metrics; without them that route does not exist. */
  metrics?: ReceiverMetrics;
  /** The review API (GET /reviews…, POST /reviews/:id/decision); off without tokens. */
  reviewApi?: ReviewApiOptions;
  /** Injectable clock for signature timestamps and the rate limit. */
  now?: () => number;
  /** Pino options (`{ level, stream }`); redaction of secrets is always added. */
  logger?: FastifyServerOptions['logger'];
}

/** Stable error codes: the HTTP answer and the log line both carry them. */
export const ERROR_CODES = {
  signature: 'WEBHOOK_SIGNATURE_INVALID',
  malformedJson: 'WEBHOOK_BODY_MALFORMED',
  schema: 'WEBHOOK_SCHEMA_INVALID',
  tooLarge: 'WEBHOOK_BODY_TOO_LARGE',
  mediaType: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE',
  rateLimited: 'WEBHOOK_RATE_LIMITED',
  queryInvalid: 'QUERY_INVALID',
  notFound: 'ROUTE_NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  temporalUnavailable: 'TEMPORAL_UNAVAILABLE',
  reviewBodyTooLarge: 'REVIEW_DECISION_TOO_LARGE',
  reviewMediaType: 'REVIEW_UNSUPPORTED_MEDIA_TYPE',
  internal: 'INTERNAL_ERROR',
} as const;

/** Headers and fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers["x-statsig-signature"]',
  'req.headers["statsig-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
];

export const WEBHOOK_PATH = '/webhooks/statsig';

/** Every path this app serves, with its methods: anything else there is a 405, not a 404. */
const ROUTES: Record<string, string> = {
  [WEBHOOK_PATH]: 'POST',
  '/healthz': 'GET, HEAD',
  '/readyz': 'GET, HEAD',
  '/changes': 'GET, HEAD',
  '/stats': 'GET, HEAD',
  [REVIEW_PATHS.list]: 'GET, HEAD',
};

/** Paths with parameters, tried when the exact lookup above finds nothing. */
const ROUTE_PATTERNS: Array<[RegExp, string]> = [
  [/^\/reviews\/[^/]+$/, 'GET, HEAD'],
  [/^\/reviews\/[^/]+\/decision$/, 'POST'],
];

function allowedMethods(url: string): string | undefined {
  const path = url.split('?')[0] ?? '';
  return ROUTES[path] ?? ROUTE_PATTERNS.find(([pattern]) => pattern.test(path))?.[1];
}

// A url_verification handshake is small and arrives unsigned; only such bodies are parsed before the
// signature check, so forged traffic costs no JSON parsing.
const HANDSHAKE_MAX_BYTES = 4096;

// An incoming x-request-id is kept only if it is short and plain, so it cannot forge log content.
const REQUEST_ID_FORMAT = /^[\w.:-]{1,128}$/;

/** The 200 answer: a delivery summary, or the url_verification echo. */
const DELIVERY_ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'kind', 'status'],
        properties: {
          index: { type: 'integer' },
          kind: { type: 'string' },
          status: { type: 'string' },
          workflowId: { type: 'string' },
          signalled: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    verification_code: { type: 'string' },
  },
} as const;

function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  if (logger === true) return { redact: REDACTED_PATHS };
  return { redact: REDACTED_PATHS, ...logger };
}

export function buildReceiver(options: ReceiverOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const metrics = options.metrics;
  const baseStats = options.stats ?? createStats();
  const stats = metrics ? metrics.instrument(baseStats) : baseStats;
  const changes = new ChangeStore(options.changesKept ?? DEFAULT_CHANGES_KEPT);
  const bucket =
    options.rateLimitPerMinute !== undefined && options.rateLimitPerMinute > 0
      ? new TokenBucket(options.rateLimitPerMinute, now)
      : undefined;

  const app = Fastify({
    logger: withRedaction(options.logger),
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_FORMAT.test(incoming)
        ? incoming
        : randomUUID();
    },
    return503OnClosing: true,
  });

  // Once close() has begun, answers to deliveries still in flight end their connection: otherwise a
  // client's idle keep-alive socket would hold shutdown open until it times out. (Set where the
  // webhook answers rather than in an onSend hook, which would cost every request a hook run.)
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  function answer(reply: FastifyReply, status: number, body: unknown) {
    if (closing) reply.header('connection', 'close');
    return reply.code(status).send(body);
  }

  /** Every error answer goes through here: one place counts it and shapes its body. */
  function fail(
    reply: FastifyReply,
    status: number,
    code: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    stats.error(code, status);
    // Looked up on errors only: the webhook's 200s are counted where it answers them.
    if (metrics && reply.request.routeOptions.url === WEBHOOK_PATH) metrics.webhookAnswered(status);
    return answer(reply, status, errorBody(code, message, extra));
  }

  // Hooks on every request are callback-style: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  // Keep the exact bytes: the signature covers them, and re-serialised JSON would not match.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    // Fastify matches against the whole header with its parameters (`; charset=utf-8`).
    /^application\/(?:[\w.+-]+\+)?json(?:;|$)/,
    // No parser-level limit: it would override a route's own (the decision route takes 16 KiB);
    // the app-wide bodyLimit covers the webhook.
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );

  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(request.url);
    if (allowed !== undefined) {
      request.log.info({ code: ERROR_CODES.methodNotAllowed }, 'method not allowed');
      reply.header('allow', allowed);
      return fail(reply, 405, ERROR_CODES.methodNotAllowed, 'method not allowed');
    }
    request.log.info({ code: ERROR_CODES.notFound }, 'no such route');
    return fail(reply, 404, ERROR_CODES.notFound, 'not found');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Bodies reach two routes: the webhook, and a decision of the review API.
    const webhook = request.routeOptions.url === WEBHOOK_PATH;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const code = webhook ? ERROR_CODES.tooLarge : ERROR_CODES.reviewBodyTooLarge;
      request.log.warn({ code }, 'body over the limit');
      const limit = request.routeOptions.bodyLimit ?? options.bodyLimitBytes;
      return fail(reply, 413, code, `body over ${limit} bytes`);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const code = webhook ? ERROR_CODES.mediaType : ERROR_CODES.reviewMediaType;
      request.log.warn({ code }, 'content type is not JSON');
      return fail(reply, 415, code, 'content type must be JSON');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      const code = error.code ?? 'BAD_REQUEST';
      request.log.warn({ code }, 'bad request');
      return fail(reply, error.statusCode, code, error.message);
    }
    request.log.error({ err: error, code: ERROR_CODES.internal }, 'unhandled error');
    // 5xx detail stays in the log.
    return fail(reply, 500, ERROR_CODES.internal, 'internal error');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const temporal = await options.reviews.ready();
    return reply
      .code(temporal ? 200 : 503)
      .send({ status: temporal ? 'ready' : 'not ready', temporal });
  });

  app.get('/stats', async () => baseStats.snapshot());

  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  }

  registerReviewRoutes(app, options.reviewApi ?? {}, fail);

  const changesQuery = z.object({
    entity: z.string().min(1).optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(changes.capacity)
      .default(Math.min(100, changes.capacity)),
  });
  app.get('/changes', async (request, reply) => {
    const query = changesQuery.safeParse(request.query);
    if (!query.success) {
      const issue = query.error.issues[0];
      const path = issue?.path.join('.') || '(query)';
      request.log.info({ code: ERROR_CODES.queryInvalid, path }, 'invalid /changes query');
      return fail(reply, 400, ERROR_CODES.queryInvalid, `${path}: ${issue?.message}`, { path });
    }
    return { changes: changes.list(query.data) };
  });

  // Sheds load before the body is read: an onRequest hook runs before any content parsing.
  const rateLimit = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const taken = bucket?.take();
    if (taken === undefined || taken.ok) return done();
    request.log.warn({ code: ERROR_CODES.rateLimited }, 'webhook delivery shed by the rate limit');
    reply.header('retry-after', String(taken.retryAfterSeconds));
    fail(reply, 429, ERROR_CODES.rateLimited, 'too many deliveries; retry later');
  };

  const webhookRoute = {
    ...(bucket ? { onRequest: rateLimit } : {}),
    // A compiled serializer for the summary: a batch of 50 exposures answers with 50 entries.
    schema: { response: { 200: DELIVERY_ANSWER_SCHEMA } },
  };

  app.post(WEBHOOK_PATH, webhookRoute, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    if (raw.length <= HANDSHAKE_MAX_BYTES && raw.includes('url_verification')) {
      const handshake = tryParse(raw);
      const delivery = handshake.ok ? safeDelivery(handshake.value) : undefined;
      if (delivery?.kind === 'url_verification') {
        request.log.info('answered url_verification handshake');
        stats.delivery();
        metrics?.webhookAnswered(200);
        return answer(reply, 200, { verification_code: delivery.verificationCode });
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
      stats.signatureFailure(verified.code);
      return fail(reply, 401, ERROR_CODES.signature, 'invalid signature');
    }

    const json = tryParse(raw);
    if (!json.ok) {
      request.log.warn({ code: ERROR_CODES.malformedJson }, 'webhook body is not valid JSON');
      return fail(reply, 400, ERROR_CODES.malformedJson, 'body is not valid JSON');
    }
    let events: StatsigEvent[];
    try {
      const delivery = parseDelivery(json.value);
      events = delivery.kind === 'events' ? delivery.events : [];
    } catch (error) {
      if (!(error instanceof DeliverySchemaError)) throw error;
      const path = error.path || '(body)';
      request.log.warn({ code: ERROR_CODES.schema, path }, 'webhook body failed validation');
      return fail(reply, 400, ERROR_CODES.schema, error.message, { path });
    }

    try {
      const summaries = await routeEvents(
        events,
        now(),
        { reviews: options.reviews, changes, runningReviews: options.runningReviews, stats },
        request.log,
      );
      stats.delivery();
      metrics?.webhookAnswered(200);
      return answer(reply, 200, { received: events.length, events: summaries });
    } catch (error) {
      if (!(error instanceof TemporalUnavailableError)) throw error;
      request.log.error({ code: error.code, err: error.message }, 'could not start review');
      // 503 so that Statsig delivers again: nothing is acknowledged without a durable start.
      reply.header('retry-after', '5');
      return fail(reply, 503, error.code, 'review could not be started; retry later');
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
