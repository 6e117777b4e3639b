// The two roles a process can run: the workers (reviews, benchmarks, rate-limited Statsig writes,
// notifications, the catch-up Schedule, and their metrics listener) and the receiver (webhooks on the
// public listener; review API and operations routes on the internal one). Each role is handed only
// the secret it needs.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ActivityDependencies } from '../../activities';
import { type Config, roleSecret, statsigWriteRate } from '../config';
import { GateConfigError } from '../gate/define';
import { loadGateConfig } from '../gate/load';
import { createReceiverMetrics } from '../metrics/receiver';
import { startMetricsServer } from '../metrics/server';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics/worker';
import { routesWithoutSecret } from '../notify/routing';
import type { NotifyTargets } from '../notify/types';
import { buildReceiver, buildReceivers, type ReceiverOptions, WEBHOOK_PATH } from '../receiver/app';
import { createPreCommitStarter } from '../receiver/pre-commit-starter';
import { createReviewStarter } from '../receiver/review-starter';
import { createRunningReviews } from '../receiver/running-reviews';
import { catchUpScheduleId, ensureCatchUpSchedule } from '../reviews/catch-up-schedule';
import { createReviewControl } from '../reviews/control';
import { StatsigConsoleClient } from '../statsig/console-client';
import { StatsigEventsClient } from '../statsig/events-client';
import {
  connectWorker,
  createClient,
  ensureSearchAttributes,
  type TemporalTarget,
} from '../temporal/connection';
import { createReviewWorkers } from '../worker';

/** What every role needs from the process that runs it. */
export interface RoleContext {
  config: Config;
  log: Logger;
  progress: (step: string) => void;
  registry: Registry;
  target: TemporalTarget;
  /** The Temporal UI, for links in the review API's answers. */
  uiUrl: string | undefined;
  /** Whether this process started the dev server (which registers the search attributes itself). */
  embedded: boolean;
  /** Shutdown steps: `first` runs before those added so far, `last` after. */
  stops: { first(stop: () => Promise<void>): void; last(stop: () => Promise<void>): void };
}

function statsigDependencies(
  config: Config,
  log: Logger,
  metrics: WorkerMetrics,
): Omit<ActivityDependencies, 'gate'> {
  const observe = { onCall: metrics.statsigCall };
  const statsig = new StatsigConsoleClient({
    baseUrl: config.STATSIG_CONSOLE_API_URL,
    apiKey: roleSecret(config, 'worker'),
    timeoutMs: config.STATSIG_TIMEOUT_MS,
    ...observe,
    // Counted every time, logged the first time each kind is seen: one per read would drown the log.
    onSurprise: (surprise) => {
      if (metrics.statsigSurprise(surprise)) {
        log.warn(
          { code: 'STATSIG_UNDOCUMENTED_ANSWER', ...surprise },
          'Statsig answered beyond its documentation; reading on',
        );
      }
    },
  });
  const events = config.STATSIG_SERVER_SECRET
    ? new StatsigEventsClient({
        baseUrl: config.STATSIG_EVENTS_API_URL,
        serverSecret: config.STATSIG_SERVER_SECRET,
        timeoutMs: config.STATSIG_TIMEOUT_MS,
        ...observe,
      })
    : undefined;
  return events ? { statsig, events } : { statsig };
}

/** The worker's own secrets, redacted from what benchmark runs report (activities/redaction.ts). */
/** Every credential the worker holds: masked in benchmark output and logs wherever it shows up. */
export function workerSecrets(config: Config): string[] {
  return [
    ...(config.STATSIG_WEBHOOK_SECRET ?? []),
    config.STATSIG_CONSOLE_API_KEY,
    config.STATSIG_SERVER_SECRET,
    config.TEMPORAL_API_KEY,
    ...(config.REVIEW_API_TOKEN ?? []),
    ...(config.STATSIG_PRECOMMIT_WEBHOOK_KEY ?? []),
    // A Slack incoming-webhook URL is a credential by itself; keep it out of benchmark logs too.
    config.NOTIFY_SLACK_WEBHOOK_URL,
    config.NOTIFY_WEBHOOK_SECRET,
  ].filter((secret): secret is string => secret !== undefined);
}

