// The `rollout-gate` command: one entry point for every role, so `npm start`, the Docker image and
// the package's bin all run the same code.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, PROJECT_ROOT } from './config';
import { runDemo } from './demo/run';
import { demoSeed } from './demo/seed';
import { GateConfigError } from './gate/define';
import { startService } from './runtime';
import { startSandbox } from './sandbox/app';
import { locateTemporalCli, TEMPORAL_MISSING_HELP } from './temporal/cli-locator';
import { DevServerError } from './temporal/dev-server';

const USAGE = `Usage: rollout-gate <command> [options]

Commands:
  start             Temporal (embedded dev server unless TEMPORAL_ADDRESS is set), workers and receiver
  worker            only the workers (reviews, benchmarks, Statsig writes)
  receiver          only the webhook receiver
  sandbox           only the Statsig sandbox (Console API stand-in) [--port 4100] [--key KEY]
  demo              the whole loop against the sandbox: one approve, one abort [--once]
  ensure-temporal   find or install the Temporal CLI and print its path

Configuration comes from the environment; see README.md.`;

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function runRoles(roles: { worker: boolean; receiver: boolean }): Promise<void> {
  const config = loadConfig();
  const service = await startService(config, roles);
  const ui = service.temporalUiUrl ? `, Temporal UI ${service.temporalUiUrl}` : '';
  const receiver = service.receiverUrl
    ? `, webhooks at ${service.receiverUrl}/webhooks/statsig`
    : '';
  console.error(
    `rollout-gate running (Temporal ${service.temporalAddress}${ui}${receiver}). Ctrl-C stops it.`,
  );
  const signal = await waitForSignal();
  console.error(`${signal}: stopping…`);
  await service.stop();
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      once: { type: 'boolean', default: false },
      port: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  switch (command) {
    case 'start':
      await runRoles({ worker: true, receiver: true });
      return 0;
    case 'worker':
      await runRoles({ worker: true, receiver: false });
      return 0;
    case 'receiver':
      await runRoles({ worker: false, receiver: true });
      return 0;
    case 'demo':
      await runDemo({
        once: values.once,
        sandboxPort: Number(values.port ?? process.env.SANDBOX_PORT ?? 4100),
      });
      return 0;
    case 'sandbox': {
      const key = values.key ?? process.env.SANDBOX_CONSOLE_API_KEY ?? 'console-sandbox-key';
      const started = await startSandbox({
        port: Number(values.port ?? process.env.SANDBOX_PORT ?? 4100),
        consoleApiKey: key,
        serverSecret: process.env.SANDBOX_SERVER_SECRET ?? 'secret-sandbox-key',
        seed: demoSeed(),
        logger: true,
      });
      console.error(
        `Statsig sandbox: Console API ${started.consoleApiUrl} (STATSIG-API-KEY: ${key})`,
      );
      await waitForSignal();
      await started.close();
      return 0;
    }
    case 'ensure-temporal': {
      const cli = await locateTemporalCli({
        projectRoot: PROJECT_ROOT,
        log: (line) => console.error(line),
      });
      if (!cli) {
        console.error(TEMPORAL_MISSING_HELP);
        return 1;
      }
      console.log(cli.path);
      return 0;
    }
    default:
      console.error(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Configuration and setup problems are the user's to fix: print them plainly, without a stack.
    if (
      error instanceof ConfigError ||
      error instanceof GateConfigError ||
      error instanceof DevServerError
    ) {
      console.error(error.message);
      process.exit(1);
    }
    console.error(error);
    process.exit(1);
  },
);
