// This process's CPU, memory and event-loop delay under the standard Prometheus/Node names, computed
// when scraped. Not prom-client's collectDefaultMetrics: its garbage-collection observer runs a
// callback on every collection, which cost the receiver about 13% of its webhook throughput in
// `npm run bench:receiver` (a batch of 50 events allocates enough to collect often).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry];
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    registers,
    collect() {
      this.set(startSeconds);
    },
  });
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  const heap = new Gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'Process heap size used from Node.js in bytes.',
    registers,
    collect() {
      heap.set(process.memoryUsage().heapUsed);
    },
  });
  // A native histogram sampled every 20 ms: no JavaScript runs per sample.
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  // One reading per scrape, taken by the p99 gauge (collected first, in registration order) and
  // shared with the max gauge, then the histogram starts over.
  let reading = { p99: 0, max: 0 };
  new Gauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: 'The 99th percentile of the event loop delay since the last scrape, in seconds.',
    registers,
    collect() {
      reading =
        delay.count > 0
          ? { p99: delay.percentile(99) / 1e9, max: delay.max / 1e9 }
          : { p99: 0, max: 0 };
      delay.reset();
      this.set(reading.p99);
    },
  });
  new Gauge({
    name: 'nodejs_eventloop_lag_max_seconds',
    help: 'The longest event loop delay since the last scrape, in seconds.',
    registers,
    collect() {
      this.set(reading.max);
    },
  });
}
