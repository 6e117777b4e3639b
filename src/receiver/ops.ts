// The receiver's operations routes as two Fastify plugins: health (liveness, and readiness: Temporal
// answers), served on both listeners for probes; and the internal ones, the /stats counters,
// Prometheus /metrics and the config changes Statsig reported (GET /changes), which only the
// internal listener serves: they are unauthenticated.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ReceiverMetrics } from '../metrics/receiver';
import { firstIssue } from '../zod-issues';
import type { ChangeStore } from './changes';
import type { Replies } from './errors';
import type { ReviewStarter } from './review-starter';
import type { ReceiverStats } from './stats';

export async function healthRoutes(
  app: FastifyInstance,
  options: { reviews: ReviewStarter },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const temporal = await options.reviews.ready();
    return reply
      .code(temporal ? 200 : 503)
      .send({ status: temporal ? 'ready' : 'not ready', temporal });
  });
}

export interface OpsOptions {
  replies: Replies;
  changes: ChangeStore;
  /** The plain counters (GET /stats reads them; the metrics wrap them). */
  stats: ReceiverStats;
  /** Without them, GET /metrics does not exist. */
  metrics: ReceiverMetrics | undefined;
}

export async function opsRoutes(app: FastifyInstance, options: OpsOptions): Promise<void> {
  const { replies, changes, metrics } = options;

  app.get('/stats', async () => options.stats.snapshot());

  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  }

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
      const { path, message } = firstIssue(query.error, '(query)');
      request.log.info({ code: 'QUERY_INVALID', path }, 'invalid /changes query');
      return replies.fail(reply, 'QUERY_INVALID', message, { path });
    }
    return { changes: changes.list(query.data) };
  });
}
