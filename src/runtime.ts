// Wires the roles into running processes: the embedded dev server (when TEMPORAL_ADDRESS is unset),
// the workers and the receiver, with one orderly shutdown for all of them.
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import type { ActivityDependencies } from '../activities';
import type { Config } from './config';
import { PROJECT_ROOT } from './config';
import { loadGateConfig } from './gate/load';
import { buildReceiver, REDACTED_PATHS } from './receiver/app';
import { createReviewStarter } from './receiver/review-starter';
import { createRunningReviews } from './receiver/running-reviews';
import { createReviewControl } from './reviews/control';
import { StatsigConsoleClient, StatsigEventsClient } from './statsig/console-client';
import {
  connectWorker,
  createClient,
  ensureSearchAttributes,
  temporalTarget,
} from './temporal/connection';
import { type DevServer, startDevServer } from './temporal/dev-server';
import { createReviewWorkers, type ReviewWorkers } from './worker';

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({ name, level: config.LOG_LEVEL, redact: REDACTED_PATHS });
}

let runtimeInstalled = false;
/** The SDK logs every worker poll at INFO; keep its voice to warnings in our JSON log stream. */
function installTemporalRuntime(): void {
  if (runtimeInstalled) return;
  // shutdownSignals: [] because the CLI owns SIGINT/SIGTERM and stops the receiver before the workers.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  runtimeInstalled = true;
}

export interface RunningService {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  receiverUrl: string | undefined;
  stop(): Promise<void>;
}

export interface ServiceRoles {
  worker: boolean;
  receiver: boolean;
}

/** Starts the embedded Temporal dev server unless TEMPORAL_ADDRESS points at one already. */
export async function ensureTemporal(
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

export function statsigDependencies(config: Config): Omit<ActivityDependencies, 'gate'> {
  const statsig = new StatsigConsoleClient({
    baseUrl: config.STATSIG_CONSOLE_API_URL,
    apiKey: config.STATSIG_CONSOLE_API_KEY,
    timeoutMs: config.STATSIG_TIMEOUT_MS,
  });
  const events = config.STATSIG_SERVER_SECRET
    ? new StatsigEventsClient({
        baseUrl: config.STATSIG_EVENTS_API_URL,
        serverSecret: config.STATSIG_SERVER_SECRET,
        timeoutMs: config.STATSIG_TIMEOUT_MS,
      })
    : undefined;
  return events ? { statsig, events } : { statsig };
}

export async function startService(config: Config, roles: ServiceRoles): Promise<RunningService> {
  const log = createLogger(config, 'rollout-gate');
  installTemporalRuntime();
  // Certificate files are read before anything starts: a wrong path stops the boot at once.
  const remote = config.TEMPORAL_ADDRESS
    ? temporalTarget(config, config.TEMPORAL_ADDRESS)
    : undefined;
  const temporal = await ensureTemporal(config, log);
  const target = remote ?? temporalTarget(config, temporal.address);
  const stops: Array<() => Promise<void>> = [];
  if (temporal.devServer) stops.push(() => temporal.devServer?.stop() ?? Promise.resolve());

  try {
    let workers: ReviewWorkers | undefined;
    let workersDone: Promise<void> | undefined;
    if (roles.worker) {
      const gate = await loadGateConfig(config.GATE_CONFIG);
      log.info(
        { gateConfig: config.GATE_CONFIG, suites: gate.suites.length },
        'gate config loaded',
      );
      const connection = await connectWorker(target);
      if (!temporal.devServer) {
        const added = await ensureSearchAttributes(createClient(target), config.TEMPORAL_NAMESPACE);
        if (added.length > 0) log.info({ added }, 'registered review search attributes');
      }
      workers = await createReviewWorkers({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        dependencies: { ...statsigDependencies(config), gate },
        workflows: { workflowsPath: require.resolve('../workflows') },
      });
      workersDone = workers.run();
      workersDone.catch((error: unknown) =>
        log.error({ err: error }, 'worker stopped with an error'),
      );
      stops.unshift(async () => {
        workers?.shutdown();
        await workersDone?.catch(() => undefined);
        await connection.close();
      });
      log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'workers polling');
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
        reviewApi: {
          tokens: config.REVIEW_API_TOKEN,
          control: createReviewControl(client, temporal.uiUrl ? { uiUrl: temporal.uiUrl } : {}),
        },
        logger: { level: config.LOG_LEVEL, redact: REDACTED_PATHS },
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
    }

    let stopping: Promise<void> | undefined;
    return {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      receiverUrl,
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
