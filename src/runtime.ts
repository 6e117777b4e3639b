// Wires the roles into running processes: the embedded dev server (when TEMPORAL_ADDRESS is unset),
// the workers and the receiver, with one orderly shutdown for all of them.
import path from 'node:path';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import type { ActivityDependencies } from '../activities';
import type { Config } from './config';
import { PROJECT_ROOT } from './config';
import { loadGateConfig } from './gate/load';
import { createReceiverMetrics } from './metrics/receiver';
import { createMetricsRegistry } from './metrics/registry';
import { type MetricsServer, startMetricsServer } from './metrics/server';
import { createWorkerMetrics, type WorkerMetrics } from './metrics/worker';
import { buildReceiver, REDACTED_PATHS } from './receiver/app';
import { createReviewStarter } from './receiver/review-starter';
import { createRunningReviews } from './receiver/running-reviews';
import { createReviewControl } from './reviews/control';
import {
  type StatsigCallObserver,
  StatsigConsoleClient,
  StatsigEventsClient,
} from './statsig/console-client';
import {
  connectWorker,
  createClient,
  describeTarget,
  ensureSearchAttributes,
  temporalTarget,
} from './temporal/connection';
import { type DevServer, getFreePort, startDevServer } from './temporal/dev-server';
import { createReviewWorkers, type ReviewWorkers } from './worker';

function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({ name, level: config.LOG_LEVEL, redact: REDACTED_PATHS });
}

const SDK_LOG_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let runtimeInstalled = false;
/**
 * The Temporal SDK's runtime, once per process: its log lines join ours as JSON (at WARN and up: it
 * logs every poll at INFO), and its own metrics go to a Prometheus exporter when asked for.
 */
function installTemporalRuntime(log: Logger, sdkMetricsBindAddress?: string): boolean {
  if (runtimeInstalled) return false;
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) =>
      sdkLog[SDK_LOG_LEVELS[entry.level]](entry.meta ?? {}, entry.message),
    ),
    // The CLI owns SIGINT/SIGTERM and stops the receiver before the workers.
    shutdownSignals: [],
    ...(sdkMetricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsBindAddress } } } }
      : {}),
  });
  runtimeInstalled = true;
  return true;
}

export interface RunningService {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  receiverUrl: string | undefined;
  /** The worker's metrics listener (GET /metrics), when the worker role runs with one. */
  workerMetricsUrl: string | undefined;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Told about each step of a start that may take a while, for people watching a terminal. */
  progress?: (step: string) => void;
}

export interface ServiceRoles {
  worker: boolean;
  receiver: boolean;
}

/** Starts the embedded Temporal dev server unless TEMPORAL_ADDRESS points at one already. */
async function ensureTemporal(
  config: Config,
  log: Logger,
): Promise<{ address: string; uiUrl: string | undefined; devServer?: DevServer }> {
  if (config.TEMPORAL_ADDRESS) {
    return { address: config.TEMPORAL_ADDRESS, uiUrl: config.TEMPORAL_UI_URL };
  }
  const devServer = await startDevServer({
    projectRoot: PROJECT_ROOT,
    port: config.TEMPORAL_DEV_PORT,
    uiPort: config.TEMPORAL_DEV_UI_PORT,
    ip: '127.0.0.1',
    namespace: config.TEMPORAL_NAMESPACE,
    dbFilename: path.join(config.TEMPORAL_DATA_DIR, 'temporal.sqlite'),
    log: (line) => log.info(line),
  });
  log.info({ address: devServer.address, ui: devServer.uiUrl }, 'embedded Temporal dev server up');
  return {
    address: devServer.address,
    uiUrl: config.TEMPORAL_UI_URL ?? devServer.uiUrl,
    devServer,
  };
}

