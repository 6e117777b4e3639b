// `npm run cluster`: rollout-gate's production shape on one machine, without Docker. The same
// services as docker-compose.yml, started from its settings:
//   PostgreSQL (a scratch data directory on loopback)
//   -> the temporal-schema job (deploy/temporal/setup-schema.sh, with temporal-sql-tool)
//   -> the Temporal server (temporal-server start, configured from the temporal service's
//      environment, with deploy/temporal/dynamicconfig.yaml)
//   -> the temporal-namespace job (deploy/temporal/create-namespace.sh: namespace, search attributes)
//   -> the Statsig sandbox (a stand-in for Statsig's Console API), two workers, two receivers.
// Only host names and ports differ from compose: everything listens on 127.0.0.1. What is missing is
// installed first (deploy/local/tools.ts). Data and logs stay under .data/cluster/ (gitignored).
// Ctrl-C or SIGTERM stops everything in the reverse order.
//
// The fault and scaling runs (bench/cluster.ts, test/cluster/) start the same cluster through
// startCluster() and break parts of it.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../../src/config';
import { IMPROVED_PROMPT } from '../../src/demo/seed';
import type { SandboxTrigger } from '../../src/sandbox';
import {
  type ReleasePipelineWaitingForReviewEvent,
  sendWebhook,
} from '../../src/sandbox/webhook-sender';
import { createClient, temporalAnswers } from '../../src/temporal/connection';
import { type ReviewReport, reviewWorkflowId } from '../../workflows/contract';
import { hostPathOf, jobScript, loadCompose, serviceEnvironment, serviceImage } from './compose';
import { type ManagedProcess, startProcess, treeCpuSeconds } from './processes';
import {
  ensurePostgres,
  ensureTemporalCli,
  ensureTemporalServer,
  type Log,
  run,
  TEMPORAL_SERVER_VERSION,
} from './tools';

export const DEFAULT_DATA_DIR = path.join(PROJECT_ROOT, '.data', 'cluster');
const CLI = path.join(PROJECT_ROOT, 'src', 'cli.ts');
const DEFAULT_GATE = path.join(PROJECT_ROOT, 'examples', 'prompt-gate.ts');
const POSTGRES_USER_NAME = 'postgres';

/** Where everything listens; all on 127.0.0.1. The defaults are compose's ports where it has them. */
export interface ClusterPorts {
  postgres: number;
  /** The Temporal frontend's gRPC port: TEMPORAL_ADDRESS. */
  temporal: number;
  temporalHttp: number;
  history: number;
  matching: number;
  temporalWorker: number;
  /** Membership (ringpop) ports of frontend, history, matching and worker. */
  membership: [number, number, number, number];
  sandbox: number;
  /** The first receiver's; the others count up from it. */
  receiver: number;
  /** The first receiver's internal listener (metrics, review API); the others count up from it. */
  receiverInternal: number;
  /** The first worker's /metrics; the others count up from it. */
  workerMetrics: number;
}

export const DEFAULT_PORTS: ClusterPorts = {
  postgres: 5433, // 5432 is left to a system PostgreSQL
  temporal: 7233,
  temporalHttp: 7243,
  history: 7234,
  matching: 7235,
  temporalWorker: 7239,
  membership: [6933, 6934, 6935, 6939],
  sandbox: 4100,
  receiver: 3000,
  receiverInternal: 3100,
  workerMetrics: 9464,
};

