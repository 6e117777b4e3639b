// `command`: runs a process (an eval script you already have), hands it the version under review,
// and reads its metrics as JSON from stdout. The process runs in its own process group, so on a
// timeout or a cancelled review the whole group (the script and anything it started) is stopped:
// SIGTERM first, SIGKILL after a grace period. The script gets an allow-listed environment
// (command-env.ts), and what it prints is redacted of key-like text before it reaches an error, a
// heartbeat, a report or Statsig's event stream.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { redactSecrets } from '../../redact';
import type { BenchmarkOutput } from '../types';
import { allowedEnvironment } from './command-env';
import {
  defineBenchmarkKind,
  type FromContext,
  fromContext,
  InvalidBenchmarkOutputError,
  resolve,
  type WithDefaults,
} from './kind';

export interface CommandOptions {
  /** The executable (looked up on PATH); no shell is involved. */
  command: FromContext<string>;
  args?: FromContext<string[]>;
  /**
   * Variables for the script. It starts from an allow-list of the worker's (PATH, HOME, USER,
   * LOGNAME, locale, TZ, TMPDIR/TMP/TEMP) plus `inheritEnv`; nothing else of the worker's reaches it.
   */
  env?: FromContext<Record<string, string>>;
  /** Names of further worker variables the script inherits when they are set (e.g. HTTPS_PROXY). */
  inheritEnv?: string[];
  /** Working directory. Default: the worker's. */
  cwd?: string;
  /** Time between SIGTERM and SIGKILL when the run is stopped. Default 2 s. */
  killGraceMs?: number;
  /** Standard output kept at most (the JSON must fit). Default 16 MiB. */
  maxOutputBytes?: number;
}

type CheckedCommandOptions = WithDefaults<CommandOptions, 'killGraceMs' | 'maxOutputBytes'>;

const commandOptionsSchema = z.object({
  command: fromContext(z.string().min(1)),
  args: fromContext(z.array(z.string())).optional(),
  env: fromContext(z.record(z.string(), z.string())).optional(),
  inheritEnv: z.array(z.string().min(1)).optional(),
  cwd: z.string().min(1).optional(),
  killGraceMs: z.number().int().min(0).default(2_000),
  maxOutputBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
}) as unknown as z.ZodType<CheckedCommandOptions, CommandOptions>;

const STDERR_TAIL_BYTES = 4_000;

/**
 * The end of stderr with `chunk` added. Where it is cut, the first line goes (or the first word, when
 * a line is longer than the tail): half a key would no longer look like one to the redaction.
 */
function stderrTailWith(tail: string, chunk: string): string {
  const joined = tail + chunk;
  if (joined.length <= STDERR_TAIL_BYTES) return joined;
  const cut = joined.slice(-STDERR_TAIL_BYTES);
  const lineEnd = cut.indexOf('\n');
  if (lineEnd !== -1) return cut.slice(lineEnd + 1);
  const wordEnd = cut.search(/\s/);
  return wordEnd === -1 ? '' : cut.slice(wordEnd + 1);
}

/** Stdout is the JSON document, or its last line is (scripts often log before printing it). */
export function parseCommandOutput(stdout: string): BenchmarkOutput {
  const text = stdout.trim();
  const candidates = [
    text,
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .at(-1) ?? '',
  ];
  for (const candidate of candidates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
    const record = parsed as Record<string, unknown>;
    if (record.metrics && typeof record.metrics === 'object')
      return record as unknown as BenchmarkOutput;
    // A flat object of numbers is read as the metrics themselves.
    if (Object.values(record).every((value) => typeof value === 'number')) {
      return { metrics: record as Record<string, number> };
    }
  }
  // Redacted before it is cut short, so that a cut cannot leave half a key unrecognisable.
  const redacted = redactSecrets(text);
  const shown = redacted.length > 300 ? `${redacted.slice(0, 300)}…` : redacted;
  throw new InvalidBenchmarkOutputError(
    `the command printed no JSON with metrics on stdout (expected {"metrics": {...}} or an object of numbers), got: ${shown || '(nothing)'}`,
  );
}

/** Signals the whole process group; a group already gone is fine. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left to stop.
  }
}

export const command = defineBenchmarkKind<CommandOptions, CheckedCommandOptions>(
  'command',
  (options, name) => ({
    async run(context) {
      const file = resolve(options.command, context);
      const args = options.args ? resolve(options.args, context) : [];
      const targetFile = path.join(context.scratchDir, 'target.json');
      await writeFile(targetFile, JSON.stringify(context.target));
      const env: Record<string, string> = {
        ...allowedEnvironment(options.inheritEnv),
        ROLLOUT_GATE_TARGET_FILE: targetFile,
        ROLLOUT_GATE_ROLE: context.role,
        ROLLOUT_GATE_REPEAT: String(context.repeat),
        ROLLOUT_GATE_SEED: String(context.seed),
        ROLLOUT_GATE_SCRATCH_DIR: context.scratchDir,
        ...(options.env ? resolve(options.env, context) : {}),
      };
      if (context.baseline) {
        const baselineFile = path.join(context.scratchDir, 'baseline.json');
        await writeFile(baselineFile, JSON.stringify(context.baseline));
        env.ROLLOUT_GATE_BASELINE_FILE = baselineFile;
      }
      context.signal.throwIfAborted();

      return new Promise<BenchmarkOutput>((resolvePromise, reject) => {
        const child = spawn(file, args, {
          cwd: options.cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderrTail = '';
        let stopping: NodeJS.Timeout | undefined;
        let outcome: Error | undefined;

        const stop = (reason: Error) => {
          if (outcome || child.pid === undefined) return;
          outcome = reason;
          killGroup(child.pid, 'SIGTERM');
          stopping = setTimeout(() => {
            if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
          }, options.killGraceMs);
        };
        const onAbort = () => {
          const reason = context.signal.reason;
          stop(reason instanceof Error ? reason : new Error(`benchmark '${name}' was stopped`));
        };
        context.signal.addEventListener('abort', onAbort, { once: true });

        child.stdout.on('data', (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > options.maxOutputBytes) {
            stop(
              new InvalidBenchmarkOutputError(
                `'${file}' printed more than maxOutputBytes to stdout`,
              ),
            );
            return;
          }
          stdout.push(chunk);
          context.heartbeat({ stdoutBytes });
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderrTail = stderrTailWith(stderrTail, chunk.toString('utf8'));
          const line = stderrTail.split('\n').filter(Boolean).at(-1);
          context.heartbeat({ stderr: line === undefined ? line : redactSecrets(line) });
        });
        child.on('error', (error) => {
          outcome ??= new Error(`could not start '${file}': ${error.message}`);
        });
        child.on('close', (code, signal) => {
          context.signal.removeEventListener('abort', onAbort);
          if (stopping) clearTimeout(stopping);
          // Whatever happened, leave nothing of the group behind.
          if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
          if (outcome) return reject(outcome);
          if (code !== 0) {
            const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            const tail = redactSecrets(stderrTail).slice(-800).trim();
            return reject(new Error(`'${file}' ${how}${tail ? `: ${tail}` : ''}`));
          }
          try {
            resolvePromise(parseCommandOutput(Buffer.concat(stdout).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
      });
    },
  }),
  commandOptionsSchema,
);
