// The webhook receiver as Fastify apps built by a function: tests listen on loopback; src/runtime/
// owns the process. Each app holds what every route shares (logging without secrets, request IDs,
// error answers, 404 and 405); the routes live in plugins: webhook.ts (Statsig's deliveries),
// review-api.ts (people's decisions), ops.ts (health; stats, metrics, changes) and pre-commit.ts
// (Statsig's pre-commit webhook). buildReceivers
// splits them over two listeners that share their state: the public one (webhooks and health
// checks, the only routes the internet needs) and the internal one (everything else);
// buildReceiver serves them all on one.
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { ReceiverMetrics } from '../metrics/receiver';
import { ChangeStore, DEFAULT_CHANGES_KEPT } from './changes';
import { errorBody, RECEIVER_ERRORS, type Replies } from './errors';
import { healthRoutes, opsRoutes } from './ops';
import { type PreCommitOptions, preCommitRoutes } from './pre-commit';
import { SourceBuckets, TokenBucket } from './rate-limit';
import { type ReviewApiOptions, reviewApi } from './review-api';
import type { ReviewStarter } from './review-starter';
import type { RunningReviews } from './running-reviews';
import { createStats, type ReceiverStats } from './stats';
import { webhookRoutes } from './webhook';

export type { EventSummary } from './routing';
export { WEBHOOK_PATH } from './webhook';

export interface ReceiverOptions {
  webhookSecrets: readonly string[];
  toleranceMs: number;
  bodyLimitBytes: number;
  reviews: ReviewStarter;
  /** Tells running reviews about config changes; without it changes are only recorded. */
  runningReviews?: RunningReviews;
  /** How many config changes GET /changes keeps (default 1000). */
  changesKept?: number;
  /** Verified webhook deliveries per minute before answering 429; 0 or unset means no limit. */
  rateLimitPerMinute?: number;
  /** Unverified webhook requests per minute and source before 429; 0 or unset means no cap. */
  unverifiedPerMinute?: number;
  /** Fastify's trustProxy: which X-Forwarded-For hops name the source (TRUST_PROXY). */
  trustProxy?: boolean | number | string[];
  /** Pass one in to read the counters elsewhere too (e.g. a metrics exporter). */
  stats?: ReceiverStats;
  /** Prometheus metrics, served at GET /metrics; without them that route does not exist. */
  metrics?: ReceiverMetrics;
  /** The review API (GET /reviews…, POST /reviews/:id/decision); off without tokens. */
  reviewApi?: ReviewApiOptions;
  /** Statsig's pre-commit webhook (POST /webhooks/statsig/pre-commit); off without keys. */
  preCommit?: PreCommitOptions;
  /** Injectable clock for signature timestamps and the rate limit. */
  now?: () => number;
  /** Pino options (`{ level, stream }`); redaction of secrets is always added. */
  logger?: FastifyServerOptions['logger'];
}

/** Headers and fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers["x-statsig-signature"]',
  'req.headers["statsig-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-statsig-webhook-key"]',
];

// An incoming x-request-id is kept only if it is short and plain, so it cannot forge log content.
const REQUEST_ID_FORMAT = /^[\w.:-]{1,128}$/;

function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  if (logger === true) return { redact: REDACTED_PATHS };
  return { redact: REDACTED_PATHS, ...logger };
}

/**
 * The methods each registered path answers, so a known path asked with another method gets a 405
 * that names them. Collected as routes register: nothing to keep in step by hand.
 */
function routeTable(app: FastifyInstance): (url: string) => string | undefined {
  const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (route) => {
    const source = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const pattern = new RegExp(`^${source}$`);
    let entry = routes.find((known) => known.pattern.source === pattern.source);
    if (!entry) {
      entry = { pattern, methods: [] };
      routes.push(entry);
    }
    for (const method of [route.method].flat()) {
      if (!entry.methods.includes(method)) entry.methods.push(method);
    }
  });
  return (url) => {
    const path = url.split('?')[0] ?? '';
    return routes.find((route) => route.pattern.test(path))?.methods.join(', ');
  };
}

/** Fastify's trustProxy; a hop count becomes the function Fastify itself would build from it. */
function trustProxyOption(trust: ReceiverOptions['trustProxy']) {
  if (trust === undefined) return {};
  if (typeof trust === 'number') {
    return { trustProxy: (_address: string, hop: number) => hop < trust };
  }
  return { trustProxy: trust };
}

/** What both listeners share: one set of counters, one change log, one of each budget. */
interface SharedState {
  now: () => number;
  baseStats: ReceiverStats;
  stats: ReceiverStats;
  changes: ChangeStore;
  bucket: TokenBucket | undefined;
  sources: SourceBuckets | undefined;
}

