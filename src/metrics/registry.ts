// One Prometheus registry per process: the receiver's /metrics and the worker's metrics listener
// read from it. Built per call rather than prom-client's global registry, so tests (and a process
// that runs both roles) never register a metric twice.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every metric of ours starts with this. */
export const METRIC_PREFIX = 'rollout_gate_';

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  // CPU, memory, event-loop lag and GC of this Node process, under their standard names.
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
