// The Temporal side of a process: the SDK's runtime (logging, metrics) once per process, and the
// embedded dev server when no TEMPORAL_ADDRESS names a cluster.
import path from 'node:path';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { type Config, PROJECT_ROOT } from '../config';
import { REDACTED_PATHS } from '../receiver/app';
import { type DevServer, startDevServer } from '../temporal/dev-server';

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({ name, level: config.LOG_LEVEL, redact: REDACTED_PATHS });
}

const SDK_LOG_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let runtimeInstalled = false;
/**
 * The Temporal SDK's runtime, once per process: its log lines join ours as JSON (at WARN and up: it
 * logs every poll at INFO), and its own metrics go to a Prometheus exporter when asked for.
 */
export function installTemporalRuntime(log: Logger, sdkMetricsBindAddress?: string): boolean {
  if (runtimeInstalled) return false;
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) =>
      sdkLog[SDK_LOG_LEVELS[entry.level]](entry.meta ?? {}, entry.message),
    ),
    // The CLI owns SIGINT/SIGTERM and stops the receiver before the workers.
    shutdownSignals: [],
    ...(sdkMetricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsBindAddress } } } }
      : {}),
  });
  runtimeInstalled = true;
  return true;
}

/** Starts the embedded Temporal dev server unless TEMPORAL_ADDRESS points at one already. */
export async function ensureTemporal(
  config: Config,
  log: Logger,
): Promise<{ address: string; uiUrl: string | undefined; devServer?: DevServer }> {
  if (config.TEMPORAL_ADDRESS) {
    return { address: config.TEMPORAL_ADDRESS, uiUrl: config.TEMPORAL_UI_URL };
  }
  const devServer = await startDevServer({
    projectRoot: PROJECT_ROOT,
    port: config.TEMPORAL_DEV_PORT,
    uiPort: config.TEMPORAL_DEV_UI_PORT,
    ip: '127.0.0.1',
    namespace: config.TEMPORAL_NAMESPACE,
    dbFilename: path.join(config.TEMPORAL_DATA_DIR, 'temporal.sqlite'),
    log: (line) => log.info(line),
  });
  log.info({ address: devServer.address, ui: devServer.uiUrl }, 'embedded Temporal dev server up');
  return {
    address: devServer.address,
    uiUrl: config.TEMPORAL_UI_URL ?? devServer.uiUrl,
    devServer,
  };
}
