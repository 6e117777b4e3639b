// Runs a local Temporal dev server (`temporal server start-dev`) for development, demos and the test
// suite, with this project's search attributes registered. Falls back to the SDK's own download when
// no CLI can be found or installed.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, searchAttributeFlags } from '../../workflows/search-attributes';
import { locateTemporalCli, TEMPORAL_MISSING_HELP } from './cli-locator';
import { DevServerError } from './dev-server-error';
import { assertPortFree, connectHost } from './ports';

export { DevServerError } from './dev-server-error';
export { getFreePort } from './ports';

/**
 * The dev server's dynamic config. Its single history shard reads newly created tasks (a workflow
 * task after an activity completed, an activity for another task queue) at most 20 times a second
 * by default, so every such hand-over waited for the next read: up to 50 ms, 25 ms on average, and
 * a review makes several in a row. Read as often as tasks arrive instead, up to 1,000 a second.
 */
const DYNAMIC_CONFIG_FLAGS = ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'];

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  uiUrl?: string;
  /** Where the server came from: a `locateTemporalCli` source, or `sdk-download`. */
  source: string;
  /** The server's process ID when this process started it from the CLI (benchmarks read its CPU). */
  pid?: number;
  /** Stops the server and waits for it to exit; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartDevServerOptions {
  projectRoot: string;
  port: number;
  /** Defaults to port + 1000 (the CLI's own default) unless headless. */
  uiPort?: number;
  headless?: boolean;
  /** Default 127.0.0.1. */
  ip?: string;
  /** Created at startup in addition to `default`, which always exists. */
  namespace?: string;
  /** SQLite file to persist to; undefined keeps everything in memory. */
  dbFilename?: string;
  /** Server log level: debug, info, warn (default), error or never. */
  logLevel?: string;
  log?: (line: string) => void;
  /** Default 60 s: a cold start on a loaded 2-core machine can take a while. */
  readyTimeoutMs?: number;
}

// The server logs to stderr; stdout has its banner, or the whole usage text after a bad flag.
const STDERR_LINES_KEPT = 30;
const STDOUT_LINES_KEPT = 10;
const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 250;

export async function startDevServer(options: StartDevServerOptions): Promise<DevServer> {
  const log = options.log ?? (() => {});
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const headless = options.headless ?? false;
  const uiPort = headless ? undefined : (options.uiPort ?? options.port + 1000);

  // Checked up front because a server already on the port would answer our readiness probe before
  // our own child had time to fail, and we would hand out someone else's server.
  await assertPortFree(ip, options.port, 'gRPC');
  if (uiPort !== undefined) await assertPortFree(ip, uiPort, 'web UI');
  if (options.dbFilename !== undefined) {
    await fs.mkdir(path.dirname(path.resolve(options.dbFilename)), { recursive: true });
  }

  const locatorLines: string[] = [];
  const cli = await locateTemporalCli({
    projectRoot: options.projectRoot,
    log: (line) => {
      locatorLines.push(line);
      log(line);
    },
  });
  if (cli === undefined) {
    return startWithSdkDownload(options, { ip, namespace, uiPort, log }, locatorLines);
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port)];
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  args.push('--namespace', namespace);
  if (options.dbFilename !== undefined) args.push('--db-filename', options.dbFilename);
  args.push('--log-level', options.logLevel ?? 'warn');
  for (const flag of searchAttributeFlags()) args.push('--search-attribute', flag);
  args.push(...DYNAMIC_CONFIG_FLAGS);

  const address = `${connectHost(ip)}:${options.port}`;
  log(`temporal dev server: starting ${cli.path} (${cli.source}) on ${address}`);
  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = new OutputTail(STDOUT_LINES_KEPT);
  const stderr = new OutputTail(STDERR_LINES_KEPT);
  // Always drain: a full pipe would block the server on its next log write.
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not be started: ${error.message}`));
    child.once('exit', (code, signal) => {
      const reason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // 'exit' can come before the last output is read, and that last line is usually the error;
      // 'close' waits for the pipes, bounded in case something else still holds them open.
      const grace = setTimeout(() => resolve(reason), 2_000);
      child.once('close', () => {
        clearTimeout(grace);
        resolve(reason);
      });
    });
  });
  liveServers.add(child);
  syncParentHooks();
  void exited.then(() => {
    liveServers.delete(child);
    syncParentHooks();
  });

  const stop = once(() => stopChild(child, exited));
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const started = Date.now();
  // Aborted once the race is decided so a probe in flight doesn't hold the event loop open.
  const polling = new AbortController();
  const outcome = await Promise.race([
    waitUntilReady(address, namespace, started + timeoutMs, polling.signal),
    exited.then((reason) => ({ failed: reason })),
  ]);
  polling.abort();
  if (outcome !== 'ready') {
    await stop();
    const reason = outcome === 'timeout' ? `did not answer within ${timeoutMs} ms` : outcome.failed;
    const code = outcome === 'timeout' ? 'DEV_SERVER_TIMEOUT' : 'DEV_SERVER_EXITED';
    const output = [
      ['stderr', stderr.text()],
      ['stdout', stdout.text()],
    ]
      .filter(([, text]) => text !== '')
      .map(([name, text]) => `--- ${name} ---\n${text}`)
      .join('\n');
    const portHint = /address already in use/i.test(output)
      ? ` (a port it needs is already in use: choose another port, or stop what is listening)`
      : '';
    throw new DevServerError(
      code,
      `Temporal dev server (${cli.path}) ${reason}${portHint}.\n${output || '(no output)'}`,
    );
  }

  const uiUrl = uiPort === undefined ? undefined : `http://${connectHost(ip)}:${uiPort}`;
  log(
    `temporal dev server: ready on ${address} in ${Date.now() - started} ms${uiUrl ? `, UI ${uiUrl}` : ''}`,
  );
  return { address, uiUrl, source: cli.source, stop, ...(child.pid ? { pid: child.pid } : {}) };
}