/** Starts the workers; answers the URL of their metrics listener, when there is one. */
export async function startWorkerRole(
  context: RoleContext,
  metricsListener: { port: number; sdkMetricsUrl: string | undefined } | undefined,
): Promise<string | undefined> {
  const { config, log, progress, registry, target, stops } = context;
  progress(`Loading the gate config ${config.GATE_CONFIG}…`);
  const gate = await loadGateConfig(config.GATE_CONFIG);
  log.info({ gateConfig: config.GATE_CONFIG, suites: gate.suites.length }, 'gate config loaded');
  const unsigned = routesWithoutSecret(gate.notifications, notifyTargets(config));
  if (unsigned.length > 0) {
    throw new GateConfigError(
      config.GATE_CONFIG,
      unsigned.map(
        (index) =>
          `notifications.routes[${index}].webhook: give it a secret, or set NOTIFY_WEBHOOK_SECRET`,
      ),
    );
  }
  progress(`Connecting the workers to Temporal at ${target.address}…`);
  const connection = await connectWorker(target);
  // The workers' own client: the catch-up starts reviews with it and keeps its Schedule.
  const client = createClient(target);
  stops.last(() => client.connection.close());
  if (!context.embedded) {
    const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
    if (added.length > 0) log.info({ added }, 'registered review search attributes');
  }
  const metrics = createWorkerMetrics(registry);
  progress('Building the workflow bundle and starting the workers…');
  const workers = await createReviewWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dependencies: {
      ...statsigDependencies(config, log, metrics),
      gate,
      reportsDir: config.GATE_REPORTS_DIR,
      secrets: workerSecrets(config),
      links: {
        temporalUiUrl: context.uiUrl,
        namespace: config.TEMPORAL_NAMESPACE,
        reportsUrl: config.GATE_REPORTS_URL,
      },
      notify: {
        ...notifyTargets(config),
        ...(context.uiUrl ? { temporalUiUrl: context.uiUrl } : {}),
        namespace: config.TEMPORAL_NAMESPACE,
        ...(config.GATE_REPORTS_URL ? { reportsUrl: config.GATE_REPORTS_URL } : {}),
      },
      stuckAfterMs: config.REVIEW_STUCK_AFTER,
      ...(config.GATE_CACHE_MAX_AGE === undefined
        ? {}
        : { runCache: { maxAgeMs: config.GATE_CACHE_MAX_AGE } }),
    },
    workflows: { workflowsPath: require.resolve('../../workflows') },
    statsigWritesPerSecond: statsigWriteRate(config),
    metrics,
    retention: {
      settings: {
        maxAgeMs: config.GATE_REPORTS_MAX_AGE,
        maxBytes: config.GATE_REPORTS_MAX_BYTES,
      },
      intervalMs: config.GATE_REPORTS_PRUNE_INTERVAL,
    },
    client,
  });
  if (workers.retentionSchedule !== 'off') {
    log.info(
      { schedule: workers.retentionSchedule, reportsDir: config.GATE_REPORTS_DIR },
      'report retention schedule',
    );
  }
  const workersDone = workers.run();
  workersDone.catch((error: unknown) => log.error({ err: error }, 'worker stopped with an error'));
  stops.first(async () => {
    workers.shutdown();
    await workersDone.catch(() => undefined);
    await connection.close();
  });
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'workers polling');
  progress(`Workers polling task queue ${config.TEMPORAL_TASK_QUEUE}`);
  await keepCatchUpSchedule(context, client);

  if (metricsListener === undefined) return undefined;
  const server = await startMetricsServer({
    host: config.WORKER_METRICS_HOST,
    port: metricsListener.port,
    registry,
    // Without our exporter (a runtime installed earlier in this process) only ours are shown.
    ...(metricsListener.sdkMetricsUrl ? { sdkMetricsUrl: metricsListener.sdkMetricsUrl } : {}),
  });
  const url = `${server.url}/metrics`;
  // Last to close: a scrape during the drain still sees the final counts.
  stops.last(() => server.close());
  log.info({ url }, 'worker metrics listening');
  return url;
}

