// Child processes of the local cluster: each one's output appended to its own log file, ready when a
// line matches or a probe answers, stopped with a signal and a grace period, and measured (CPU time,
// including the children a process has reaped, as PostgreSQL's backends are).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../src/config';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
  alive(): boolean;
  /** Sends `signal`, then SIGKILL after `graceMs` if it is still running; resolves once it exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** The last lines it printed, for error messages. */
  tail(): string;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args?: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  readyLine?: (line: string) => boolean;
  probe?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export class ProcessStartError extends Error {
  constructor(name: string, why: string, tail: string, logFile: string) {
    super(`${name} ${why} (log: ${logFile}):\n${tail}`);
    this.name = 'ProcessStartError';
  }
}

export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`\n--- ${new Date().toISOString()} start ${options.name}\n`);
  const child: ChildProcess = spawn(options.command, options.args ?? [], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches only the script, which then stops
    // everything in order, instead of every process at once.
    detached: true,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  const pid = child.pid;
  if (pid === undefined) {
    const [error] = (await once(child, 'error')) as [Error];
    throw new ProcessStartError(
      options.name,
      `could not start: ${error.message}`,
      '',
      options.logFile,
    );
  }
  const lines: string[] = [];
  let ready = false;
  let pending = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (ready) return;
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (options.readyLine?.(line)) ready = true;
    }
  };
  // Always drained: a full pipe would block the process on its next write.
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let gone = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    gone = true;
    log.end(`--- ${new Date().toISOString()} ${options.name} exited (${signal ?? code})\n`);
    return (signal as NodeJS.Signals | null) ?? (code as number | null);
  });
  const tail = () => lines.slice(-20).join('\n');

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (!ready) {
    if (gone) {
      throw new ProcessStartError(
        options.name,
        `exited (${await exited}) before it was ready`,
        tail(),
        options.logFile,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ProcessStartError(
        options.name,
        `was not ready within ${((options.readyTimeoutMs ?? 120_000) / 1000).toFixed(0)} s`,
        tail(),
        options.logFile,
      );
    }
    if (options.probe && (await options.probe().catch(() => false))) ready = true;
    else await sleep(200);
  }

  return {
    name: options.name,
    pid,
    logFile: options.logFile,
    exited,
    alive: () => !gone,
    tail,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (gone) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}

const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is parenthesised and may contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) a process and its descendants have used: its own, what it has reaped
 * of exited children, and its live children's (recursively). PostgreSQL runs a process per
 * connection under the postmaster, so this is the whole server's CPU.
 */
export function treeCpuSeconds(pid: number): number | undefined {
  const own = statFields(pid);
  if (!own) return undefined;
  // Fields from 3 (state) on: ppid is [1], utime [11], stime [12], cutime [13], cstime [14].
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return ticks / TICKS_PER_SECOND;
  }
  for (const entry of entries) {
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === pid)
      ticks += (treeCpuSeconds(Number(entry)) ?? 0) * TICKS_PER_SECOND;
  }
  return ticks / TICKS_PER_SECOND;
}
