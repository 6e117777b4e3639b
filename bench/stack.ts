// rollout-gate as it runs in production, for the load and fault runs: the receiver and the workers
// each in their own OS process (`rollout-gate receiver` / `rollout-gate worker`), so they can be
// measured apart (peak RSS), killed with SIGKILL and restarted; the Statsig sandbox in this process,
// so its call log is the ground truth of what "Statsig" received.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../src/config';
import { type SandboxTrigger, type StartedSandbox, startSandbox } from '../src/sandbox/app';
import { sendWebhook } from '../src/sandbox/webhook-sender';
import { createClient } from '../src/temporal/connection';
import { type DevServer, getFreePort, startDevServer } from '../src/temporal/dev-server';

const CLI = path.join(PROJECT_ROOT, 'src', 'cli.ts');
export const NOOP_GATE = path.join(__dirname, 'fixtures', 'noop-gate.mjs');

/** A bench's progress lines go to stderr, so stdout carries only its results. */
export const progressLog = (bench: string) => (line: string) =>
  process.stderr.write(`[${bench}] ${line}\n`);

/** The bench's own headless dev server: in memory, or SQLite when `dbFilename` names a file. */
export async function startBenchDevServer(dbFilename?: string): Promise<DevServer> {
  return startDevServer({
    projectRoot: PROJECT_ROOT,
    port: await getFreePort(),
    headless: true,
    ...(dbFilename ? { dbFilename } : {}),
  });
}

export interface RoleProcess {
  name: string;
  pid: number;
  /** Peak resident set size of the process so far (Linux VmHWM), in bytes; undefined once gone. */
  peakRssBytes(): number | undefined;
  /** CPU time (user + system) the process has used so far, in seconds; undefined once gone. */
  cpuSeconds(): number | undefined;
  /** Sends the signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  exited: Promise<number | NodeJS.Signals | null>;
}

export interface BenchStackOptions {
  temporalAddress: string;
  /** How many dynamic configs (each with its own one-phase, review-required pipeline) to seed. */
  entities: number;
  /** STATSIG_WRITES_PER_SECOND for the workers; the shipped budgets when absent. */
  writesPerSecond?: number;
  /** Worker processes to start (default 1). */
  workers?: number;
  gateConfig?: string;
  /** Receiver log level (default warn: per-request info lines would be measured too). */
  receiverLogLevel?: string;
  /** Console API call timeout for the workers (STATSIG_TIMEOUT_MS). */
  statsigTimeoutMs?: number;
}

export interface Delivery {
  triggerID: string;
  workflowId: string;
  /** When the first attempt was sent. */
  sentAtMs: number;
  /** When a 2xx answer arrived; undefined if none did before the sender gave up. */
  ackedAtMs?: number;
  /** Latency of the attempt that was acknowledged. */
  ackLatencyMs?: number;
  attempts: number;
  statuses: number[];
}

export interface BenchStack {
  sandbox: StartedSandbox;
  /** The sandbox's Console API key for this run (random). */
  consoleApiKey: string;
  client: Client;
  taskQueue: string;
  receiver: () => RoleProcess;
  workers: () => RoleProcess[];
  /** Starts one release per entity, each waiting for review; returns the triggers. */
  release(count: number): SandboxTrigger[];
  /**
   * Delivers the review webhook the way Statsig would: signed, and retried until a 2xx (connection
   * refused, 5xx and 429 are retried every `retryEveryMs`, for at most `giveUpAfterMs`).
   */
  deliver(
    trigger: SandboxTrigger,
    options?: { retryEveryMs?: number; giveUpAfterMs?: number },
  ): Promise<Delivery>;
  startWorker(): Promise<RoleProcess>;
  restartReceiver(signal?: NodeJS.Signals): Promise<RoleProcess>;
  stop(): Promise<void>;
}