/** The NOTIFY_* destinations every review without a matching gate-config route goes to. */
function notifyTargets(config: Config): NotifyTargets {
  return {
    ...(config.NOTIFY_SLACK_WEBHOOK_URL
      ? { slackWebhookUrl: config.NOTIFY_SLACK_WEBHOOK_URL }
      : {}),
    ...(config.NOTIFY_WEBHOOK_URL ? { webhookUrl: config.NOTIFY_WEBHOOK_URL } : {}),
    ...(config.NOTIFY_WEBHOOK_SECRET ? { webhookSecret: config.NOTIFY_WEBHOOK_SECRET } : {}),
  };
}

/** The catch-up Schedule, as STATSIG_CATCHUP_INTERVAL says; reviews run on without it if it fails. */
async function keepCatchUpSchedule(context: RoleContext, client: Client): Promise<void> {
  const { config, log } = context;
  const intervalMs = config.STATSIG_CATCHUP_INTERVAL;
  try {
    const { change } = await ensureCatchUpSchedule(client, {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      intervalMs,
    });
    log.info(
      { scheduleId: catchUpScheduleId(config.TEMPORAL_TASK_QUEUE), change, intervalMs },
      intervalMs === undefined ? 'catch-up off' : 'catch-up scheduled',
    );
  } catch (error) {
    log.warn(
      { err: error, code: 'CATCH_UP_SCHEDULE_FAILED' },
      'could not create or update the catch-up schedule; lost webhooks are not caught up',
    );
  }
}

/** Where the receiver listens: the public URL, and the internal one when it has its own. */
export interface ReceiverUrls {
  url: string;
  internalUrl: string | undefined;
}

const reachable = (address: string) => address.replace('0.0.0.0', 'localhost');

/** Starts the receiver; answers the URLs it listens on. */
export async function startReceiverRole(context: RoleContext): Promise<ReceiverUrls> {
  const { config, log, progress, registry, target, stops } = context;
  const client = createClient(target);
  const metrics = createReceiverMetrics(registry);
  const options: ReceiverOptions = {
    webhookSecrets: roleSecret(config, 'receiver'),
    toleranceMs: config.WEBHOOK_TOLERANCE_MS,
    bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES,
    reviews: createReviewStarter(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }),
    runningReviews: createRunningReviews(client),
    changesKept: config.WEBHOOK_CHANGES_KEPT,
    rateLimitPerMinute: config.WEBHOOK_RATE_LIMIT_PER_MINUTE,
    unverifiedPerMinute: config.WEBHOOK_UNVERIFIED_PER_MINUTE,
    trustProxy: config.TRUST_PROXY,
    metrics,
    reviewApi: {
      tokens: config.REVIEW_API_TOKEN,
      control: createReviewControl(client, {
        ...(context.uiUrl ? { uiUrl: context.uiUrl } : {}),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        onStarted: (source) => metrics.reviewStarted(source),
      }),
    },
    preCommit: {
      keys: config.STATSIG_PRECOMMIT_WEBHOOK_KEY,
      starter: createPreCommitStarter(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }),
    },
    logger: { level: config.LOG_LEVEL },
  };
  const shared = config.INTERNAL_PORT === 'shared';
  const apps = shared
    ? { public: buildReceiver(options), internal: undefined }
    : buildReceivers(options);
  // The receiver closes first so no new review starts while the workers drain.
  stops.first(async () => {
    await Promise.all([apps.public.close(), apps.internal?.close()]);
    await client.connection.close();
  });
  const url = reachable(await apps.public.listen({ host: config.HOST, port: config.PORT }));
  const internalUrl =
    apps.internal && config.INTERNAL_PORT !== 'shared'
      ? reachable(
          await apps.internal.listen({ host: config.INTERNAL_HOST, port: config.INTERNAL_PORT }),
        )
      : undefined;
  log.info(
    {
      url: `${url}${WEBHOOK_PATH}`,
      internalUrl: internalUrl ?? `${url} (INTERNAL_PORT=shared)`,
      reviewApi: config.REVIEW_API_TOKEN ? 'on' : 'off (set REVIEW_API_TOKEN)',
    },
    'receiver listening',
  );
  progress(
    `Receiver listening on ${url} (webhooks at ${url}${WEBHOOK_PATH}); ` +
      (internalUrl
        ? `metrics, stats, changes and the review API on ${internalUrl}`
        : 'every route on that one listener (INTERNAL_PORT=shared)'),
  );
  return { url, internalUrl };
}
