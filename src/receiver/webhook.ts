// POST /webhooks/statsig as a Fastify plugin: the source's unverified budget (before the body is
// read), the raw-body parser (the signature covers the exact bytes), the url_verification handshake,
// the signature, the review budget (verified deliveries only), then routing. A review is
// acknowledged only after Temporal has durably accepted it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReceiverMetrics } from '../metrics/receiver';
import { verifySignature } from '../statsig/webhook-signature';
import type { ChangeStore } from './changes';
import type { Replies } from './errors';
import { DeliverySchemaError, parseDelivery, type StatsigEvent } from './events';
import { type SourceBuckets, sourceKey, type TokenBucket } from './rate-limit';
import { rawJsonBodies } from './raw-json';
import { type ReviewStarter, TemporalUnavailableError } from './review-starter';
import { routeEvents } from './routing';
import type { RunningReviews } from './running-reviews';
import type { ReceiverStats } from './stats';

export const WEBHOOK_PATH = '/webhooks/statsig';

export interface WebhookOptions {
  replies: Replies;
  webhookSecrets: readonly string[];
  toleranceMs: number;
  bodyLimitBytes: number;
  reviews: ReviewStarter;
  runningReviews: RunningReviews | undefined;
  changes: ChangeStore;
  stats: ReceiverStats;
  metrics: ReceiverMetrics | undefined;
  /** The review budget: verified deliveries over WEBHOOK_RATE_LIMIT_PER_MINUTE; absent, no limit. */
  bucket: TokenBucket | undefined;
  /** Each source's budget of requests not (yet) verified (WEBHOOK_UNVERIFIED_PER_MINUTE). */
  sources: SourceBuckets | undefined;
  now: () => number;
}

// A url_verification handshake is small and arrives unsigned; only such bodies are parsed before the
// signature check, so forged traffic costs no JSON parsing.
const HANDSHAKE_MAX_BYTES = 4096;

/** The 200 answer: a delivery summary, or the url_verification echo. */
const DELIVERY_ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    unreadable: { type: 'integer' },
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
          path: { type: 'string' },
          reason: { type: 'string' },
        },
      },
    },
    verification_code: { type: 'string' },
  },
} as const;

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

/**
 * The route's two budgets as hooks: `sourceLimit` charges the source of every request before its body
 * is read; `admitVerified`, once the signature checked out, refunds that and takes from the review
 * budget (false when the answer, a 429, has been sent).
 */
function budgets({ bucket, sources, replies }: WebhookOptions) {
  const { fail } = replies;
  // The source each admitted request was charged to, until its signature gives the token back.
  const charged = new WeakMap<FastifyRequest, string>();

  // Sheds a source's unverified requests before the body is read: an onRequest hook runs before any
  // content parsing. Every request is charged; one that proves its signature is refunded below.
  const sourceLimit = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!sources) return done();
    const source = sourceKey(request.ip);
    const taken = sources.take(source);
    if (taken.ok) {
      charged.set(request, source);
      return done();
    }
    request.log.warn(
      { code: 'WEBHOOK_SOURCE_RATE_LIMITED' },
      'webhook request shed: its source is over its budget of unverified requests',
    );
    reply.header('retry-after', String(taken.retryAfterSeconds));
    fail(reply, 'WEBHOOK_SOURCE_RATE_LIMITED', 'too many unverified requests; retry later');
  };

  /** Verified: the source's token back, then one from the review budget. */
  const admitVerified = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const source = charged.get(request);
    if (source !== undefined) sources?.refund(source);
    const taken = bucket?.take();
    if (taken === undefined || taken.ok) return true;
    request.log.warn({ code: 'WEBHOOK_RATE_LIMITED' }, 'webhook delivery shed by the rate limit');
    reply.header('retry-after', String(taken.retryAfterSeconds));
    fail(reply, 'WEBHOOK_RATE_LIMITED', 'too many deliveries; retry later');
    return false;
  };

  return { sourceLimit, admitVerified };
}

export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const { replies, stats, metrics, sources, now } = options;
  const { answer, fail } = replies;

  // Keep the exact bytes: the signature covers them, and re-serialised JSON would not match.
  rawJsonBodies(app, {
    fail,
    bodyLimitBytes: options.bodyLimitBytes,
    codes: { tooLarge: 'WEBHOOK_BODY_TOO_LARGE', notJson: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE' },
  });

  // Every answer to a delivery is counted here, whichever step gave it: one place for the metric.
  app.addHook('onResponse', (_request, reply, done) => {
    metrics?.webhookAnswered(reply.statusCode);
    if (reply.statusCode < 300) stats.delivery();
    done();
  });

  const { sourceLimit, admitVerified } = budgets(options);

  const route = {
    bodyLimit: options.bodyLimitBytes,
    ...(sources ? { onRequest: sourceLimit } : {}),
    // A compiled serializer for the summary: a batch of 50 exposures answers with 50 entries.
    schema: { response: { 200: DELIVERY_ANSWER_SCHEMA } },
  };

  app.post(WEBHOOK_PATH, route, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    if (raw.length <= HANDSHAKE_MAX_BYTES && raw.includes('url_verification')) {
      const handshake = tryParse(raw);
      const delivery = handshake.ok ? safeDelivery(handshake.value) : undefined;
      if (delivery?.kind === 'url_verification') {
        request.log.info('answered url_verification handshake');
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
        { code: 'WEBHOOK_SIGNATURE_INVALID', reason: verified.code },
        'rejected webhook with an invalid signature',
      );
      stats.signatureFailure(verified.code);
      return fail(reply, 'WEBHOOK_SIGNATURE_INVALID', 'invalid signature');
    }
    if (!admitVerified(request, reply)) return reply;

    const json = tryParse(raw);
    if (!json.ok) {
      request.log.warn({ code: 'WEBHOOK_BODY_MALFORMED' }, 'webhook body is not valid JSON');
      return fail(reply, 'WEBHOOK_BODY_MALFORMED', 'body is not valid JSON');
    }
    let events: StatsigEvent[];
    try {
      const delivery = parseDelivery(json.value);
      events = delivery.kind === 'events' ? delivery.events : [];
    } catch (error) {
      if (!(error instanceof DeliverySchemaError)) throw error;
      const path = error.path || '(body)';
      request.log.warn({ code: 'WEBHOOK_SCHEMA_INVALID', path }, 'webhook body failed validation');
      return fail(reply, 'WEBHOOK_SCHEMA_INVALID', error.message, { path });
    }

    try {
      const summaries = await routeEvents(
        events,
        now(),
        {
          reviews: options.reviews,
          changes: options.changes,
          runningReviews: options.runningReviews,
          stats,
        },
        request.log,
      );
      const unreadable = summaries.filter((summary) => summary.status === 'unreadable').length;
      return answer(reply, 200, { received: events.length, unreadable, events: summaries });
    } catch (error) {
      if (!(error instanceof TemporalUnavailableError)) throw error;
      request.log.error({ code: error.code, err: error.message }, 'could not start review');
      // 503 so that Statsig delivers again: nothing is acknowledged without a durable start.
      reply.header('retry-after', '5');
      return fail(reply, 'TEMPORAL_UNAVAILABLE', 'review could not be started; retry later');
    }
  });
}
