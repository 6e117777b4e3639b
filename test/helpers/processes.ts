// Runs rollout-gate roles as real child processes (bin/rollout-gate worker|receiver|start), the way
// an operator runs separate fleets, and reads what they expose.
import { type ChildProcess, spawn } from 'node:child_process';
import { BIN, ROOT } from './cli';

export interface RoleProcess {
  child: ChildProcess;
  /** Everything written to stdout (the JSON log) and stderr (progress) so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code once it has stopped (SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<number | null>;
}

export function startRole(
  args: string[],
  env: Record<string, string>,
  bin: string = BIN,
): RoleProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.TEMPORAL_CLI_PATH
        ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Polls `url` until it answers 200 (or the process exits, or time runs out). */
export async function waitForHttp(
  url: string,
  role: RoleProcess,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (role.child.exitCode !== null) {
      throw new Error(
        `process exited (${role.child.exitCode}) before ${url} answered:\n${role.stderr()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${role.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format into samples (comments skipped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = pair[2] as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The summed value of the samples with this name whose labels include `labels`; 0 when none. */
export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}
