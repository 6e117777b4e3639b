// The `rollout-gate` command line: one entry point for every role and every operator task, so
// `npm start`, the Docker image and the package's bin all run the same code.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../config';
import { runDemo } from '../demo/run';
import { demoSeed } from '../demo/seed';
import { errorMessage } from '../error-message';
import { GateConfigError } from '../gate/define';
import { MetricsPortError } from '../metrics/server';
import { startService } from '../runtime';
import { startSandbox } from '../sandbox/app';
import { locateTemporalCli, TEMPORAL_MISSING_HELP } from '../temporal/cli-locator';
import { TemporalConnectionError } from '../temporal/connection';
import { DevServerError } from '../temporal/dev-server';
import { loadEnvFile } from './env-file';
import { CliError, EXIT, UsageError } from './errors';
import { GATE_COMMAND_OPTIONS, gateCommands } from './gate-commands';
import { reviewCommand } from './review';
import { COMMAND_USAGE, MAIN_USAGE } from './usage';
import { type Output, sendWebhookCommand, verifySignatureCommand } from './webhook';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMAND_OPTIONS: Record<string, Options> = {
  start: {},
  worker: {},
  receiver: {},
  'ensure-temporal': {},
  ...GATE_COMMAND_OPTIONS,
  demo: { once: { type: 'boolean', default: false }, port: { type: 'string' } },
  'send-webhook': {
    url: { type: 'string' },
    secret: { type: 'string' },
    timestamp: { type: 'string' },
  },
  'verify-signature': {
    body: { type: 'string' },
    timestamp: { type: 'string' },
    signature: { type: 'string' },
    secret: { type: 'string' },
    'max-age-ms': { type: 'string' },
  },
  review: {
    trigger: { type: 'string' },
    phase: { type: 'string' },
    pipeline: { type: 'string' },
    entity: { type: 'string' },
    verdict: { type: 'string' },
    decision: { type: 'string' },
    status: { type: 'string' },
    source: { type: 'string' },
    stuck: { type: 'boolean', default: false },
    'stuck-minutes': { type: 'string' },
    limit: { type: 'string' },
    actor: { type: 'string' },
    reason: { type: 'string' },
    url: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
};

/** Positional arguments each command takes, after its name. */
const MAX_POSITIONALS: Record<string, number> = {
  'send-webhook': 1,
  review: 2,
  sandbox: 1,
  gate: 1,
};

const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

export interface CliContext extends Output {
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  waitForStop(): Promise<string>;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Takes `--dotenv FILE` (or `--dotenv=FILE`) out of argv, wherever it stands. (Not `--env-file`:
 * Node 20 reads that flag even after the script name, and fails on a file it cannot find.)
 */
function extractEnvFile(argv: string[]): { argv: string[]; envFile?: string } {
  const rest: string[] = [];
  let envFile: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--dotenv') {
      envFile = argv[index + 1];
      if (envFile === undefined || envFile.startsWith('-')) {
        throw new UsageError('--dotenv needs a file name.');
      }
      index += 1;
    } else if (arg.startsWith('--dotenv=')) {
      envFile = arg.slice('--dotenv='.length);
    } else {
      rest.push(arg);
    }
  }
  return envFile === undefined ? { argv: rest } : { argv: rest, envFile };
}

