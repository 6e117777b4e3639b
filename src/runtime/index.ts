// Wires the roles into running processes: the embedded dev server (when TEMPORAL_ADDRESS is unset),
// the workers and the receiver, with one orderly shutdown for all of them.
import type { Config } from '../config';
import { createMetricsRegistry } from '../metrics/registry';
import { describeTarget, temporalTarget } from '../temporal/connection';
import { getFreePort } from '../temporal/dev-server';
import { type RoleContext, startReceiverRole, startWorkerRole } from './roles';
import { createLogger, ensureTemporal, installTemporalRuntime } from './temporal';

export interface RunningService {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  /** The receiver's public listener (webhooks, health checks). */
  receiverUrl: string | undefined;
  /** The receiver's internal listener (metrics, stats, changes, review API), when it has one. */
  receiverInternalUrl: string | undefined;
  /** The worker's metrics listener (GET /metrics), when the worker role runs with one. */
  workerMetricsUrl: string | undefined;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Told about each step of a start that may take a while, for people watching a terminal. */
  progress?: (step: string) => void;
}

export interface ServiceRoles {
  worker: boolean;
  receiver: boolean;
}

export async function startService(
  config: Config,
  roles: ServiceRoles,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const progress = options.progress ?? (() => {});
  const log = createLogger(config, 'rollout-gate');
  const workerMetricsPort = roles.worker ? config.WORKER_METRICS_PORT : undefined;
  // The SDK's exporter listens on loopback only; the worker's metrics listener passes it on.
  const sdkMetricsPort = workerMetricsPort === undefined ? undefined : await getFreePort();
  const sdkMetricsInstalled = installTemporalRuntime(
    log,
    sdkMetricsPort === undefined ? undefined : `127.0.0.1:${sdkMetricsPort}`,
  );
  // Certificate files are read before anything starts: a wrong path stops the boot at once.
  const remote = config.TEMPORAL_ADDRESS
    ? temporalTarget(config, config.TEMPORAL_ADDRESS)
    : undefined;
  progress(
    remote
      ? `Temporal: ${describeTarget(remote)}`
      : 'Starting the embedded Temporal dev server (the first run installs the Temporal CLI)…',
  );
  const temporal = await ensureTemporal(config, log);
  if (temporal.devServer) {
    progress(
      `Temporal dev server ready on ${temporal.address}${temporal.uiUrl ? `, UI ${temporal.uiUrl}` : ''}`,
    );
  }
  const stops: Array<() => Promise<void>> = [];
  const devServer = temporal.devServer;
  if (devServer) stops.push(() => devServer.stop());
  const context: RoleContext = {
    config,
    log,
    progress,
    registry: createMetricsRegistry(),
    target: remote ?? temporalTarget(config, temporal.address),
    uiUrl: temporal.uiUrl,
    embedded: devServer !== undefined,
    stops: { first: (stop) => stops.unshift(stop), last: (stop) => stops.push(stop) },
  };

  try {
    const workerMetricsUrl = roles.worker
      ? await startWorkerRole(
          context,
          workerMetricsPort === undefined
            ? undefined
            : {
                port: workerMetricsPort,
                sdkMetricsUrl: sdkMetricsInstalled
                  ? `http://127.0.0.1:${sdkMetricsPort}/metrics`
                  : undefined,
              },
        )
      : undefined;
    const receiver = roles.receiver ? await startReceiverRole(context) : undefined;
    let stopping: Promise<void> | undefined;
    return {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      receiverUrl: receiver?.url,
      receiverInternalUrl: receiver?.internalUrl,
      workerMetricsUrl,
      stop() {
        stopping ??= (async () => {
          for (const stop of stops) {
            await stop().catch((error: unknown) => log.warn({ err: error }));
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
}