function seed(entities: number) {
  const indexes = Array.from({ length: entities }, (_, index) => index);
  return {
    pipelines: indexes.map((index) => ({
      id: `rp_bench_${index}`,
      name: `bench pipeline ${index}`,
      phases: [
        {
          id: `rp_bench_${index}_p50`,
          name: '50%',
          timeIntervalMs: 3_600_000,
          requiredReview: true,
          rules: [],
        },
      ],
    })),
    dynamicConfigs: indexes.map((index) => ({
      id: `bench_config_${index}`,
      name: `bench_config_${index}`,
      isEnabled: true,
      version: 1,
      defaultValue: { prompt: 'v1' },
      rules: [],
      releasePipelineID: `rp_bench_${index}`,
    })),
  };
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const consoleApiKey = `console-bench-${randomBytes(6).toString('hex')}`;
  const webhookSecret = randomBytes(24).toString('hex');
  const taskQueue = `bench-${randomUUID()}`;
  const sandbox = await startSandbox({ consoleApiKey, seed: seed(options.entities) });
  const client = createClient({ address: options.temporalAddress, namespace: 'default' });
  const receiverPort = await getFreePort();
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    STATSIG_WEBHOOK_SECRET: webhookSecret,
    STATSIG_CONSOLE_API_KEY: consoleApiKey,
    STATSIG_CONSOLE_API_URL: sandbox.consoleApiUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    GATE_CONFIG: options.gateConfig ?? NOOP_GATE,
    // Unset: the shipped budgets (80 per 10 s, 720 per 15 min) set the rate, as in production.
    ...(options.writesPerSecond === undefined
      ? {}
      : { STATSIG_WRITES_PER_SECOND: String(options.writesPerSecond) }),
    ...(options.statsigTimeoutMs ? { STATSIG_TIMEOUT_MS: String(options.statsigTimeoutMs) } : {}),
    HOST: '127.0.0.1',
    PORT: String(receiverPort),
    // Several workers run side by side here; they would all claim the default metrics port.
    WORKER_METRICS_PORT: 'off',
    // One receiver, measured on its webhook route: its internal routes need no port of their own.
    INTERNAL_PORT: 'shared',
    // The load comes from one address standing for all of Statsig's: a per-source cap on requests
    // in flight before their signature is checked would measure the generator, not the receiver.
    WEBHOOK_UNVERIFIED_PER_MINUTE: '0',
    // The benchmarks count what webhooks start; a catch-up run in the middle would blur the tally.
    STATSIG_CATCHUP_INTERVAL: 'off',
  };

  const workers: RoleProcess[] = [];
  let receiver: RoleProcess | undefined;
  const receiverUrl = `http://127.0.0.1:${receiverPort}`;
  let nextEntity = 0;

  const startWorker = async () => {
    const worker = await startNodeProcess({
      name: 'worker',
      script: CLI,
      args: ['worker'],
      env: { ...baseEnv, LOG_LEVEL: 'info' },
      readyLine: (line) => line.includes('"workers polling"'),
    });
    workers.push(worker);
    return worker;
  };
  const startReceiver = () =>
    startNodeProcess({
      name: 'receiver',
      script: CLI,
      args: ['receiver'],
      env: { ...baseEnv, LOG_LEVEL: options.receiverLogLevel ?? 'warn' },
      probe: async () =>
        (await fetch(`${receiverUrl}/healthz`).catch(() => undefined))?.ok === true,
    });

  try {
    receiver = await startReceiver();
    for (let index = 0; index < (options.workers ?? 1); index += 1) await startWorker();
  } catch (error) {
    await Promise.all([receiver, ...workers].map((role) => role?.stop('SIGKILL')));
    await client.connection.close();
    await sandbox.close();
    throw error;
  }

  return {
    sandbox,
    consoleApiKey,
    client,
    taskQueue,
    receiver: () => receiver as RoleProcess,
    workers: () => workers.filter((worker) => worker.peakRssBytes() !== undefined),
    release(count) {
      return Array.from({ length: count }, () => {
        const index = nextEntity;
        if (index >= options.entities) throw new Error('bench stack ran out of seeded entities');
        nextEntity += 1;
        return sandbox.sandbox.startRelease({
          pipelineID: `rp_bench_${index}`,
          entity: {
            kind: 'dynamic_config',
            id: `bench_config_${index}`,
            defaultValue: { prompt: `v2-${index}` },
          },
        });
      });
    },
    async deliver(trigger, { retryEveryMs = 500, giveUpAfterMs = 120_000 } = {}) {
      const payload = JSON.stringify(sandbox.sandbox.reviewEvent(trigger.id));
      const delivery: Delivery = {
        triggerID: trigger.id,
        workflowId: `review-${trigger.id}-${trigger.currentPhaseID}`,
        sentAtMs: Date.now(),
        attempts: 0,
        statuses: [],
      };
      const deadline = delivery.sentAtMs + giveUpAfterMs;
      for (;;) {
        delivery.attempts += 1;
        const attemptAt = performance.now();
        const status = await sendWebhook({
          url: `${receiverUrl}/webhooks/statsig`,
          secret: webhookSecret,
          rawBody: payload,
        }).then(
          (response) => response.status,
          () => 0, // connection refused or reset: the receiver is down
        );
        delivery.statuses.push(status);
        if (status >= 200 && status < 300) {
          delivery.ackedAtMs = Date.now();
          delivery.ackLatencyMs = performance.now() - attemptAt;
          return delivery;
        }
        if (Date.now() + retryEveryMs > deadline) return delivery;
        await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
      }
    },
    startWorker,
    async restartReceiver(signal = 'SIGTERM') {
      await receiver?.stop(signal);
      receiver = await startReceiver();
      return receiver;
    },
    async stop() {
      await Promise.all([receiver, ...workers].map((role) => role?.stop('SIGTERM')));
      await client.connection.close();
      await sandbox.close();
    },
  };
}