/**
 * A free port between 20000 and 32000, not handed out before. Temporal stores each member's membership (ringpop) port in PostgreSQL as
 * a smallint: a port from the OS's ephemeral range (32768 and up) makes the server exit at start with
 * "value … is out of range for type smallint".
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('found no free port between 20000 and 32000');
}

/** Free ports for every listener, none twice (the OS may hand the same ephemeral port out again). */
async function freePorts(taken: Set<number>): Promise<ClusterPorts> {
  const take = () => freeLowPort(taken);
  return {
    postgres: await take(),
    temporal: await take(),
    temporalHttp: await take(),
    history: await take(),
    matching: await take(),
    temporalWorker: await take(),
    membership: [await take(), await take(), await take(), await take()],
    sandbox: await take(),
    receiver: await take(),
    receiverInternal: await take(),
    workerMetrics: await take(),
  };
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ClusterOptions {
  /** Scratch directory for PostgreSQL's data, logs and reports (default .data/cluster). */
  dataDir?: string;
  /** Start from an empty data directory (default: reuse PostgreSQL's data from the last run). */
  fresh?: boolean;
  workers?: number;
  receivers?: number;
  /** Pick free ports instead of the defaults (for benches and tests beside other servers). */
  freePorts?: boolean;
  ports?: Partial<ClusterPorts>;
  /** GATE_CONFIG of the workers (default examples/prompt-gate.ts). */
  gateConfig?: string;
  /** Extra environment for workers and receivers, e.g. STATSIG_WRITES_PER_SECOND. */
  roleEnv?: Record<string, string>;
  /**
   * Run against this Temporal instead of starting PostgreSQL and a server (the scaling run's SQLite
   * dev server); the namespace job still runs against it.
   */
  externalTemporal?: { address: string; pid?: number; label?: string };
  /** Log level of workers and receivers (compose's default, info, when unset). */
  roleLogLevel?: string;
  log?: Log;
}

export interface RoleHandle extends ManagedProcess {
  /** The receiver's base URL, or the worker's metrics URL. */
  url: string;
}

export interface Cluster {
  dataDir: string;
  logDir: string;
  ports: ClusterPorts;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  webhookSecret: string;
  consoleApiKey: string;
  sandboxUrl: string;
  /** A client of the cluster's Temporal (lazy: it reconnects after a server restart). */
  client: Client;
  postgres: {
    pid(): number;
    /** Stops PostgreSQL: fast is a clean shutdown, immediate skips the checkpoint (crash recovery on start). */
    stop(mode?: 'fast' | 'immediate'): Promise<number>;
    /** Starts it again; resolves once it accepts connections. */
    start(): Promise<number>;
    /**
     * Stops PostgreSQL (fast: clean shutdown; immediate: no checkpoint, crash recovery on start),
     * leaves it down for `downMs`, and starts it again.
     */
    restart(
      mode?: 'fast' | 'immediate',
      downMs?: number,
    ): Promise<{ downAtMs: number; upAtMs: number }>;
    cpuSeconds(): number;
  };
  temporal: {
    pid(): number;
    /** SIGKILLs the server process (or sends `signal`) and waits for it to exit. */
    kill(signal?: NodeJS.Signals): Promise<number>;
    /** Starts the server again and waits until the namespace answers. */
    start(): Promise<number>;
    /** Whether the frontend answers for the namespace right now. */
    serving(): Promise<boolean>;
    cpuSeconds(): number;
  };
  sandbox: ManagedProcess;
  workers(): RoleHandle[];
  receivers(): RoleHandle[];
  startWorker(): Promise<RoleHandle>;
  startReceiver(): Promise<RoleHandle>;
  /** Stops everything in the reverse order of start. */
  stop(): Promise<void>;
}

/** The id of the postgres user when running as root (PostgreSQL refuses to run as root). */
function postgresAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', POSTGRES_USER_NAME], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', POSTGRES_USER_NAME], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      `running as root, PostgreSQL must run as another user, and there is no "${POSTGRES_USER_NAME}" user (the postgresql package creates it)`,
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function chownTree(target: string, account: { uid: number; gid: number }): void {
  chownSync(target, account.uid, account.gid);
  if (statSync(target).isDirectory()) {
    for (const entry of readdirSync(target)) chownTree(path.join(target, entry), account);
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const logDir = path.join(dataDir, 'logs');
  const takenPorts = new Set<number>();
  const ports: ClusterPorts = {
    ...(options.freePorts ? await freePorts(takenPorts) : DEFAULT_PORTS),
    ...options.ports,
  };
  const workerCount = options.workers ?? 2;
  const receiverCount = options.receivers ?? 2;

  if (!options.freePorts) {
    const wanted: Array<[string, number]> = [
      ['PostgreSQL', ports.postgres],
      ['Temporal gRPC', ports.temporal],
      ['Temporal HTTP', ports.temporalHttp],
      ['Temporal history', ports.history],
      ['Temporal matching', ports.matching],
      ['Temporal worker service', ports.temporalWorker],
      ...ports.membership.map((port): [string, number] => ['Temporal membership', port]),
      ['Statsig sandbox', ports.sandbox],
      ...Array.from({ length: receiverCount }, (_, i): [string, number] => [
        `receiver ${i + 1}`,
        ports.receiver + i,
      ]),
      ...Array.from({ length: receiverCount }, (_, i): [string, number] => [
        `receiver ${i + 1} internal`,
        ports.receiverInternal + i,
      ]),
      ...Array.from({ length: workerCount }, (_, i): [string, number] => [
        `worker ${i + 1} metrics`,
        ports.workerMetrics + i,
      ]),
    ];
    const taken: string[] = [];
    for (const [what, port] of wanted) if (await portInUse(port)) taken.push(`${port} (${what})`);
    if (taken.length > 0) {
      throw new Error(
        `ports already in use on 127.0.0.1: ${taken.join(', ')}. Stop what listens there (another cluster or dev server?) or run with --free-ports.`,
      );
    }
  }

  log('checking what the cluster needs');
  const temporalCli = await ensureTemporalCli(log);
  log(`  temporal CLI: ${temporalCli}`);

  if (options.fresh) await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(logDir, { recursive: true });
  await fs.mkdir(path.join(dataDir, 'reports'), { recursive: true });
  // PostgreSQL runs as its own user when we are root: it must be able to reach its data directory.
  if (process.getuid?.() === 0) await fs.chmod(dataDir, 0o755);
  log(
    `data and logs under ${path.relative(PROJECT_ROOT, dataDir) || dataDir}/ (logs/<process>.log)`,
  );

  const compose = loadCompose();
  for (const name of ['temporal', 'temporal-schema', 'temporal-namespace']) {
    const tag = serviceImage(compose, name)?.split(':')[1] ?? '';
    if (tag !== TEMPORAL_SERVER_VERSION && !tag.startsWith(`${TEMPORAL_SERVER_VERSION}-`)) {
      throw new Error(
        `docker-compose.yml runs ${serviceImage(compose, name)} for "${name}", but this script builds Temporal ${TEMPORAL_SERVER_VERSION}: bump them together`,
      );
    }
  }

  // Started processes, in order; stop() walks it backwards.
  const started: ManagedProcess[] = [];
  // Receivers first (no new reviews), then workers (they drain), the sandbox, Temporal, PostgreSQL;
  // a role restarted during a run keeps its place in that order.
  const rank = (name: string) =>
    ['receiver', 'worker', 'sandbox', 'temporal-server', 'postgres'].findIndex((role) =>
      name.startsWith(role),
    );
  const stopAll = async () => {
    const order = [...started].reverse().sort((a, b) => rank(a.name) - rank(b.name));
    for (const process_ of order) {
      if (!process_.alive()) continue;
      log(`stopping ${process_.name}`);
      // Workers drain their activities; PostgreSQL's SIGINT is its fast shutdown.
      await process_.stop(process_.name === 'postgres' ? 'SIGINT' : 'SIGTERM', 60_000);
    }
  };

  try {
    const external = options.externalTemporal;
    const temporalAddress = external?.address ?? `127.0.0.1:${ports.temporal}`;
    const namespaceEnv = serviceEnvironment(compose, 'temporal-namespace', {});
    const namespace = namespaceEnv.TEMPORAL_NAMESPACE ?? 'default';
    const client = createClient({ address: temporalAddress, namespace });
    const serving = async () => {
      try {
        await client.connection.withDeadline(Date.now() + 2_000, () =>
          client.connection.workflowService.describeNamespace({ namespace }),
        );
        return true;
      } catch {
        return false;
      }
    };
    // Before the namespace exists (first start), the frontend answering is all there is to wait for.
    const frontendUp = () => temporalAnswers(client);
    let postgres: ManagedProcess | undefined;
    let startPostgres = async (): Promise<ManagedProcess> => {
      throw new Error('this cluster runs against an external Temporal: no PostgreSQL of its own');
    };
    let temporal: ManagedProcess | undefined;
    let startTemporal = async (_waitFor: 'frontend' | 'namespace'): Promise<void> => {
      throw new Error('this cluster runs against an external Temporal: no server of its own');
    };
    if (external) {
      log(`Temporal: ${external.label ?? 'external server'} at ${external.address}`);
    } else {
      const pgTools = await ensurePostgres(log);
      log(`  PostgreSQL ${pgTools.version}: ${pgTools.binDir}`);
      const temporalTools = await ensureTemporalServer(log);
      log(
        `  Temporal server ${TEMPORAL_SERVER_VERSION}: ${path.relative(PROJECT_ROOT, temporalTools.server)}${temporalTools.builtInSeconds ? ` (just built: server ${temporalTools.builtInSeconds.server.toFixed(0)} s, sql tool ${temporalTools.builtInSeconds.sqlTool.toFixed(0)} s)` : ' (built earlier, reused)'}`,
      );
      // --- PostgreSQL ---
      const pgData = path.join(dataDir, 'postgres');
      const passwordFile = path.join(dataDir, 'postgres-password');
      const account = postgresAccount();
      if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
        log(`initialising a PostgreSQL data directory (initdb, user "temporal" as in compose)`);
        await fs.rm(pgData, { recursive: true, force: true });
        await fs.mkdir(pgData, { recursive: true, mode: 0o700 });
        await fs.writeFile(passwordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
        if (account) {
          chownTree(pgData, account);
          chownSync(passwordFile, account.uid, account.gid);
        }
        const initdb = spawnSync(
          path.join(pgTools.binDir, 'initdb'),
          [
            '-D',
            pgData,
            '--username=temporal',
            `--pwfile=${passwordFile}`,
            '--auth-host=scram-sha-256',
            '--auth-local=peer',
            '--encoding=UTF8',
            '--locale=C',
          ],
          { encoding: 'utf8', ...(account ?? {}), cwd: '/' },
        );
        if (initdb.status !== 0)
          throw new Error(`initdb failed:\n${initdb.stdout}${initdb.stderr}`);
      }
      const postgresPassword = (await fs.readFile(passwordFile, 'utf8')).trim();
      startPostgres = async () => {
        const started_ = await startProcess({
          name: 'postgres',
          command: path.join(pgTools.binDir, 'postgres'),
          args: [
            '-D',
            pgData,
            '-c',
            'listen_addresses=127.0.0.1',
            '-c',
            `port=${ports.postgres}`,
            '-c',
            'unix_socket_directories=',
          ],
          env: { PATH: process.env.PATH, LANG: 'C' },
          cwd: '/',
          logFile: path.join(logDir, 'postgres.log'),
          ...(account ?? {}),
          readyLine: (line) => line.includes('database system is ready to accept connections'),
        });
        started.push(started_);
        return started_;
      };
      postgres = await startPostgres();
      log(`PostgreSQL ${pgTools.version} on 127.0.0.1:${ports.postgres} (pid ${postgres.pid})`);

      // --- the temporal-schema job ---
      const schemaScript = jobScript(compose, 'temporal-schema');
      const schemaEnv = {
        ...serviceEnvironment(compose, 'temporal-schema', { POSTGRES_PASSWORD: postgresPassword }),
        SQL_HOST: '127.0.0.1',
        SQL_PORT: String(ports.postgres),
        SCHEMA_ROOT: temporalTools.schemaRoot,
      };
      log(
        `temporal-schema job: sh ${path.relative(PROJECT_ROOT, schemaScript)} (compose's environment; SQL_HOST=127.0.0.1, SQL_PORT=${ports.postgres}, SCHEMA_ROOT=${path.relative(PROJECT_ROOT, temporalTools.schemaRoot)})`,
      );
      const schemaLog = createWriteStream(path.join(logDir, 'temporal-schema.log'), { flags: 'a' });
      await run('sh', [schemaScript], {
        env: { ...schemaEnv, PATH: `${temporalTools.binDir}:${process.env.PATH ?? ''}` },
        // The script's own lines here; temporal-sql-tool's (every SQL statement) in the log file.
        log: (line) => {
          schemaLog.write(`${line}\n`);
          if (!/^\d{4}-\d\d-\d\dT/.test(line)) log(`  ${line}`);
        },
      }).finally(() => schemaLog.end());

      // --- the Temporal server ---
      const composeServerEnv = serviceEnvironment(compose, 'temporal', {
        POSTGRES_PASSWORD: postgresPassword,
      });
      const dynamicConfig = composeServerEnv.DYNAMIC_CONFIG_FILE_PATH;
      if (!dynamicConfig)
        throw new Error(
          'docker-compose.yml gives the temporal service no DYNAMIC_CONFIG_FILE_PATH',
        );
      const loopback: Record<string, string> = {
        POSTGRES_SEEDS: '127.0.0.1',
        DB_PORT: String(ports.postgres),
        // The server's template reads the visibility store's port from POSTGRES_PORT, not DB_PORT.
        POSTGRES_PORT: String(ports.postgres),
        DYNAMIC_CONFIG_FILE_PATH: hostPathOf(compose, 'temporal', dynamicConfig),
        BIND_ON_IP: '127.0.0.1',
        FRONTEND_GRPC_PORT: String(ports.temporal),
        FRONTEND_HTTP_PORT: String(ports.temporalHttp),
        HISTORY_GRPC_PORT: String(ports.history),
        MATCHING_GRPC_PORT: String(ports.matching),
        WORKER_GRPC_PORT: String(ports.temporalWorker),
        FRONTEND_MEMBERSHIP_PORT: String(ports.membership[0]),
        HISTORY_MEMBERSHIP_PORT: String(ports.membership[1]),
        MATCHING_MEMBERSHIP_PORT: String(ports.membership[2]),
        WORKER_MEMBERSHIP_PORT: String(ports.membership[3]),
      };
      const serverEnv = { ...composeServerEnv, ...loopback, PATH: process.env.PATH ?? '' };
      log(
        `Temporal server: temporal-server start, configured as the image configures it, from the temporal service's environment in docker-compose.yml (${Object.keys(composeServerEnv).join(', ')}); on loopback: ${Object.keys(loopback).join(', ')}`,
      );

      startTemporal = async (waitFor: 'frontend' | 'namespace') => {
        temporal = await startProcess({
          name: 'temporal-server',
          command: temporalTools.server,
          args: ['start'],
          env: serverEnv,
          cwd: dataDir,
          logFile: path.join(logDir, 'temporal-server.log'),
          readyTimeoutMs: 180_000,
          probe: waitFor === 'frontend' ? frontendUp : serving,
        });
        started.push(temporal);
      };
      await startTemporal('frontend');
      log(
        `Temporal server ${TEMPORAL_SERVER_VERSION} on ${temporalAddress} (pid ${temporal?.pid})`,
      );
    }

    // --- the temporal-namespace job ---
    const namespaceScript = jobScript(compose, 'temporal-namespace');
    log(
      `temporal-namespace job: sh ${path.relative(PROJECT_ROOT, namespaceScript)} (compose's environment; TEMPORAL_ADDRESS=${temporalAddress})`,
    );
    const namespaceJob = run('sh', [namespaceScript], {
      env: {
        ...namespaceEnv,
        TEMPORAL_ADDRESS: temporalAddress,
        PATH: `${path.dirname(temporalCli)}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME,
      },
      log: (line) => log(`  ${line}`),
    });
    // The job waits up to two minutes for a healthy server: give up as soon as the server exits.
    await Promise.race([
      namespaceJob,
      temporal?.exited.then((how) => {
        throw new Error(`the Temporal server exited (${how}):\n${temporal?.tail()}`);
      }) ?? namespaceJob,
    ]);

    // --- the Statsig sandbox ---
    const consoleApiKey = 'console-local-cluster-key';
    const webhookSecret = `whsec_local_cluster_${randomBytes(12).toString('hex')}`;
    const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
    const sandbox = await startProcess({
      name: 'sandbox',
      command: process.execPath,
      args: [
        '--require',
        require.resolve('tsx/cjs'),
        CLI,
        'sandbox',
        '--port',
        String(ports.sandbox),
        '--key',
        consoleApiKey,
      ],
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      logFile: path.join(logDir, 'sandbox.log'),
      probe: async () =>
        (await fetch(`${sandboxUrl}/_sandbox/writes`).catch(() => undefined))?.ok === true,
    });
    started.push(sandbox);
    log(
      `Statsig sandbox on ${sandboxUrl} (Console API ${sandboxUrl}/console/v1, key ${consoleApiKey})`,
    );

    // --- workers and receivers, from compose's environment of those services ---
    const roleVariables = {
      STATSIG_WEBHOOK_SECRET: webhookSecret,
      STATSIG_CONSOLE_API_KEY: consoleApiKey,
      STATSIG_CONSOLE_API_URL: `${sandboxUrl}/console/v1`,
      ...(options.roleLogLevel ? { LOG_LEVEL: options.roleLogLevel } : {}),
    };
    const workerEnv = serviceEnvironment(compose, 'worker', roleVariables);
    const receiverEnv = serviceEnvironment(compose, 'receiver', roleVariables);
    const taskQueue = workerEnv.TEMPORAL_TASK_QUEUE ?? 'rollout-gate';
    const common = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: temporalAddress,
      ...options.roleEnv,
    };
    const workers: RoleHandle[] = [];
    const receivers: RoleHandle[] = [];
    let nextWorker = 0;
    let nextReceiver = 0;
    const nodeRole = (role: 'worker' | 'receiver') => [
      '--require',
      require.resolve('tsx/cjs'),
      CLI,
      role,
    ];
    const startWorker = async (): Promise<RoleHandle> => {
      const index = nextWorker++;
      const metricsPort =
        options.freePorts && index > 0
          ? await freeLowPort(takenPorts)
          : ports.workerMetrics + index;
      const worker = await startProcess({
        name: `worker-${index + 1}`,
        command: process.execPath,
        args: nodeRole('worker'),
        env: {
          ...workerEnv,
          ...common,
          GATE_CONFIG: options.gateConfig ?? DEFAULT_GATE,
          GATE_REPORTS_DIR: path.join(dataDir, 'reports'),
          // Each worker on this machine needs its own (compose gives each container 9464).
          WORKER_METRICS_PORT: String(metricsPort),
          WORKER_METRICS_HOST: '127.0.0.1',
        },
        logFile: path.join(logDir, `worker-${index + 1}.log`),
        readyLine: (line) => line.includes('"workers polling"'),
      });
      started.push(worker);
      const handle = { ...worker, url: `http://127.0.0.1:${metricsPort}` };
      workers.push(handle);
      return handle;
    };
    const startReceiver = async (): Promise<RoleHandle> => {
      const index = nextReceiver++;
      const port =
        options.freePorts && index > 0 ? await freeLowPort(takenPorts) : ports.receiver + index;
      const internalPort =
        options.freePorts && index > 0
          ? await freeLowPort(takenPorts)
          : ports.receiverInternal + index;
      const url = `http://127.0.0.1:${port}`;
      const { TEMPORAL_UI_URL: _noUi, ...env } = receiverEnv; // no Temporal UI in this shape
      const receiver = await startProcess({
        name: `receiver-${index + 1}`,
        command: process.execPath,
        args: nodeRole('receiver'),
        env: {
          ...env,
          ...common,
          HOST: '127.0.0.1',
          PORT: String(port),
          // Compose's container-wide 0.0.0.0 becomes loopback, one port per receiver on this machine.
          INTERNAL_HOST: '127.0.0.1',
          INTERNAL_PORT: String(internalPort),
        },
        logFile: path.join(logDir, `receiver-${index + 1}.log`),
        probe: async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true,
      });
      started.push(receiver);
      const handle = { ...receiver, url };
      receivers.push(handle);
      return handle;
    };
    for (let i = 0; i < workerCount; i += 1) {
      const worker = await startWorker();
      log(
        `worker ${i + 1} polling task queue ${taskQueue} (pid ${worker.pid}, metrics ${worker.url}/metrics)`,
      );
    }
    for (let i = 0; i < receiverCount; i += 1) {
      const receiver = await startReceiver();
      log(
        `receiver ${i + 1} on ${receiver.url} (pid ${receiver.pid}): POST ${receiver.url}/webhooks/statsig`,
      );
    }

    return {
      dataDir,
      logDir,
      ports,
      temporalAddress,
      namespace,
      taskQueue,
      webhookSecret,
      consoleApiKey,
      sandboxUrl,
      client,
      postgres: {
        pid: () => postgres?.pid ?? -1,
        async stop(mode = 'fast') {
          const at = Date.now();
          await postgres?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT', 60_000);
          return at;
        },
        async start() {
          postgres = await startPostgres();
          return Date.now();
        },
        async restart(mode = 'fast', downMs = 0) {
          const downAtMs = Date.now();
          await postgres?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT', 60_000);
          await sleep(downMs);
          postgres = await startPostgres();
          return { downAtMs, upAtMs: Date.now() };
        },
        cpuSeconds: () => (postgres ? (treeCpuSeconds(postgres.pid) ?? 0) : 0),
      },
      temporal: {
        pid: () => temporal?.pid ?? external?.pid ?? -1,
        async kill(signal = 'SIGKILL') {
          const at = Date.now();
          await temporal?.stop(signal, 30_000);
          return at;
        },
        async start() {
          await startTemporal('namespace');
          return Date.now();
        },
        serving,
        cpuSeconds: () => {
          const pid = temporal?.pid ?? external?.pid;
          return pid === undefined ? 0 : (treeCpuSeconds(pid) ?? 0);
        },
      },
      sandbox,
      workers: () => workers.filter((worker) => worker.alive()),
      receivers: () => receivers.filter((receiver) => receiver.alive()),
      startWorker,
      startReceiver,
      async stop() {
        await stopAll();
        await client.connection.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** One review end to end: a release in the sandbox, its signed webhook, the workflow's decision. */
export async function smokeReview(
  cluster: Cluster,
): Promise<{ workflowId: string; action: string; seconds: number }> {
  const startedAt = Date.now();
  const response = await fetch(`${cluster.sandboxUrl}/_sandbox/releases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      pipelineID: 'rp_chat_assistant',
      entity: {
        kind: 'dynamic_config',
        id: 'chat_assistant_prompt',
        defaultValue: IMPROVED_PROMPT,
      },
    }),
  });
  if (response.status !== 201) {
    throw new Error(
      `the sandbox refused the release (${response.status}): ${await response.text()}`,
    );
  }
  const trigger = (await response.json()) as SandboxTrigger;
  const event = (await (
    await fetch(`${cluster.sandboxUrl}/_sandbox/triggers/${trigger.id}/review-event`)
  ).json()) as ReleasePipelineWaitingForReviewEvent;
  const [receiver] = cluster.receivers();
  if (!receiver) throw new Error('no receiver is running');
  const answer = await sendWebhook({
    url: `${receiver.url}/webhooks/statsig`,
    secret: cluster.webhookSecret,
    payload: event,
  });
  if (answer.status !== 200)
    throw new Error(`the receiver answered ${answer.status}: ${answer.text}`);
  const workflowId = reviewWorkflowId(trigger.id, event.releasePipelineMetadata.phaseID);
  const report = (await cluster.client.workflow.getHandle(workflowId).result()) as ReviewReport;
  return { workflowId, action: report.action, seconds: (Date.now() - startedAt) / 1000 };
}

const USAGE = `Usage: npm run cluster -- [options]

Runs rollout-gate's production shape on this machine, without Docker: PostgreSQL, the Temporal
server ${TEMPORAL_SERVER_VERSION} (schema and namespace jobs from deploy/temporal/, settings from
docker-compose.yml), the Statsig sandbox, workers and receivers. Installs what is missing first.

  --workers N       worker processes (default 2)
  --receivers N     receiver processes (default 2)
  --gate FILE       GATE_CONFIG for the workers (default examples/prompt-gate.ts)
  --fresh           start from an empty data directory (default: keep PostgreSQL's data)
  --data-dir DIR    where data and logs go (default .data/cluster)
  --free-ports      pick free ports instead of compose's (7233, 3000, ...)
  --no-smoke        skip the review sent through the stack once it is up
  --check           start, send the smoke review, stop: exit 0 when it was decided
  -h, --help        this text

Ctrl-C stops everything, receivers first and PostgreSQL last.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      receivers: { type: 'string', default: '2' },
      gate: { type: 'string' },
      fresh: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'free-ports': { type: 'boolean', default: false },
      'no-smoke': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const say: Log = (line) => process.stderr.write(`[cluster] ${line}\n`);
  const startedAt = Date.now();
  let stopping: Promise<void> | undefined;
  let cluster: Cluster | undefined;
  const stop = () => {
    stopping ??= (async () => {
      say('stopping: receivers, workers, sandbox, Temporal server, PostgreSQL');
      await cluster?.stop();
      say('stopped');
    })();
    return stopping;
  };
  let interrupted = false;
  let interruptedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive twice: from the terminal and relayed by npm or tsx's wrapper.
    if (interrupted && Date.now() - interruptedAt < 1_000) return;
    if (interrupted) {
      say(`${signal} again: exiting now`);
      process.exit(130);
    }
    interrupted = true;
    interruptedAt = Date.now();
    say(`${signal}: stopping (again to exit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    cluster = await startCluster({
      workers: Number(values.workers),
      receivers: Number(values.receivers),
      fresh: values.fresh,
      freePorts: values['free-ports'],
      log: say,
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      ...(values.gate ? { gateConfig: path.resolve(values.gate) } : {}),
    });
  } catch (error) {
    say(`could not start the cluster: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  say(`up in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  let status = 0;
  if (!values['no-smoke'] && !interrupted) {
    say('smoke review: a prompt change released in the sandbox, its webhook to receiver 1 ...');
    try {
      const smoke = await smokeReview(cluster);
      say(`smoke review ${smoke.workflowId}: ${smoke.action} in ${smoke.seconds.toFixed(1)} s`);
    } catch (error) {
      say(`smoke review failed: ${error instanceof Error ? error.message : String(error)}`);
      status = 1;
    }
  }
  if (values.check || interrupted) {
    await stop();
    return status;
  }

  process.stdout.write(
    [
      '',
      'rollout-gate cluster is up. Try:',
      `  export TEMPORAL_ADDRESS=${cluster.temporalAddress} TEMPORAL_NAMESPACE=${cluster.namespace}`,
      '  npx tsx src/cli.ts review list            # reviews, as Temporal keeps them in PostgreSQL',
      `  curl -s ${cluster.sandboxUrl}/_sandbox/writes   # what "Statsig" (the sandbox) was told`,
      `  receivers: ${cluster
        .receivers()
        .map((receiver) => `${receiver.url}/webhooks/statsig`)
        .join(', ')} (STATSIG_WEBHOOK_SECRET=${cluster.webhookSecret})`,
      `  logs: ${path.relative(PROJECT_ROOT, cluster.logDir)}/*.log`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  while (!interrupted) await sleep(250);
  await stop();
  return status;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