function statsigDependencies(
  config: Config,
  onCall?: StatsigCallObserver,
): Omit<ActivityDependencies, 'gate'> {
  const observe = onCall ? { onCall } : {};
  const statsig = new StatsigConsoleClient({
    baseUrl: config.STATSIG_CONSOLE_API_URL,
    apiKey: config.STATSIG_CONSOLE_API_KEY,
    timeoutMs: config.STATSIG_TIMEOUT_MS,
    ...observe,
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

export async function startService(
  config: Config,
  roles: ServiceRoles,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const progress = options.progress ?? (() => {});
  const log = createLogger(config, 'rollout-gate');
  const registry = createMetricsRegistry();
  const workerMetricsPort = roles.worker ? config.WORKER_METRICS_PORT : undefined;
  // The SDK's exporter listens on loopback only; the worker's metrics listener passes it on.
  const sdkMetricsPort = workerMetricsPort === undefined ? undefined : await getFreePort();
  const sdkMetricsInstalled = installTemporalRuntime(
    log,
    sdkMetricsPort === undefined ? undefined : `127.0.0.1:${sdkMetricsPort}`,
  );
  // Certificate files are read before anything starts: a wrong path stops the boot at once.
  const remote = config.TEMPORAL_ADDRESS
    ? temporalTarget(config, config.TEMPORAL_ADDRESS)
    : undefined;
  progress(
    remote
      ? `Temporal: ${describeTarget(remote)}`
      : 'Starting the embedded Temporal dev server (the first run installs the Temporal CLI)…',
  );
  const temporal = await ensureTemporal(config, log);
  const target = remote ?? temporalTarget(config, temporal.address);
  if (temporal.devServer) {
    progress(
      `Temporal dev server ready on ${temporal.address}${temporal.uiUrl ? `, UI ${temporal.uiUrl}` : ''}`,
    );
  }
  const stops: Array<() => Promise<void>> = [];
  if (temporal.devServer) stops.push(() => temporal.devServer?.stop() ?? Promise.resolve());

  try {
    let workerMetricsUrl: string | undefined;
    if (roles.worker) {
      progress(`Loading the gate config ${config.GATE_CONFIG}…`);
      const gate = await loadGateConfig(config.GATE_CONFIG);
      log.info(
        { gateConfig: config.GATE_CONFIG, suites: gate.suites.length },
        'gate config loaded',
      );
      progress(`Connecting the workers to Temporal at ${target.address}…`);
      const connection = await connectWorker(target);
      if (!temporal.devServer) {
        const client = createClient(target);
        try {
          const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
          if (added.length > 0) log.info({ added }, 'registered review search attributes');
        } finally {
          await client.connection.close();
        }
      }
      const metrics: WorkerMetrics = createWorkerMetrics(registry);
      progress('Building the workflow bundle and starting the workers…');
      const workers: ReviewWorkers = await createReviewWorkers({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        dependencies: {
          ...statsigDependencies(config, metrics.statsigCall),
          gate,
          reportsDir: config.GATE_REPORTS_DIR,
        },
        workflows: { workflowsPath: require.resolve('../workflows') },
        statsigWritesPerSecond: config.STATSIG_WRITES_PER_SECOND,
        metrics,
      });
      const workersDone = workers.run();
      workersDone.catch((error: unknown) =>
        log.error({ err: error }, 'worker stopped with an error'),
      );
      stops.unshift(async () => {
        workers.shutdown();
        await workersDone.catch(() => undefined);
        await connection.close();
      });
      log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'workers polling');
      progress(`Workers polling task queue ${config.TEMPORAL_TASK_QUEUE}`);

      if (workerMetricsPort !== undefined) {
        const server: MetricsServer = await startMetricsServer({
          host: config.WORKER_METRICS_HOST,
          port: workerMetricsPort,
          registry,
          // Without our exporter (a runtime installed earlier in this process) only ours are shown.
          ...(sdkMetricsInstalled
            ? { sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics` }
            : {}),
        });
        workerMetricsUrl = `${server.url}/metrics`;
        // Last to close: a scrape during the drain still sees the final counts.
        stops.push(() => server.close());
        log.info({ url: workerMetricsUrl }, 'worker metrics listening');
      }
    }

    let receiverUrl: string | undefined;
    if (roles.receiver) {
      const client = createClient(target);
      const app = buildReceiver({
        webhookSecrets: config.STATSIG_WEBHOOK_SECRET,
        toleranceMs: config.WEBHOOK_TOLERANCE_MS,
        bodyLimitBytes: config.WEBHOOK_BODY_LIMIT_BYTES,
        reviews: createReviewStarter(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }),
        runningReviews: createRunningReviews(client),
        changesKept: config.WEBHOOK_CHANGES_KEPT,
        rateLimitPerMinute: config.WEBHOOK_RATE_LIMIT_PER_MINUTE,
        metrics: createReceiverMetrics(registry),
        reviewApi: {
          tokens: config.REVIEW_API_TOKEN,
          control: createReviewControl(client, temporal.uiUrl ? { uiUrl: temporal.uiUrl } : {}),
        },
        logger: { level: config.LOG_LEVEL },
      });
      const address = await app.listen({ host: config.HOST, port: config.PORT });
      receiverUrl = address.replace('0.0.0.0', 'localhost');
      // The receiver closes first so no new review starts while the workers drain.
      stops.unshift(async () => {
        await app.close();
        await client.connection.close();
      });
      log.info(
        {
          url: `${receiverUrl}/webhooks/statsig`,
          reviewApi: config.REVIEW_API_TOKEN ? 'on' : 'off (set REVIEW_API_TOKEN)',
        },
        'receiver listening',
      );
      progress(
        `Receiver listening on ${receiverUrl} (webhooks at ${receiverUrl}/webhooks/statsig)`,
      );
    }

    let stopping: Promise<void> | undefined;
    return {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      receiverUrl,
      workerMetricsUrl,
      stop() {
        stopping ??= (async () => {
          for (const stop of stops)
            await stop().catch((error: unknown) => log.warn({ err: error }));
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
}