function parse(command: string, args: string[]) {
  try {
    return parseArgs({
      args,
      options: { ...COMMAND_OPTIONS[command], ...HELP_OPTION },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(errorMessage(error).split('\n')[0] ?? 'bad arguments', command);
  }
}

function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Progress of a start, on stderr with the time since the command began. */
function progressReporter(io: Output): (step: string) => void {
  const started = Date.now();
  return (step) => io.err(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${step}`);
}

async function runRoles(
  roles: { worker: boolean; receiver: boolean },
  context: CliContext,
): Promise<number> {
  // Each role's own secrets only: a receiver starts without a Console API key.
  const config = loadConfig(context.env, roles);
  const service = await startService(config, roles, { progress: progressReporter(context) });
  const parts = [`Temporal ${service.temporalAddress}`];
  if (service.temporalUiUrl) parts.push(`UI ${service.temporalUiUrl}`);
  if (service.receiverUrl) parts.push(`webhooks at ${service.receiverUrl}/webhooks/statsig`);
  if (service.receiverInternalUrl) {
    parts.push(`metrics and review API at ${service.receiverInternalUrl}`);
  }
  if (service.workerMetricsUrl) parts.push(`worker metrics at ${service.workerMetricsUrl}`);
  context.err(`rollout-gate running (${parts.join(', ')}). Ctrl-C stops it.`);
  const signal = await context.waitForStop();
  context.err(`${signal}: stopping…`);
  await service.stop();
  return EXIT.ok;
}

/** `rollout-gate sandbox`: the Statsig stand-in alone, seeded like the demo, until Ctrl-C. */
async function sandboxCommand(
  keyOption: string | undefined,
  portValue: string | undefined,
  context: CliContext,
): Promise<number> {
  const { env } = context;
  const key = keyOption ?? env.SANDBOX_CONSOLE_API_KEY ?? 'console-sandbox-key';
  const started = await startSandbox({
    port: portOption(portValue ?? env.SANDBOX_PORT ?? '4100', 'sandbox'),
    consoleApiKey: key,
    serverSecret: env.SANDBOX_SERVER_SECRET ?? 'secret-sandbox-key',
    seed: demoSeed(),
    logger: true,
  });
  context.err(`Statsig sandbox: Console API ${started.consoleApiUrl} (STATSIG-API-KEY: ${key})`);
  await context.waitForStop();
  await started.close();
  return EXIT.ok;
}

/** `rollout-gate ensure-temporal`: prints the Temporal CLI's path, installing it on first use. */
async function ensureTemporal(context: CliContext): Promise<number> {
  const cli = await locateTemporalCli({
    projectRoot: PROJECT_ROOT,
    log: (line) => context.err(line),
  });
  if (!cli) throw new CliError(TEMPORAL_MISSING_HELP);
  context.out(cli.path);
  return EXIT.ok;
}

export async function runCli(rawArgv: string[], context: CliContext): Promise<number> {
  const { argv, envFile } = extractEnvFile(rawArgv);
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    context.out(topic && COMMAND_USAGE[topic] ? COMMAND_USAGE[topic] : MAIN_USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    context.out(version());
    return EXIT.ok;
  }
  if (!(command in COMMAND_OPTIONS)) {
    throw new UsageError(`Unknown command '${command}'.`);
  }
  const parsed = parse(command, rest);
  const { positionals } = parsed;
  // Each command has its own options; read them by name.
  const values: Record<string, unknown> = parsed.values;
  if (values.help) {
    context.out(COMMAND_USAGE[command] ?? MAIN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > (MAX_POSITIONALS[command] ?? 0)) {
    throw new UsageError(`Unexpected argument '${positionals.at(-1)}'.`, command);
  }
  const loaded = loadEnvFile(envFile);
  if (loaded) context.err(`Read variables from ${loaded} (the environment wins over it).`);
  const { env } = context;
  const option = (name: string) => stringOption(values, name);
  const gated = gateCommands({ command, positionals, values, env, io: context });
  if (gated) return gated;

  switch (command) {
    case 'start':
      return runRoles({ worker: true, receiver: true }, context);
    case 'worker':
      return runRoles({ worker: true, receiver: false }, context);
    case 'receiver':
      return runRoles({ worker: false, receiver: true }, context);
    case 'demo':
      await runDemo({
        once: values.once === true,
        sandboxPort: portOption(option('port') ?? env.SANDBOX_PORT ?? '4100', command),
      });
      return EXIT.ok;
    case 'sandbox':
      return sandboxCommand(option('key'), option('port'), context);
    case 'ensure-temporal':
      return ensureTemporal(context);
    case 'send-webhook':
      return sendWebhookCommand(
        {
          file: positionals[0],
          ...optional('url', option('url')),
          ...optional('secret', option('secret')),
          ...optional('timestamp', option('timestamp')),
        },
        env,
        context,
      );
    case 'verify-signature':
      return verifySignatureCommand(
        {
          ...optional('body', option('body')),
          ...optional('timestamp', option('timestamp')),
          ...optional('signature', option('signature')),
          ...optional('secret', option('secret')),
          ...optional('maxAgeMs', option('max-age-ms')),
        },
        env,
        context,
      );
    case 'review':
      return reviewCommand(
        {
          action: positionals[0],
          id: positionals[1],
          json: values.json === true,
          stuck: values.stuck === true,
          ...optional('stuck-minutes', option('stuck-minutes')),
          ...optional('source', option('source')),
          ...optional('trigger', option('trigger')),
          ...optional('phase', option('phase')),
          ...optional('pipeline', option('pipeline')),
          ...optional('entity', option('entity')),
          ...optional('verdict', option('verdict')),
          ...optional('decision', option('decision')),
          ...optional('status', option('status')),
          ...optional('limit', option('limit')),
          ...optional('actor', option('actor')),
          ...optional('reason', option('reason')),
          ...optional('url', option('url')),
        },
        env,
        context,
      );
    default:
      throw new UsageError(`Unknown command '${command}'.`);
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function portOption(value: string, command: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port is a port number (0-65535), not '${value}'.`, command);
  }
  return port;
}

/** What to print, and the exit code, for an error that ended a command. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof UsageError) {
    const help = error.command ? `rollout-gate ${error.command} --help` : 'rollout-gate --help';
    return { message: `${error.message}\nSee '${help}'.`, exitCode: error.exitCode };
  }
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof TemporalConnectionError) {
    return { message: error.message, exitCode: EXIT.unavailable };
  }
  // Configuration and setup problems are the user's to fix: print them plainly, without a stack.
  if (
    error instanceof ConfigError ||
    error instanceof GateConfigError ||
    error instanceof DevServerError ||
    error instanceof MetricsPortError
  ) {
    return { message: error.message, exitCode: EXIT.failure };
  }
  const errno = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (errno?.code === 'EADDRINUSE') {
    return {
      message: `Port ${errno.port ?? ''} on ${errno.address ?? 'this machine'} is already in use: stop what listens there, or set PORT (receiver) to another port.`,
      exitCode: EXIT.failure,
    };
  }
  return {
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    exitCode: EXIT.failure,
  };
}
