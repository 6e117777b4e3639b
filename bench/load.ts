// `npm run bench:load`: rollout-gate under a burst of reviews, against plain Temporal doing the same
// amount of workflow work, on one embedded dev server (SQLite, as `npm start` runs it).
//   1. Sequential: 20 reviews one after another (no-op benchmark): webhook-to-approve latency,
//      against 20 plain workflows of read, measure and write, alternating (bench/sequential.ts).
//   2. Burst, Statsig write limit lifted: N review webhooks at a fixed concurrency, against N
//      baseline workflows started directly by a client at the same concurrency. This isolates what
//      rollout-gate costs on top of Temporal.
//   3. Burst at the shipped write budgets (80 per 10 s, 720 per 15 min: 0.8 writes a second): what
//      a real project sees, where Statsig's write limits, not rollout-gate, set the pace. Its writes
//      are counted in the busiest 10 s and 15 min, against Statsig's ~100 and 900 (or 1,800).
// Flags: --reviews N (default 1000), --concurrency C (default 50), --sequential K (default 20),
// --shipped-reviews M (default 200: at 0.8 writes a second, 1,000 would take 21 minutes),
// --only sequential (the first comparison alone).
// Each phase uses fresh receiver and worker processes (bench/stack.ts), so peak RSS is per phase.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { RecordedCall } from '../src/sandbox/app';
import { createClient } from '../src/temporal/connection';
import { fmt, machine, quantile, table, writeResults } from './report';
import { sequentialComparison, sequentialSection } from './sequential';
import {
  type BenchStack,
  type Delivery,
  pool,
  processCpuSeconds,
  progressLog,
  type RoleProcess,
  startBenchDevServer,
  startBenchStack,
  startNodeProcess,
} from './stack';

const say = progressLog('bench:load');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface BurstResult {
  name: string;
  count: number;
  /** Acknowledgement (or start-call) latencies, ms, sorted. */
  ackMs: number[];
  /** Start-to-decision latencies, ms, sorted. */
  decisionMs: number[];
  /** Decisions per second from the first send to the last close. */
  perSecond: number;
  seconds: number;
  lost: number;
  duplicateWrites: number;
  /** Most Console API write attempts in any 10 s window, and in any 15 min window. */
  maxWritesPer10s: number;
  maxWritesPer15min: number;
  workerPeakRss?: number;
  receiverPeakRss?: number;
  /** CPU seconds each process used from the first send to the last close. */
  cpu: CpuUse;
}

interface CpuUse {
  worker: number;
  receiver: number;
  temporal: number;
  /** This process: the load generator and the Statsig sandbox. */
  bench: number;
}

/** The dev server's pid, set once it runs; its CPU is part of every burst's cost. */
let temporalPid: number | undefined;

/** Starts counting CPU seconds of the given processes; the returned function reads the deltas. */
function cpuMeter(worker: () => number, receiver: () => number): () => CpuUse {
  const read = (): CpuUse => {
    const own = process.cpuUsage();
    return {
      worker: worker(),
      receiver: receiver(),
      temporal: temporalPid === undefined ? 0 : (processCpuSeconds(temporalPid) ?? 0),
      bench: (own.user + own.system) / 1e6,
    };
  };
  const start = read();
  return () => {
    const end = read();
    return {
      worker: end.worker - start.worker,
      receiver: end.receiver - start.receiver,
      temporal: end.temporal - start.temporal,
      bench: end.bench - start.bench,
    };
  };
}

const isWrite = (call: RecordedCall) => call.method !== 'GET' && call.path.startsWith('/console/');
const isApprove = (call: RecordedCall) =>
  call.method === 'PUT' && call.path.endsWith('/approve') && call.status === 200 && !call.faulted;

/** The most write attempts Statsig would count in any window (attempts, not just successes). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to += 1) {
    while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= windowMs) from += 1;
    most = Math.max(most, to - from + 1);
  }
  return most;
}

function triggerOf(call: RecordedCall): string | undefined {
  return /release_pipeline_triggers\/([^/]+)\//.exec(call.path)?.[1];
}

/** When each workflow closed, by the server's clock (same machine as ours). */
async function closeTimes(client: Client, workflowIds: readonly string[]): Promise<number[]> {
  return pool(workflowIds, 20, async (workflowId) => {
    const description = await client.workflow.getHandle(workflowId).describe();
    return description.closeTime?.getTime() ?? Number.NaN;
  });
}