function sharedState(options: ReceiverOptions): SharedState {
  const now = options.now ?? Date.now;
  const baseStats = options.stats ?? createStats();
  const positive = (value: number | undefined): value is number => value !== undefined && value > 0;
  return {
    now,
    baseStats,
    stats: options.metrics ? options.metrics.instrument(baseStats) : baseStats,
    changes: new ChangeStore(options.changesKept ?? DEFAULT_CHANGES_KEPT),
    bucket: positive(options.rateLimitPerMinute)
      ? new TokenBucket(options.rateLimitPerMinute, now)
      : undefined,
    sources: positive(options.unverifiedPerMinute)
      ? new SourceBuckets(options.unverifiedPerMinute, now)
      : undefined,
  };
}

/** Which routes an app serves: all of them, or one listener's share. */
export type ReceiverRoutes = 'all' | 'public' | 'internal';

/** Every route on one listener (INTERNAL_PORT=shared, and the tests). */
export function buildReceiver(options: ReceiverOptions): FastifyInstance {
  return createApp(options, sharedState(options), 'all');
}

export interface ReceiverApps {
  /** POST /webhooks/statsig, GET /healthz and /readyz: what Statsig and load balancers need. */
  public: FastifyInstance;
  /** /metrics, /stats, /changes, the review API, and the health checks again. */
  internal: FastifyInstance;
}

/** The routes split over two listeners sharing their state. */
export function buildReceivers(options: ReceiverOptions): ReceiverApps {
  const shared = sharedState(options);
  return {
    public: createApp(options, shared, 'public'),
    internal: createApp(options, shared, 'internal'),
  };
}

function createApp(
  options: ReceiverOptions,
  shared: SharedState,
  routes: ReceiverRoutes,
): FastifyInstance {
  const { metrics } = options;
  const { stats, changes, now } = shared;

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
    ...trustProxyOption(options.trustProxy),
  });

  // Once close() has begun, answers to deliveries still in flight end their connection: otherwise a
  // client's idle keep-alive socket would hold shutdown open until it times out. (Set where routes
  // answer rather than in an onSend hook, which would cost every request a hook run.)
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const answer = (reply: FastifyReply, status: number, body: unknown) => {
    if (closing) reply.header('connection', 'close');
    return reply.code(status).send(body);
  };
  /** Every error answer goes through here: one place counts it and shapes its body. */
  const failWithStatus: Replies['failWithStatus'] = (reply, status, code, message, extra = {}) => {
    stats.error(code, status);
    return answer(reply, status, errorBody(code, message, extra));
  };
  const replies: Replies = {
    answer,
    failWithStatus,
    fail: (reply, code, message, extra) =>
      failWithStatus(reply, RECEIVER_ERRORS[code], code, message, extra),
  };

  // Hooks on every request are callback-style: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  const allowedMethods = routeTable(app);
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(request.url);
    if (allowed !== undefined) {
      request.log.info({ code: 'METHOD_NOT_ALLOWED' }, 'method not allowed');
      reply.header('allow', allowed);
      return replies.fail(reply, 'METHOD_NOT_ALLOWED', 'method not allowed');
    }
    request.log.info({ code: 'ROUTE_NOT_FOUND' }, 'no such route');
    return replies.fail(reply, 'ROUTE_NOT_FOUND', 'not found');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      const code = error.code ?? 'BAD_REQUEST';
      request.log.warn({ code }, 'bad request');
      return failWithStatus(reply, error.statusCode, code, error.message);
    }
    request.log.error({ err: error, code: 'INTERNAL_ERROR' }, 'unhandled error');
    // 5xx detail stays in the log.
    return replies.fail(reply, 'INTERNAL_ERROR', 'internal error');
  });

  app.register(healthRoutes, { reviews: options.reviews });
  if (routes !== 'public') {
    app.register(opsRoutes, { replies, changes, stats: shared.baseStats, metrics });
    app.register(reviewApi, { ...options.reviewApi, replies });
  }
  if (routes !== 'internal') {
    // Statsig calls both webhooks: they are the public listener's routes.
    app.register(preCommitRoutes, {
      ...options.preCommit,
      replies,
      bodyLimitBytes: options.bodyLimitBytes,
      now,
    });
    app.register(webhookRoutes, {
      replies,
      webhookSecrets: options.webhookSecrets,
      toleranceMs: options.toleranceMs,
      bodyLimitBytes: options.bodyLimitBytes,
      reviews: options.reviews,
      runningReviews: options.runningReviews,
      changes,
      stats,
      metrics,
      bucket: shared.bucket,
      sources: shared.sources,
      now,
    });
  }
  return app;
}
