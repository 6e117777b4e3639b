// One server for `npm run bench:receiver`, in a process of its own so that load generator and servers
// do not share an event loop: BENCH_APP=receiver is the real receiver (with its metrics), BENCH_APP=bare a Fastify route
// that only parses the same JSON. Started by bench/receiver.ts with fork(); reports its URL over IPC
// and exits with its parent.
import Fastify, { type FastifyInstance } from 'fastify';
import { createReceiverMetrics } from '../src/metrics/receiver';
import { createMetricsRegistry } from '../src/metrics/registry';
import { buildReceiver } from '../src/receiver/app';
import { createReviewStarter } from '../src/receiver/review-starter';
import { createRunningReviews } from '../src/receiver/running-reviews';
import { createClient } from '../src/temporal/connection';

export interface BenchServerReady {
  /** Where to POST deliveries. */
  url: string;
}

async function main(): Promise<void> {
  const { BENCH_APP, BENCH_TEMPORAL_ADDRESS, BENCH_WEBHOOK_SECRET, BENCH_TASK_QUEUE } = process.env;
  if (!BENCH_TEMPORAL_ADDRESS || !BENCH_WEBHOOK_SECRET || !BENCH_TASK_QUEUE || !process.send) {
    throw new Error('receiver-server.ts is started by bench/receiver.ts, not on its own');
  }
  const client = createClient({ address: BENCH_TEMPORAL_ADDRESS, namespace: 'default' });
  let app: FastifyInstance;
  let path: string;
  if (BENCH_APP === 'bare') {
    app = Fastify({ bodyLimit: 1024 * 1024 });
    app.post('/bare', async (request) => ({ received: (request.body as unknown[]).length }));
    path = '/bare';
  } else {
    app = buildReceiver({
      webhookSecrets: [BENCH_WEBHOOK_SECRET],
      toleranceMs: 5 * 60 * 1000,
      bodyLimitBytes: 1024 * 1024,
      reviews: createReviewStarter(client, { taskQueue: BENCH_TASK_QUEUE }),
      runningReviews: createRunningReviews(client),
      // As in production (src/runtime/roles.ts): every delivery also counts into Prometheus metrics.
      metrics: createReceiverMetrics(createMetricsRegistry()),
    });
    path = '/webhooks/statsig';
  }
  const ready: BenchServerReady = {
    url: `${await app.listen({ host: '127.0.0.1', port: 0 })}${path}`,
  };
  process.send(ready);

  const stop = async () => {
    await app.close();
    await client.connection.close();
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