async function reviewBurst(
  name: string,
  stack: BenchStack,
  count: number,
  concurrency: number,
): Promise<BurstResult> {
  const triggers = stack.release(count);
  const calls = stack.sandbox.sandbox.calls;
  const callsBefore = calls.length;
  say(`${name}: sending ${count} review webhooks, ${concurrency} in flight`);
  const cpu = cpuMeter(
    () => stack.workers().reduce((sum, worker) => sum + (worker.cpuSeconds() ?? 0), 0),
    () => stack.receiver().cpuSeconds() ?? 0,
  );
  const deliveries: Delivery[] = await pool(triggers, concurrency, (trigger) =>
    stack.deliver(trigger),
  );
  const acked = deliveries.filter((delivery) => delivery.ackedAtMs !== undefined);
  say(`${name}: ${acked.length}/${count} acknowledged; waiting for the decisions`);
  const wanted = new Set(acked.map((delivery) => delivery.triggerID));
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const approved = new Set(calls.slice(callsBefore).filter(isApprove).map(triggerOf));
    const missing = [...wanted].filter((id) => !approved.has(id)).length;
    if (missing === 0 || Date.now() > deadline) break;
    await sleep(200);
  }
  const seen = calls.slice(callsBefore);
  const approvals = new Map<string, RecordedCall[]>();
  for (const call of seen.filter(isApprove)) {
    const trigger = triggerOf(call) ?? '';
    approvals.set(trigger, [...(approvals.get(trigger) ?? []), call]);
  }
  // The approve call comes before the review's last stage (record); wait for every close.
  await pool(acked, concurrency, (delivery) =>
    stack.client.workflow.getHandle(delivery.workflowId).result(),
  );
  const closes = await closeTimes(
    stack.client,
    acked.map((delivery) => delivery.workflowId),
  );
  const cpuUse = cpu();
  const firstSent = Math.min(...deliveries.map((delivery) => delivery.sentAtMs));
  const lastClose = Math.max(...closes);
  const seconds = (lastClose - firstSent) / 1000;
  const writeTimes = seen.filter(isWrite).map((call) => call.timeMs);
  return {
    name,
    count,
    ackMs: acked.flatMap((delivery) =>
      delivery.ackLatencyMs === undefined ? [] : [delivery.ackLatencyMs],
    ),
    // A review never approved has no decision time: it is counted in `lost`, not here.
    decisionMs: acked.flatMap((delivery) => {
      const approved = approvals.get(delivery.triggerID)?.[0]?.timeMs;
      return approved === undefined ? [] : [approved - delivery.sentAtMs];
    }),
    perSecond: acked.length / seconds,
    seconds,
    lost: [...wanted].filter((id) => !approvals.has(id)).length,
    duplicateWrites: [...approvals.values()].filter((list) => list.length > 1).length,
    maxWritesPer10s: maxInWindow(writeTimes, 10_000),
    maxWritesPer15min: maxInWindow(writeTimes, 15 * 60_000),
    // With several workers, the largest of them.
    workerPeakRss: Math.max(0, ...stack.workers().map((worker) => worker.peakRssBytes() ?? 0)),
    receiverPeakRss: stack.receiver().peakRssBytes(),
    cpu: cpuUse,
  };
}

async function baselineBurst(
  client: Client,
  worker: RoleProcess,
  taskQueue: string,
  activityCount: number,
  count: number,
  concurrency: number,
): Promise<BurstResult> {
  const ids = Array.from({ length: count }, (_, index) => `baseline-${taskQueue}-${index}`);
  say(
    `baseline: starting ${count} workflows of ${activityCount} activities, ${concurrency} in flight`,
  );
  const cpu = cpuMeter(
    () => worker.cpuSeconds() ?? 0,
    () => 0,
  );
  const started: Array<{ id: string; sentAtMs: number; startMs: number }> = await pool(
    ids,
    concurrency,
    async (id) => {
      const sentAtMs = Date.now();
      const at = performance.now();
      await client.workflow.start('baselineReview', {
        taskQueue,
        workflowId: id,
        args: [activityCount],
      });
      return { id, sentAtMs, startMs: performance.now() - at };
    },
  );
  await pool(ids, concurrency, (id) => client.workflow.getHandle(id).result());
  const cpuUse = cpu();
  const closes = await closeTimes(client, ids);
  const firstSent = Math.min(...started.map((entry) => entry.sentAtMs));
  const seconds = (Math.max(...closes) - firstSent) / 1000;
  return {
    name: `plain Temporal: ${activityCount} no-op activities`,
    count,
    ackMs: started.map((entry) => entry.startMs),
    decisionMs: started.map((entry, index) => (closes[index] ?? Number.NaN) - entry.sentAtMs),
    perSecond: count / seconds,
    seconds,
    lost: 0,
    duplicateWrites: 0,
    maxWritesPer10s: 0,
    maxWritesPer15min: 0,
    workerPeakRss: worker.peakRssBytes(),
    cpu: cpuUse,
  };
}

