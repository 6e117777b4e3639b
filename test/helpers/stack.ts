// The whole product wired for a test: the Statsig sandbox, real workers and a real receiver on
// loopback, against the dev server that test/global-setup.ts started for the run.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { NotifyDependencies } from '../../activities/notify';
import type { PreCommitLinks } from '../../activities/pre-commit';
import type { GateDefinition } from '../../src/gate/types';
import type { WorkerMetrics } from '../../src/metrics/worker';
import { buildReceiver, type ReceiverOptions } from '../../src/receiver/app';
import { createReviewStarter } from '../../src/receiver/review-starter';
import { createRunningReviews } from '../../src/receiver/running-reviews';
import {
  type SandboxOptions,
  type SandboxSeed,
  type StartedSandbox,
  startSandbox,
} from '../../src/sandbox/app';
import { sendWebhook, type WebhookResponse } from '../../src/sandbox/webhook-sender';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { StatsigEventsClient } from '../../src/statsig/events-client';
import { createClient } from '../../src/temporal/connection';
import { createReviewWorkers, type ReviewWorkers } from '../../src/worker';
import { testTemporalAddress, workflowBundleOption } from './temporal';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export interface WorkerHandle {
  stop(): Promise<void>;
}

export interface Stack {
  sandbox: StartedSandbox;
  receiverUrl: string;
  webhookUrl: string;
  webhookSecret: string;
  consoleApiKey: string;
  /** The server secret the sandbox's Events API (log_event) accepts. */
  serverSecret: string;
  client: Client;
  taskQueue: string;
  /** The workers' report store (run outputs, report.json / report.md), removed by stop(). */
  reportsDir: string;
  send(
    payload: unknown,
    options?: { secret?: string; headers?: Record<string, string> },
  ): Promise<WebhookResponse>;
  /**
   * Starts a worker; `consoleApiUrl` sends its Statsig calls elsewhere (a proxy in outage tests),
   * `runCache` replaces the stack's run cache setting for this worker.
   */
  startWorker(
    gate?: GateDefinition,
    options?: { consoleApiUrl?: string; runCache?: StackOptions['runCache'] },
  ): Promise<WorkerHandle>;
  /** Closes the receiver and starts a fresh one on the same port (a redeploy or a crash). */
  restartReceiver(): Promise<void>;
  /** Closes the receiver: deliveries fail until restartReceiver() (an outage). */
  stopReceiver(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  gate: GateDefinition;
  seed?: SandboxSeed;
  /** Start a worker with the stack (default true). */
  worker?: boolean;
  recordResults?: boolean;
  /** The console key workers send; the one the sandbox accepts by default. */
  workerConsoleApiKey?: string;
  /** The Statsig client's per-call timeout (STATSIG_TIMEOUT_MS); 5 s by default. */
  statsigTimeoutMs?: number;
  /** Extra receiver options (review API, metrics, logger); the stack's own wiring wins. */
  receiver?: (client: Client, taskQueue: string) => Partial<ReceiverOptions>;
  /** Where the workers' pre-commit answers link (Temporal UI, served reports). */
  links?: PreCommitLinks;
  /** Temporal server to use instead of the run's shared dev server. */
  temporalAddress?: string;
  /** Sandbox options beyond the keys and seed (e.g. `currentPhaseReading`). */
  sandbox?: Partial<SandboxOptions>;
  /** Activity slots of each worker's review task queue (50 by default). */
  maxConcurrentActivities?: number;
  /** Notification targets and links for the workers; the sandbox's URL is given to build them. */
  notify?: (sandboxUrl: string) => NotifyDependencies;
  /** The workers' run cache (GATE_CACHE_MAX_AGE); off unless given, so runs are measured. */
  runCache?: { maxAgeMs: number; now?: () => number };
  /** Prometheus metrics around the workers' activities, as the worker process keeps them. */
  workerMetrics?: WorkerMetrics;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  quietRuntime();
  const address = options.temporalAddress ?? testTemporalAddress();
  const namespace = 'default';
  const taskQueue = `test-${randomUUID()}`;
  const webhookSecret = randomBytes(24).toString('hex');
  const consoleApiKey = `console-test-${randomBytes(6).toString('hex')}`;
  const serverSecret = `secret-test-${randomBytes(6).toString('hex')}`;
  const sandbox = await startSandbox({
    ...options.sandbox,
    consoleApiKey,
    serverSecret,
    ...(options.seed ? { seed: options.seed } : {}),
  });
  const client = createClient({ address, namespace });
  const receiver = () =>
    buildReceiver({
      ...options.receiver?.(client, taskQueue),
      webhookSecrets: [webhookSecret],
      toleranceMs: 5 * 60 * 1000,
      bodyLimitBytes: 1024 * 1024,
      reviews: createReviewStarter(client, { taskQueue }),
      runningReviews: createRunningReviews(client),
    });
  let app = receiver();
  let receiverUp = true;
  const receiverUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const receiverPort = Number(new URL(receiverUrl).port);
  const webhookUrl = `${receiverUrl}/webhooks/statsig`;
  const workers: WorkerHandle[] = [];
  const reportsDir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-reports-'));

  async function startWorker(
    gate: GateDefinition = options.gate,
    {
      consoleApiUrl = sandbox.consoleApiUrl,
      runCache = options.runCache,
    }: { consoleApiUrl?: string; runCache?: StackOptions['runCache'] } = {},
  ): Promise<WorkerHandle> {
    const connection = await NativeConnection.connect({ address });
    const statsig = new StatsigConsoleClient({
      baseUrl: consoleApiUrl,
      apiKey: options.workerConsoleApiKey ?? consoleApiKey,
      timeoutMs: options.statsigTimeoutMs ?? 5_000,
    });
    const events = options.recordResults
      ? new StatsigEventsClient({ baseUrl: sandbox.eventsApiUrl, serverSecret, timeoutMs: 5_000 })
      : undefined;
    // The worker's secrets, as production passes them: redacted from benchmark failures.
    const secrets = [webhookSecret, consoleApiKey, serverSecret];
    const notify = options.notify?.(sandbox.url);
    const reviewWorkers: ReviewWorkers = await createReviewWorkers({
      connection,
      namespace,
      taskQueue,
      dependencies: {
        statsig,
        ...(events ? { events } : {}),
        gate,
        reportsDir,
        secrets,
        ...(options.links ? { links: options.links } : {}),
        ...(notify ? { notify } : {}),
        ...(runCache ? { runCache } : {}),
      },
      workflows: workflowBundleOption(),
      client,
      ...(options.workerMetrics ? { metrics: options.workerMetrics } : {}),
      ...(options.maxConcurrentActivities === undefined
        ? {}
        : { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities }),
    });
    const running = reviewWorkers.run();
    let stopped: Promise<void> | undefined;
    const handle: WorkerHandle = {
      stop() {
        stopped ??= (async () => {
          reviewWorkers.shutdown();
          await running;
          await connection.close();
        })();
        return stopped;
      },
    };
    workers.push(handle);
    return handle;
  }

  if (options.worker ?? true) await startWorker();

  return {
    sandbox,
    receiverUrl,
    webhookUrl,
    webhookSecret,
    consoleApiKey,
    serverSecret,
    client,
    taskQueue,
    reportsDir,
    send: (payload, sendOptions = {}) =>
      sendWebhook({
        url: webhookUrl,
        secret: sendOptions.secret ?? webhookSecret,
        payload,
        ...(sendOptions.headers ? { headers: sendOptions.headers } : {}),
      }),
    startWorker,
    async restartReceiver() {
      if (receiverUp) await app.close();
      app = receiver();
      await app.listen({ host: '127.0.0.1', port: receiverPort });
      receiverUp = true;
    },
    async stopReceiver() {
      receiverUp = false;
      await app.close();
    },
    async stop() {
      if (receiverUp) await app.close();
      await Promise.all(workers.map((worker) => worker.stop()));
      await client.connection.close();
      await sandbox.close();
      await rm(reportsDir, { recursive: true, force: true });
    },
  };
}