/**
 * Runs a TypeScript entry point in its own Node process (tsx's require hook, not its CLI, so the pid
 * is the program's own and a signal reaches it directly). Ready when `readyLine` matches a line of
 * its output or `probe` answers true.
 */
export async function startNodeProcess(options: {
  name: string;
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  readyLine?: (line: string) => boolean;
  probe?: () => Promise<boolean>;
}): Promise<RoleProcess> {
  const { name } = options;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile of each process there when it exits.
      ...(process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
        : []),
      '--require',
      require.resolve('tsx/cjs'),
      options.script,
      ...(options.args ?? []),
    ],
    { cwd: PROJECT_ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the ${name} process`);
  const tail: string[] = [];
  let settled = false;
  let resolveReady: () => void = () => {};
  const readySignal = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line === '') continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (!settled && options.readyLine?.(line)) resolveReady();
    }
  };
  // Always drained: a full pipe would block the process on its next log write.
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = once(child, 'exit').then(
    ([code, signal]) => (signal as NodeJS.Signals | null) ?? (code as number | null),
  );

  const { probe } = options;
  if (probe) {
    void (async () => {
      while (!settled) {
        if (await probe()) resolveReady();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
  }
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readySignal.then(() => 'ready' as const),
    exited.then((how) => ({ exited: how })),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 60_000);
    }),
  ]);
  clearTimeout(timer);
  settled = true;
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    const why = outcome === 'timeout' ? 'was not ready within 60 s' : `exited (${outcome.exited})`;
    throw new Error(`${name} process ${why}:\n${tail.join('\n')}`);
  }

  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    name,
    pid,
    exited,
    peakRssBytes() {
      if (gone) return undefined;
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kib = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
        return kib === undefined ? undefined : Number(kib) * 1024;
      } catch {
        return undefined;
      }
    },
    cpuSeconds() {
      return gone ? undefined : processCpuSeconds(pid);
    },
    async stop(signal = 'SIGTERM') {
      if (gone) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Runs `task` over `items` with at most `concurrency` in flight; results keep the items' order. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let index = next++; index < items.length; index = next++) {
        results[index] = await task(items[index] as T);
      }
    }),
  );
  return results;
}

/** User + system CPU seconds of a Linux process so far (from /proc/<pid>/stat, at 100 ticks/s). */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is parenthesised and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