/** Where the CPU went, per review, in milliseconds. */
function cpuTable(rows: BurstResult[]): string {
  const perReview = (seconds: number, count: number) => fmt((seconds * 1000) / count, 1);
  return table(
    ['run', 'worker', 'receiver', 'Temporal dev server', 'bench + sandbox', 'total'],
    rows.map(({ name, count, cpu }) => [
      name,
      perReview(cpu.worker, count),
      perReview(cpu.receiver, count),
      perReview(cpu.temporal, count),
      perReview(cpu.bench, count),
      perReview(cpu.worker + cpu.receiver + cpu.temporal + cpu.bench, count),
    ]),
  );
}

const mib = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a' : fmt(bytes / 1024 ** 2, 0);

function burstTable(rows: BurstResult[]): string {
  return table(
    [
      'run',
      'reviews',
      'ack p50 ms',
      'ack p99 ms',
      'decision p50 ms',
      'decision p99 ms',
      'decided/s',
      'lost',
      'dup writes',
      'max writes/10 s',
      'max writes/15 min',
      'worker RSS MiB',
      'receiver RSS MiB',
    ],
    rows.map((row) => [
      row.name,
      String(row.count),
      fmt(quantile(row.ackMs, 0.5), 1),
      fmt(quantile(row.ackMs, 0.99), 1),
      fmt(quantile(row.decisionMs, 0.5), 0),
      fmt(quantile(row.decisionMs, 0.99), 0),
      fmt(row.perSecond, 1),
      String(row.lost),
      String(row.duplicateWrites),
      String(row.maxWritesPer10s),
      String(row.maxWritesPer15min),
      mib(row.workerPeakRss),
      mib(row.receiverPeakRss),
    ]),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reviews: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '50' },
      sequential: { type: 'string', default: '20' },
      'shipped-reviews': { type: 'string', default: '200' },
      only: { type: 'string' },
    },
  });
  const shippedReviews = Number(values['shipped-reviews']);
  const reviews = Number(values.reviews);
  const concurrency = Number(values.concurrency);
  const sequential = Number(values.sequential);
  // `--only sequential` runs the one-at-a-time comparison alone (a minute, not half an hour).
  const only = values.only;
  if (only !== undefined && only !== 'sequential') throw new Error('--only takes: sequential');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rollout-gate-bench-'));
  const devServer = await startBenchDevServer(path.join(dataDir, 'temporal.sqlite'));
  const address = devServer.address;
  temporalPid = devServer.pid;
  say(`dev server at ${address} (SQLite in ${dataDir})`);
  const baselineQueue = `baseline-${Date.now()}`;
  const baselineWorker = await startNodeProcess({
    name: 'baseline worker',
    script: path.join(__dirname, 'baseline', 'worker.ts'),
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: address, BASELINE_TASK_QUEUE: baselineQueue },
    readyLine: (line) => line.includes('baseline worker polling'),
  });
  const client = createClient({ address, namespace: 'default' });
  const stacks: BenchStack[] = [];
  try {
    // 1. Sequential: webhook → approve against a plain review doing only the irreducible work.
    const sequentialResult = await sequentialComparison({
      address,
      client,
      plainQueue: baselineQueue,
      count: sequential,
      say,
    });
    await writeResults(
      'load-sequential',
      [
        '## Load, one review at a time (`npm run bench:load`)',
        '',
        `- Date: ${new Date().toISOString()}`,
        `- Machine: ${machine()}`,
        `- Command: \`npm run bench:load\` (\`tsx bench/load.ts --sequential ${sequential}${only ? ` --only ${only}` : ''}\`)`,
        '- Setup: as below (SQLite dev server reading new tasks as they arrive, as `npm start` runs it: src/temporal/dev-server.ts; receiver and worker processes, no-op gate); the plain review (bench/baseline/, its own worker process, the same server and sandbox) reads the trigger and the config, runs a no-op measure and approves, as three activities written with fetch; the no-op run is three activities that do nothing. "→ approve": from sending the signed webhook (or the start call) to the sandbox receiving the approve call; "no-op activities ran": from the start call to the third activity running.',
        '',
        sequentialSection(sequentialResult),
      ].join('\n'),
    );
    if (only === 'sequential') {
      say('results written to bench/RESULTS.md');
      return;
    }
    const activityCount = Object.values(sequentialResult.history.activities).reduce(
      (sum, n) => sum + n,
      0,
    );

    // 2. Bursts with the write limit lifted (one worker, then two), against the baseline burst.
    const burst = async (
      name: string,
      stackOptions: { writesPerSecond?: number; workers?: number },
      count = reviews,
    ) => {
      const stack = await startBenchStack({
        temporalAddress: address,
        entities: count,
        ...stackOptions,
      });
      stacks.push(stack);
      const result = await reviewBurst(name, stack, count, concurrency);
      await stack.stop();
      stacks.pop();
      return result;
    };
    const product = await burst('rollout-gate, write limit lifted', { writesPerSecond: 1000 });
    const twoWorkers = await burst('rollout-gate, 2 worker processes, limit lifted', {
      writesPerSecond: 1000,
      workers: 2,
    });
    const baseline = await baselineBurst(
      client,
      baselineWorker,
      baselineQueue,
      activityCount,
      reviews,
      concurrency,
    );

    // 3. Burst at the shipped write limit.
    const shipped = await burst(
      'rollout-gate, shipped write budgets (0.8 writes/s)',
      {},
      shippedReviews,
    );

    const ratio = product.perSecond / baseline.perSecond;
    const section = [
      '## Load (`npm run bench:load`)',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine()}`,
      `- Command: \`npm run bench:load\` (\`tsx bench/load.ts --reviews ${reviews} --concurrency ${concurrency} --sequential ${sequential}\`)`,
      `- Setup: one \`temporal server start-dev\` with SQLite (as \`npm start\` runs it); rollout-gate's receiver and worker each in its own process (\`rollout-gate receiver\`, \`rollout-gate worker\`, fresh for each run), the Statsig sandbox and the load in the bench process; gate: one no-op benchmark (bench/fixtures/noop-gate.mjs). A review runs ${activityCount} activities; the baseline workflow (bench/baseline/) runs as many no-op activities, started directly with \`client.workflow.start\` from the same process at the same concurrency, on a worker process with the same activity concurrency (50).`,
      `- "decision": for rollout-gate, from sending the webhook to Statsig receiving the approve call; for the baseline, from the start call to the workflow's close. "decided/s": reviews from the first send to the last workflow close. "ack": the receiver's 2xx answer (baseline: the start call). RSS: peak resident set (VmHWM) of the process.`,
      '',
      'One review at a time: see the section above.',
      '',
      `Burst of ${reviews}, ${concurrency} webhooks in flight:`,
      '',
      burstTable([product, twoWorkers, baseline, shipped]),
      '',
      'CPU per review (ms, from the first send to the last close; 2 cores give 2,000 ms of CPU per second):',
      '',
      cpuTable([product, twoWorkers, baseline, shipped]),
      '',
      `- Throughput with the write limit lifted: **${fmt(ratio, 2)}×** the plain-Temporal baseline (target ≥ 0.8×).`,
      `- Two worker processes against the same dev server: ${fmt(twoWorkers.perSecond / product.perSecond, 2)}× the one-worker throughput.`,
      `- Lost reviews: ${product.lost + twoWorkers.lost + shipped.lost}; duplicate approve calls: ${product.duplicateWrites + twoWorkers.duplicateWrites + shipped.duplicateWrites}.`,
      `- At the shipped write budgets (80 per 10 s, 720 per 15 min) the ${shippedReviews} approvals took ${fmt(shipped.seconds, 0)} s, ${fmt(shipped.perSecond, 2)} per second. Writes peaked at ${shipped.maxWritesPer10s} in 10 s (Statsig allows ~100) and ${shipped.maxWritesPer15min} in 15 min (Statsig: 900 in its older pages, ~1,800 attempts in newer ones; at this pace no 15 min can hold more than ${Math.round(0.8 * 900)} plus the limiter's start-up burst).`,
    ].join('\n');
    process.stdout.write(`${section}\n`);
    await writeResults('load', section);
    say('results written to bench/RESULTS.md');
  } finally {
    for (const stack of stacks) await stack.stop().catch(() => undefined);
    await baselineWorker.stop();
    await client.connection.close();
    await devServer.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
