// One Prometheus registry per process: the receiver's /metrics and the worker's metrics listener
// read from it. Built per call rather than prom-client's global registry, so tests (and a process
// that runs both roles) never register a metric twice.
import { Registry } from 'prom-client';
import { registerProcessMetrics } from './process';

/** Every metric of ours starts with this. */
export const METRIC_PREFIX = 'rollout_gate_';

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) registerProcessMetrics(registry);
  return registry;
}