/** Polls until the namespace exists with our search attributes, so callers can start at once. */
async function waitUntilReady(
  address: string,
  namespace: string,
  deadline: number,
  signal: AbortSignal,
): Promise<'ready' | 'timeout'> {
  while (!signal.aborted && Date.now() < deadline) {
    const attemptDeadline = Math.min(deadline, Date.now() + 2_000);
    if (await answersWithSearchAttributes(address, namespace, attemptDeadline, signal)) {
      return 'ready';
    }
    await sleep(POLL_INTERVAL_MS, signal);
  }
  return 'timeout';
}

async function answersWithSearchAttributes(
  address: string,
  namespace: string,
  deadline: number,
  signal: AbortSignal,
): Promise<boolean> {
  // A fresh connection per attempt: a reused gRPC channel backs off (up to minutes) after the
  // refused connects of a server that is still starting, which would delay noticing it is up.
  // No retry interceptor: we poll ourselves, and its backoff timers outlive an abort.
  const connection = Connection.lazy({ address, interceptors: [] });
  try {
    return await connection.withAbortSignal(signal, () =>
      connection.withDeadline(deadline, async () => {
        await connection.workflowService.describeNamespace({ namespace });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({
          namespace,
        });
        return Object.values(SEARCH_ATTRIBUTES).every(
          (key) => customAttributes?.[key.name] !== undefined,
        );
      }),
    );
  } catch {
    // Not listening yet, or the namespace is still being created.
    return false;
  } finally {
    await connection.close().catch(() => {});
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

// Dev servers must not outlive this process. One shared set of hooks (not one per server) so that
// "is ours the only handler for this signal?" below has a meaningful answer.
const liveServers = new Set<ChildProcess>();
const TERMINATING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let parentHooked = false;

// Only a synchronous kill is possible here; SIGTERM still lets a server flush its SQLite file on
// its own after we are gone.
function killLiveServers(): void {
  for (const child of liveServers) child.kill('SIGTERM');
}

function onTerminatingSignal(signal: NodeJS.Signals): void {
  killLiveServers();
  // Listening for a signal cancels Node's default of dying from it. When nobody else listens,
  // restore that default and die from it as the process would have without us.
  if (process.listenerCount(signal) === 1) {
    unhookParent();
    process.kill(process.pid, signal);
  }
}

function syncParentHooks(): void {
  if (liveServers.size > 0 && !parentHooked) {
    parentHooked = true;
    process.on('exit', killLiveServers);
    for (const signal of TERMINATING_SIGNALS) process.on(signal, onTerminatingSignal);
  } else if (liveServers.size === 0 && parentHooked) {
    unhookParent();
  }
}

function unhookParent(): void {
  parentHooked = false;
  process.off('exit', killLiveServers);
  for (const signal of TERMINATING_SIGNALS) process.off(signal, onTerminatingSignal);
}

function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  return exited.then(() => clearTimeout(killer));
}

async function startWithSdkDownload(
  options: StartDevServerOptions,
  resolved: {
    ip: string;
    namespace: string;
    uiPort: number | undefined;
    log: (line: string) => void;
  },
  locatorLines: string[],
): Promise<DevServer> {
  resolved.log('temporal dev server: no CLI found; trying the SDK download of the dev server');
  try {
    // Loaded only here: it brings in the native SDK runtime, which the CLI path never needs. A
    // development dependency: a production install (npm ci --omit=dev) runs against a server of its
    // own (TEMPORAL_ADDRESS) and has no use for a downloaded one.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing').catch(
      (error: unknown) => {
        throw new Error(
          'the SDK download needs the development dependency @temporalio/testing (npm ci without --omit=dev)',
          { cause: error },
        );
      },
    );
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: resolved.ip,
        port: options.port,
        namespace: resolved.namespace,
        ui: resolved.uiPort !== undefined,
        uiPort: resolved.uiPort,
        dbFilename: options.dbFilename,
        log: { format: 'pretty', level: options.logLevel ?? 'warn' },
        searchAttributes: Object.values(SEARCH_ATTRIBUTES),
        extraArgs: DYNAMIC_CONFIG_FLAGS,
      },
    });
    const uiUrl =
      resolved.uiPort === undefined
        ? undefined
        : `http://${connectHost(resolved.ip)}:${resolved.uiPort}`;
    return {
      address: env.address,
      uiUrl,
      source: 'sdk-download',
      stop: once(() => env.teardown()),
    };
  } catch (error) {
    const causes = [...locatorLines, `SDK download: ${describe(error)}`];
    throw new DevServerError(
      'TEMPORAL_MISSING',
      `${TEMPORAL_MISSING_HELP}\nCauses:\n${causes.map((cause) => `  - ${cause}`).join('\n')}`,
    );
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message} (${describe(error.cause)})`;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => {
    promise ??= fn();
    return promise;
  };
}

/**
 * Keeps the first and the last lines of a child's output stream for error messages: a Go panic
 * names its cause on its first line and then prints a long stack.
 */
class OutputTail {
  private readonly head: string[] = [];
  private readonly lines: string[] = [];
  private partial = '';
  private dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly headLimit = 10,
  ) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (this.head.length < this.headLimit) {
        this.head.push(line);
        continue;
      }
      this.lines.push(line);
      if (this.lines.length > this.limit) {
        this.lines.shift();
        this.dropped += 1;
      }
    }
  }

  text(): string {
    const gap = this.dropped > 0 ? [`[… ${this.dropped} lines …]`] : [];
    return [...this.head, ...gap, ...this.lines, this.partial].join('\n').trim();
  }
}
