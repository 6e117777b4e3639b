// Starts ./worker-process.ts as separate OS processes against a test stack, and gives tests the
// controls that process's gate reads: hold a benchmark, see where it started, release it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReviewPolicy } from '../../src/gate/types';
import type { Stack } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(__dirname, 'worker-process.ts');
const READY_TIMEOUT_MS = 30_000;

export interface WorkerProcess {
  pid: number;
  /** Resolves once the process exits, with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** Everything it printed, for failure messages. */
  output(): string;
}

export interface WorkerFleet {
  controlDir: string;
  /** Starts a worker process; `policy` is its gate's review policy (default: abort on fail). */
  start(options?: { policy?: ReviewPolicy }): Promise<WorkerProcess>;
  /** Makes the benchmark hold for this entity until `release`. */
  hold(entityID: string): void;
  release(entityID: string): void;
  /** The pids of the processes the held benchmark started in, one per attempt. */
  startedIn(entityID: string): number[];
  /** How many approve calls each process sent, by pid. */
  approvalsBy(): Map<number, number>;
  /** SIGTERMs every process still running and removes the control directory. */
  stop(): Promise<void>;
}

export function workerFleet(stack: Stack, options: { recordResults?: boolean } = {}): WorkerFleet {
  const controlDir = mkdtempSync(path.join(tmpdir(), 'rollout-gate-workers-'));
  const running = new Set<WorkerProcess>();

  async function start(startOptions: { policy?: ReviewPolicy } = {}): Promise<WorkerProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(startOptions.policy ? { WORKER_POLICY: JSON.stringify(startOptions.policy) } : {}),
      WORKER_CONTROL_DIR: controlDir,
      WORKER_TASK_QUEUE: stack.taskQueue,
      WORKER_CONSOLE_API_URL: stack.sandbox.consoleApiUrl,
      WORKER_CONSOLE_API_KEY: stack.consoleApiKey,
      ...(options.recordResults
        ? {
            WORKER_EVENTS_API_URL: stack.sandbox.eventsApiUrl,
            WORKER_SERVER_SECRET: stack.serverSecret,
          }
        : {}),
    };
    // `node --import tsx` rather than the tsx binary: one process, so SIGKILL hits the worker itself
    // and not a wrapper that would leave it running.
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker: WorkerProcess = {
      pid: child.pid ?? -1,
      exited,
      kill: (signal) => child.kill(signal),
      output: () => output,
    };
    running.add(worker);
    void exited.then(() => running.delete(worker));

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!output.includes(`worker ready ${child.pid}`)) {
      const ended = await Promise.race([
        exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
      ]);
      if (ended || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`worker process did not become ready:\n${output}`);
      }
    }
    return worker;
  }

  return {
    controlDir,
    start,
    hold: (entityID) => writeFileSync(path.join(controlDir, `hold-${entityID}`), ''),
    release: (entityID) => writeFileSync(path.join(controlDir, `release-${entityID}`), ''),
    startedIn(entityID) {
      const file = path.join(controlDir, `started-${entityID}`);
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
    },
    approvalsBy() {
      const file = path.join(controlDir, 'approvals');
      const counts = new Map<number, number>();
      if (!existsSync(file)) return counts;
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const pid = Number(line.split(' ')[0]);
        counts.set(pid, (counts.get(pid) ?? 0) + 1);
      }
      return counts;
    },
    async stop() {
      const exits = [...running].map((worker) => {
        worker.kill('SIGTERM');
        // A graceful shutdown that hangs must not outlive the test.
        const stuck = setTimeout(() => worker.kill('SIGKILL'), 10_000);
        return worker.exited.finally(() => clearTimeout(stuck));
      });
      await Promise.all(exits);
      rmSync(controlDir, { recursive: true, force: true });
    },
  };
}
