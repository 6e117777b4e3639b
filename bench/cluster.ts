// `npm run bench:cluster`: rollout-gate on its production topology (deploy/local/cluster.ts:
// PostgreSQL, the Temporal server, two workers, two receivers, the Statsig sandbox, each its own
// process), first under faults of Temporal itself, then measured for throughput.
//
// 1. Faults. A burst of reviews in four waves while, in turn:
//    (a) the Temporal server is SIGKILLed; the next wave is delivered while it is down (every
//        delivery must be refused with 503, so that Statsig retries), then it is started again;
//    (b) PostgreSQL is stopped immediately (no checkpoint: crash recovery when it starts) while a
//        wave is delivered, left down for a while (deliveries must be refused with 503 meanwhile),
//        and started again;
//    (c) one worker and one receiver are SIGKILLed during a wave and started again 5 s later, as
//        compose's `restart: unless-stopped` would;
//    and throughout, until 20 s after the last wave, 20% of Statsig Console API calls answer 500
//    and 10% are held 5 s. Webhooks go to the receivers in turn, as a load balancer would send them,
//    each retried every 500 ms until a 2xx, as Statsig retries.
//    Afterwards every acknowledged review must have exactly one decision (lost: 0) and Statsig at
//    most one successful write per review (duplicates: 0).
// 2. Scaling. Bursts with the Statsig write limit lifted, with 1, 2 and 4 workers, against the
//    PostgreSQL-backed server and against the SQLite dev server (`temporal server start-dev`, as
//    `npm start` runs it), with the CPU each process used.
// test/cluster/cluster.test.ts runs a short version of (1).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  type Cluster,
  type ClusterOptions,
  type RoleHandle,
  startCluster,
} from '../deploy/local/cluster';
import { TEMPORAL_SERVER_VERSION } from '../deploy/local/tools';
import type { SandboxTrigger } from '../src/sandbox';
import type { RecordedCall } from '../src/sandbox/app';
import type { ReleasePipelineWaitingForReviewEvent } from '../src/sandbox/webhook-sender';
import { signedHeaders } from '../src/statsig/webhook-signature';

/** A release, with the review event Statsig would post for the phase that waits. */
type ReleasePipelineTrigger = SandboxTrigger & { event: ReleasePipelineWaitingForReviewEvent };

import { type ReviewReport, reviewWorkflowId } from '../workflows/contract';
import { fmt, machine, quantile, table, writeResults } from './report';
import { NOOP_GATE, pool, processCpuSeconds, progressLog, startBenchDevServer } from './stack';

// --- the sandbox, over HTTP (it runs in its own process) ---

function benchSeed(entities: number, prefix: string) {
  const indexes = Array.from({ length: entities }, (_, index) => index);
  return {
    pipelines: indexes.map((index) => ({
      id: `rp_${prefix}_${index}`,
      name: `${prefix} pipeline ${index}`,
      phases: [
        {
          id: `rp_${prefix}_${index}_p50`,
          name: '50%',
          timeIntervalMs: 3_600_000,
          requiredReview: true,
          rules: [],
        },
      ],
    })),
    dynamicConfigs: indexes.map((index) => ({
      id: `${prefix}_config_${index}`,
      name: `${prefix}_config_${index}`,
      isEnabled: true,
      version: 1,
      defaultValue: { prompt: 'v1' },
      rules: [],
      releasePipelineID: `rp_${prefix}_${index}`,
    })),
  };
}

async function sandboxCall(
  cluster: Cluster,
  method: string,
  route: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${cluster.sandboxUrl}/_sandbox${route}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (response.status >= 300) {
    throw new Error(`sandbox ${method} ${route}: ${response.status} ${await response.text()}`);
  }
  return response.status === 204 ? undefined : response.json();
}

/** Seeds `count` one-phase pipelines and starts a release on each: the triggers to review. */
async function releases(
  cluster: Cluster,
  count: number,
  prefix: string,
): Promise<ReleasePipelineTrigger[]> {
  await sandboxCall(cluster, 'POST', '/reset', benchSeed(count, prefix));
  return pool(
    Array.from({ length: count }, (_, index) => index),
    10,
    async (index) => {
      const trigger = (await sandboxCall(cluster, 'POST', '/releases', {
        pipelineID: `rp_${prefix}_${index}`,
        entity: {
          kind: 'dynamic_config',
          id: `${prefix}_config_${index}`,
          defaultValue: { prompt: `v2-${index}` },
        },
      })) as SandboxTrigger;
      const event = (await sandboxCall(
        cluster,
        'GET',
        `/triggers/${trigger.id}/review-event`,
      )) as ReleasePipelineWaitingForReviewEvent;
      return { ...trigger, event };
    },
  );
}

const calls = async (cluster: Cluster) =>
  (await sandboxCall(cluster, 'GET', '/calls')) as RecordedCall[];

// --- deliveries, as Statsig sends them to a load balancer in front of the receivers ---

interface Attempt {
  receiver: string;
  sentAtMs: number;
  answeredAtMs: number;
  /** The HTTP status; 0 when the connection was refused or reset (the receiver was down). */
  status: number;
}

interface Delivery {
  triggerID: string;
  workflowId: string;
  sentAtMs: number;
  ackedAtMs?: number;
  attempts: Attempt[];
}

/** The receivers' URLs, in the order a round-robin balancer uses them; a restart replaces one. */
class Balancer {
  private next = 0;
  constructor(private readonly urls: string[]) {}
  pick(): string {
    const url = this.urls[this.next % this.urls.length] as string;
    this.next += 1;
    return url;
  }
  replace(old: string, replacement: string): void {
    this.urls[this.urls.indexOf(old)] = replacement;
  }
}

async function deliver(
  cluster: Cluster,
  balancer: Balancer,
  trigger: ReleasePipelineTrigger,
  options: { retryEveryMs?: number; giveUpAfterMs?: number } = {},
): Promise<Delivery> {
  const retryEveryMs = options.retryEveryMs ?? 500;
  const body = JSON.stringify(trigger.event);
  const delivery: Delivery = {
    triggerID: trigger.id,
    workflowId: reviewWorkflowId(trigger.id, trigger.event.releasePipelineMetadata.phaseID),
    sentAtMs: Date.now(),
    attempts: [],
  };
  const deadline = delivery.sentAtMs + (options.giveUpAfterMs ?? 10 * 60_000);
  for (;;) {
    const receiver = balancer.pick();
    const sentAtMs = Date.now();
    const status = await fetch(`${receiver}/webhooks/statsig`, {
      method: 'POST',
      headers: signedHeaders(cluster.webhookSecret, body, Date.now()),
      body,
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => 0,
    );
    delivery.attempts.push({ receiver, sentAtMs, answeredAtMs: Date.now(), status });
    if (status >= 200 && status < 300) {
      delivery.ackedAtMs = Date.now();
      return delivery;
    }
    if (Date.now() + retryEveryMs > deadline) return delivery;
    await sleep(retryEveryMs);
  }
}

/** Each workflow's result, retried through server restarts until `deadline`. */
async function decisions(
  cluster: Cluster,
  workflowIds: readonly string[],
  deadline: number,
): Promise<Map<string, { action: string; closedAtMs: number }>> {
  const decided = new Map<string, { action: string; closedAtMs: number }>();
  await pool(workflowIds, 50, async (workflowId) => {
    while (Date.now() < deadline) {
      try {
        const handle = cluster.client.workflow.getHandle(workflowId);
        const report = (await cluster.client.connection.withDeadline(
          Math.min(deadline, Date.now() + 60_000),
          () => handle.result(),
        )) as ReviewReport;
        const description = await handle.describe();
        decided.set(workflowId, {
          action: report.action,
          closedAtMs: description.closeTime?.getTime() ?? Date.now(),
        });
        return;
      } catch {
        await sleep(1_000);
      }
    }
  });
  return decided;
}

const WRITE =
  /\/release_pipeline_triggers\/([^/]+)\/(approve|abort)$|\/(gates|dynamic_configs)\/([^/]+)\/disable$/;

// --- 1. faults ---

export interface ClusterFaultOptions {
  reviews: number;
  /** Deliveries in flight at once (default 20). */
  concurrency?: number;
  /** How long the Temporal server stays down (default 15 s). */
  temporalDownMs?: number;
  /** How long PostgreSQL stays down (default 10 s). */
  postgresDownMs?: number;
  /** How long to wait for every decision after the faults (default 10 min). */
  decisionTimeoutMs?: number;
  /** Where the cluster keeps its data (default: a fresh temporary directory). */
  dataDir?: string;
  log?: (line: string) => void;
}

export interface Window {
  name: string;
  fromMs: number;
  toMs: number;
}

export interface ClusterFaultTally {
  reviews: number;
  acknowledged: number;
  decisions: Record<string, number>;
  /** Acknowledged reviews without a decision in time. */
  lost: string[];
  /** Triggers with more than one successful approve/abort/disable. */
  duplicateWrites: string[];
  approvedWithoutOneApprove: string[];
  successfulWrites: number;
  writeAttempts: number;
  injected500: number;
  /** Delivery attempts answered entirely inside an outage window, by status. */
  answersWhileDown: Record<string, Record<string, number>>;
  /** 2xx answers to attempts made entirely while Temporal or PostgreSQL was down: must be none. */
  acknowledgedWhileDown: number;
  outages: Window[];
  /** Deliveries first sent while the Temporal server was down: first send to acknowledgement, ms. */
  waitedForTemporalMs: number[];
  /** Deliveries first sent while PostgreSQL was down: first send to acknowledgement, ms. */
  waitedForPostgresMs: number[];
  /** Reviews acknowledged before the server was killed: first send to the workflow's close, ms. */
  inFlightDecisionMs: number[];
  /** Temporal server: from `temporal-server start` to the namespace answering, ms. */
  temporalRestartMs: number;
  /** PostgreSQL: from its start (after the pause) to ready for connections, ms. */
  postgresRestartMs: number;
  events: string[];
  seconds: number;
}

export async function runClusterFaults(options: ClusterFaultOptions): Promise<ClusterFaultTally> {
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 20;
  const temporalDownMs = options.temporalDownMs ?? 15_000;
  const postgresDownMs = options.postgresDownMs ?? 10_000;
  const tempDir = options.dataDir
    ? undefined
    : await mkdtemp(path.join(os.tmpdir(), 'rollout-gate-cluster-'));
  const started = Date.now();
  const events: string[] = [];
  const note = (event: string) => {
    events.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${event}`);
    log(event);
  };
  const cluster = await startCluster({
    dataDir: options.dataDir ?? (tempDir as string),
    fresh: true,
    freePorts: true,
    workers: 2,
    receivers: 2,
    gateConfig: NOOP_GATE,
    log: (line) => log(`cluster: ${line}`),
  });
  note(
    `cluster up: PostgreSQL, Temporal ${TEMPORAL_SERVER_VERSION}, 2 workers, 2 receivers, the sandbox`,
  );
  const outages: Window[] = [];
  try {
    const triggers = await releases(cluster, options.reviews, 'fault');
    const balancer = new Balancer(cluster.receivers().map((receiver) => receiver.url));
    await sandboxCall(cluster, 'POST', '/faults', {
      path: '^/console/',
      status: 500,
      probability: 0.2,
    });
    await sandboxCall(cluster, 'POST', '/faults', {
      path: '^/console/',
      delayMs: 5_000,
      probability: 0.1,
    });
    note('Statsig faults on: 20% of Console API calls answer 500, 10% are held 5 s');

    const quarter = Math.ceil(triggers.length / 4);
    const waves = [0, 1, 2, 3].map((index) =>
      triggers.slice(index * quarter, (index + 1) * quarter),
    );
    const send = (wave: number) =>
      pool(waves[wave] ?? [], concurrency, (trigger) => deliver(cluster, balancer, trigger));
    const deliveries: Delivery[][] = [];

    // Wave 1, then (a): the Temporal server is killed while its reviews are in flight, and wave 2 is
    // delivered while it is down.
    deliveries[0] = await send(0);
    note(`wave 1 acknowledged (${waves[0]?.length} reviews); SIGKILL the Temporal server`);
    const killedAt = await cluster.temporal.kill('SIGKILL');
    note(`Temporal server killed (pid gone); wave 2 goes out while it is down`);
    const waveTwo = send(1);
    await sleep(temporalDownMs);
    const restartAt = Date.now();
    note(`starting the Temporal server again after ${temporalDownMs / 1000} s`);
    const servingAt = await cluster.temporal.start();
    // Down from the kill until the new process starts; while it comes up it may already answer.
    outages.push({ name: 'Temporal server down', fromMs: killedAt, toMs: restartAt });
    note(
      `Temporal serving again (pid ${cluster.temporal.pid()}, ${((servingAt - restartAt) / 1000).toFixed(1)} s after start)`,
    );
    deliveries[1] = await waveTwo;
    note(`wave 2 acknowledged (${waves[1]?.length} reviews)`);

    // (b): PostgreSQL stopped immediately, wave 3 delivered while it is down, then started again.
    note(
      `PostgreSQL: immediate stop (no checkpoint); wave 3 goes out while it is down for ${postgresDownMs / 1000} s`,
    );
    const postgresDownAt = await cluster.postgres.stop('immediate');
    const waveThree = send(2);
    await sleep(postgresDownMs);
    const postgresStartAt = Date.now();
    const postgresUpAt = await cluster.postgres.start();
    outages.push({ name: 'PostgreSQL down', fromMs: postgresDownAt, toMs: postgresUpAt });
    note(
      `PostgreSQL accepting connections again (${((postgresUpAt - postgresStartAt) / 1000).toFixed(1)} s of crash recovery and start)`,
    );
    deliveries[2] = await waveThree;
    note(`wave 3 acknowledged (${waves[2]?.length} reviews)`);

    // (c): one worker and one receiver SIGKILLed during wave 4, started again 5 s later.
    const waveFour = send(3);
    await sleep(500);
    const [worker] = cluster.workers();
    const [receiver] = cluster.receivers();
    await Promise.all([worker?.stop('SIGKILL'), receiver?.stop('SIGKILL')]);
    note(`SIGKILL worker ${worker?.pid} and receiver ${receiver?.pid} (${receiver?.url})`);
    await sleep(5_000);
    const [newWorker, newReceiver]: [RoleHandle, RoleHandle] = await Promise.all([
      cluster.startWorker(),
      cluster.startReceiver(),
    ]);
    if (receiver) balancer.replace(receiver.url, newReceiver.url);
    note(`a new worker (${newWorker.pid}) and receiver (${newReceiver.url}) are up`);
    deliveries[3] = await waveFour;
    note(`wave 4 acknowledged (${waves[3]?.length} reviews)`);

    await sleep(20_000);
    await sandboxCall(cluster, 'DELETE', '/faults');
    note('Statsig recovers: every fault is off');

    const all = deliveries.flat();
    const acked = all.filter((delivery) => delivery.ackedAtMs !== undefined);
    const decided = await decisions(
      cluster,
      acked.map((delivery) => delivery.workflowId),
      Date.now() + (options.decisionTimeoutMs ?? 10 * 60_000),
    );
    note('every acknowledged review has finished (or timed out)');

    const recorded = await calls(cluster);
    const writes = recorded.filter((call) => WRITE.test(call.path));
    const successful = writes.filter((call) => call.status < 300 && !call.faulted);
    const writesPerTrigger = new Map<string, RecordedCall[]>();
    for (const call of successful) {
      const trigger = WRITE.exec(call.path)?.[1] ?? call.path;
      writesPerTrigger.set(trigger, [...(writesPerTrigger.get(trigger) ?? []), call]);
    }
    const decisionCounts: Record<string, number> = {};
    for (const { action } of decided.values()) {
      decisionCounts[action] = (decisionCounts[action] ?? 0) + 1;
    }
    const answersWhileDown: Record<string, Record<string, number>> = {};
    let acknowledgedWhileDown = 0;
    for (const window of outages) {
      const counts: Record<string, number> = {};
      for (const attempt of all.flatMap((delivery) => delivery.attempts)) {
        if (attempt.sentAtMs < window.fromMs || attempt.answeredAtMs > window.toMs) continue;
        counts[String(attempt.status)] = (counts[String(attempt.status)] ?? 0) + 1;
        if (attempt.status >= 200 && attempt.status < 300) acknowledgedWhileDown += 1;
      }
      answersWhileDown[window.name] = counts;
    }
    const decisionMs = (wave: Delivery[] | undefined) =>
      (wave ?? []).flatMap((delivery) => {
        const closed = decided.get(delivery.workflowId)?.closedAtMs;
        return closed === undefined ? [] : [closed - delivery.sentAtMs];
      });
    // Only what was first sent inside the outage: the rest of that wave went out after it.
    const ackWait = (window: Window | undefined) =>
      all.flatMap((delivery) =>
        delivery.ackedAtMs === undefined ||
        window === undefined ||
        delivery.sentAtMs < window.fromMs ||
        delivery.sentAtMs > window.toMs
          ? []
          : [delivery.ackedAtMs - delivery.sentAtMs],
      );
    return {
      reviews: options.reviews,
      acknowledged: acked.length,
      decisions: decisionCounts,
      lost: acked
        .filter((delivery) => !decided.has(delivery.workflowId))
        .map((delivery) => delivery.workflowId),
      duplicateWrites: [...writesPerTrigger]
        .filter(([, list]) => list.length > 1)
        .map(([id]) => id),
      approvedWithoutOneApprove: acked
        .filter(
          (delivery) =>
            decided.get(delivery.workflowId)?.action === 'approved' &&
            (writesPerTrigger.get(delivery.triggerID) ?? []).filter((call) =>
              call.path.endsWith('/approve'),
            ).length !== 1,
        )
        .map((delivery) => delivery.triggerID),
      successfulWrites: successful.length,
      writeAttempts: writes.length,
      injected500: recorded.filter((call) => call.faulted && call.status === 500).length,
      answersWhileDown,
      acknowledgedWhileDown,
      outages,
      waitedForTemporalMs: ackWait(outages[0]),
      waitedForPostgresMs: ackWait(outages[1]),
      inFlightDecisionMs: decisionMs(deliveries[0]),
      temporalRestartMs: servingAt - restartAt,
      postgresRestartMs: postgresUpAt - postgresStartAt,
      events,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await cluster.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

const seconds = (ms: number[], q: number) => `${fmt(quantile(ms, q) / 1000, 1)} s`;

export function describeFaultTally(tally: ClusterFaultTally): string {
  const statuses = (window: string) =>
    Object.entries(tally.answersWhileDown[window] ?? {})
      .map(([status, count]) => `${count} × ${status === '0' ? 'refused' : status}`)
      .join(', ') || 'none';
  const rows: Array<[string, string]> = [
    ['reviews sent', String(tally.reviews)],
    ['acknowledged by a receiver', String(tally.acknowledged)],
    ...Object.entries(tally.decisions).map(([action, count]): [string, string] => [
      `decided: ${action}`,
      String(count),
    ]),
    ['acknowledged but undecided (lost)', String(tally.lost.length)],
    ['reviews with more than one successful write', String(tally.duplicateWrites.length)],
    ['approved without exactly one approve call', String(tally.approvedWithoutOneApprove.length)],
    ['successful writes / write attempts', `${tally.successfulWrites} / ${tally.writeAttempts}`],
    ['injected 500s', String(tally.injected500)],
    ...tally.outages.map((window): [string, string] => [
      `${window.name}: ${fmt((window.toMs - window.fromMs) / 1000, 1)} s; answers inside it`,
      statuses(window.name),
    ]),
    ['2xx answered while Temporal or PostgreSQL was down', String(tally.acknowledgedWhileDown)],
    [
      `${tally.waitedForTemporalMs.length} deliveries first sent while Temporal was down: wait for a 2xx, p50 / max`,
      `${seconds(tally.waitedForTemporalMs, 0.5)} / ${seconds(tally.waitedForTemporalMs, 1)}`,
    ],
    [
      `${tally.waitedForPostgresMs.length} deliveries first sent while PostgreSQL was down: wait for a 2xx, p50 / max`,
      `${seconds(tally.waitedForPostgresMs, 0.5)} / ${seconds(tally.waitedForPostgresMs, 1)}`,
    ],
    [
      'reviews in flight at the kill: webhook to decision, p50 / max',
      `${seconds(tally.inFlightDecisionMs, 0.5)} / ${seconds(tally.inFlightDecisionMs, 1)}`,
    ],
    ['Temporal server: start to serving', `${fmt(tally.temporalRestartMs / 1000, 1)} s`],
    [
      'PostgreSQL: start (crash recovery) to accepting connections',
      `${fmt(tally.postgresRestartMs / 1000, 1)} s`,
    ],
    ['wall time', `${fmt(tally.seconds, 0)} s`],
  ];
  return table(['', 'count'], rows);
}

// --- 2. scaling ---

interface ScalingRow {
  persistence: string;
  workers: number;
  reviews: number;
  perSecond: number;
  decisionP50Ms: number;
  lost: number;
  /** CPU milliseconds per review, by process group. */
  cpuMsPerReview: Record<string, number>;
  /** Share of the machine's CPU (all cores) each group used during the burst. */
  cpuShare: Record<string, number>;
  /** The machine's 1-minute load average at the end of the burst (other work shares the cores). */
  loadAverage: number;
}

const CPU_GROUPS = ['temporal', 'postgres', 'workers', 'receivers', 'sandbox', 'bench'] as const;

function cpuNow(cluster: Cluster): Record<(typeof CPU_GROUPS)[number], number> {
  const sum = (roles: RoleHandle[]) =>
    roles.reduce((total, role) => total + (processCpuSeconds(role.pid) ?? 0), 0);
  const own = process.cpuUsage();
  return {
    temporal: cluster.temporal.cpuSeconds(),
    postgres: cluster.postgres.cpuSeconds(),
    workers: sum(cluster.workers()),
    receivers: sum(cluster.receivers()),
    sandbox: processCpuSeconds(cluster.sandbox.pid) ?? 0,
    bench: (own.user + own.system) / 1e6,
  };
}

async function scalingBurst(
  cluster: Cluster,
  persistence: string,
  reviews: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<ScalingRow> {
  const workers = cluster.workers().length;
  const triggers = await releases(cluster, reviews, `scale${workers}`);
  const balancer = new Balancer(cluster.receivers().map((receiver) => receiver.url));
  log(`${persistence}, ${workers} worker(s): ${reviews} reviews, ${concurrency} in flight`);
  const before = cpuNow(cluster);
  const firstSent = Date.now();
  const deliveries = await pool(triggers, concurrency, (trigger) =>
    deliver(cluster, balancer, trigger),
  );
  const acked = deliveries.filter((delivery) => delivery.ackedAtMs !== undefined);
  const decided = await decisions(
    cluster,
    acked.map((delivery) => delivery.workflowId),
    Date.now() + 15 * 60_000,
  );
  const after = cpuNow(cluster);
  const lastClose = Math.max(...[...decided.values()].map((entry) => entry.closedAtMs));
  const wall = (lastClose - firstSent) / 1000;
  const cores = os.cpus().length;
  const cpuMsPerReview: Record<string, number> = {};
  const cpuShare: Record<string, number> = {};
  for (const group of CPU_GROUPS) {
    const used = after[group] - before[group];
    cpuMsPerReview[group] = (used * 1000) / reviews;
    cpuShare[group] = used / (wall * cores);
  }
  return {
    persistence,
    workers,
    reviews,
    perSecond: decided.size / wall,
    decisionP50Ms: quantile(
      acked.flatMap((delivery) => {
        const closed = decided.get(delivery.workflowId)?.closedAtMs;
        return closed === undefined ? [] : [closed - delivery.sentAtMs];
      }),
      0.5,
    ),
    lost: acked.length - decided.size,
    cpuMsPerReview,
    cpuShare,
    loadAverage: os.loadavg()[0] ?? 0,
  };
}

async function runScaling(
  reviews: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  const base: ClusterOptions = {
    fresh: true,
    freePorts: true,
    workers: 1,
    receivers: 2,
    gateConfig: NOOP_GATE,
    // As bench:load: the shipped 8 writes/s would set the pace, not the cluster.
    roleEnv: { STATSIG_WRITES_PER_SECOND: '1000' },
    log: (line) => log(`cluster: ${line}`),
  };
  const measure = async (cluster: Cluster, persistence: string) => {
    for (const target of [1, 2, 4]) {
      while (cluster.workers().length < target) await cluster.startWorker();
      rows.push(await scalingBurst(cluster, persistence, reviews, concurrency, log));
      const row = rows[rows.length - 1] as ScalingRow;
      log(`  ${fmt(row.perSecond, 1)} decided/s, lost ${row.lost}`);
    }
  };

  const pgDir = await mkdtemp(path.join(os.tmpdir(), 'rollout-gate-cluster-'));
  const pgCluster = await startCluster({ ...base, dataDir: pgDir });
  try {
    await measure(pgCluster, `PostgreSQL (Temporal ${TEMPORAL_SERVER_VERSION})`);
  } finally {
    await pgCluster.stop();
    await rm(pgDir, { recursive: true, force: true });
  }

  const devDir = await mkdtemp(path.join(os.tmpdir(), 'rollout-gate-devserver-'));
  const devServer = await startBenchDevServer(path.join(devDir, 'temporal.sqlite'));
  try {
    const devCluster = await startCluster({
      ...base,
      // Beside the SQLite file, not over it: `fresh` empties the cluster's data directory.
      dataDir: path.join(devDir, 'cluster'),
      externalTemporal: {
        address: devServer.address,
        ...(devServer.pid !== undefined ? { pid: devServer.pid } : {}),
        label: 'SQLite dev server (temporal server start-dev)',
      },
    });
    try {
      await measure(devCluster, 'SQLite dev server');
    } finally {
      await devCluster.stop();
    }
  } finally {
    await devServer.stop();
    await rm(devDir, { recursive: true, force: true });
  }
  return rows;
}

function scalingTables(rows: ScalingRow[]): string {
  const pct = (value: number | undefined) => `${fmt((value ?? 0) * 100, 0)}%`;
  const ms = (value: number | undefined) => fmt(value ?? 0, 1);
  return [
    table(
      ['persistence', 'workers', 'reviews', 'decided/s', 'decision p50 s', 'lost', 'load avg'],
      rows.map((row) => [
        row.persistence,
        String(row.workers),
        String(row.reviews),
        fmt(row.perSecond, 1),
        fmt(row.decisionP50Ms / 1000, 1),
        String(row.lost),
        fmt(row.loadAverage, 1),
      ]),
    ),
    '',
    'CPU per review (ms) and share of both cores during the burst:',
    '',
    table(
      ['persistence', 'workers', ...CPU_GROUPS.map((group) => `${group} ms (share)`)],
      rows.map((row) => [
        row.persistence,
        String(row.workers),
        ...CPU_GROUPS.map(
          (group) => `${ms(row.cpuMsPerReview[group])} (${pct(row.cpuShare[group])})`,
        ),
      ]),
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reviews: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '20' },
      'temporal-down': { type: 'string', default: '15' },
      'postgres-down': { type: 'string', default: '10' },
      'scaling-reviews': { type: 'string', default: '300' },
      'scaling-concurrency': { type: 'string', default: '50' },
      'skip-faults': { type: 'boolean', default: false },
      'skip-scaling': { type: 'boolean', default: false },
    },
  });
  const say = progressLog('bench:cluster');
  let failed = false;
  if (!values['skip-faults']) {
    const tally = await runClusterFaults({
      reviews: Number(values.reviews),
      concurrency: Number(values.concurrency),
      temporalDownMs: Number(values['temporal-down']) * 1000,
      postgresDownMs: Number(values['postgres-down']) * 1000,
      log: say,
    });
    const section = [
      '## Faults on the production topology (`npm run bench:cluster`)',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine()}`,
      `- Command: \`npm run bench:cluster -- --skip-scaling\` (\`tsx bench/cluster.ts --reviews ${values.reviews} --concurrency ${values.concurrency} --temporal-down ${values['temporal-down']} --postgres-down ${values['postgres-down']}\`); in CI: test/cluster/cluster.test.ts, a short version`,
      `- Topology (\`npm run cluster\`, deploy/local/cluster.ts): PostgreSQL (Debian's package), the Temporal server ${TEMPORAL_SERVER_VERSION} built from source and configured from docker-compose.yml, schema and namespace jobs from deploy/temporal/, 2 workers, 2 receivers (deliveries alternate between them, as behind a load balancer, and are retried every 500 ms until a 2xx), the Statsig sandbox; each its own process. Gate: one no-op benchmark.`,
      '- Faults: 20% of Console API calls answer 500 and 10% are held 5 s, until 20 s after the last wave; (a) the Temporal server SIGKILLed after wave 1, wave 2 delivered while it is down, then started again; (b) PostgreSQL stopped immediately (SIGQUIT: no checkpoint, crash recovery at start), wave 3 delivered while it is down, then started again; (c) a worker and a receiver SIGKILLed during wave 4 and started again 5 s later.',
      '',
      describeFaultTally(tally),
      '',
      'Timeline:',
      '',
      ...tally.events.map((event) => `- ${event}`),
    ].join('\n');
    process.stdout.write(`${section}\n`);
    await writeResults('cluster-faults', section);
    const ok =
      tally.lost.length === 0 &&
      tally.duplicateWrites.length === 0 &&
      tally.approvedWithoutOneApprove.length === 0 &&
      tally.acknowledgedWhileDown === 0 &&
      tally.acknowledged === tally.reviews;
    say(ok ? 'fault run: every review decided exactly once' : 'fault run FAILED: see the tally');
    if (tally.lost.length > 0) say(`lost: ${tally.lost.join(', ')}`);
    failed ||= !ok;
  }
  if (!values['skip-scaling']) {
    const reviews = Number(values['scaling-reviews']);
    const rows = await runScaling(reviews, Number(values['scaling-concurrency']), say);
    const section = [
      '## Scaling on the production topology (`npm run bench:cluster`)',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine()}`,
      `- Command: \`npm run bench:cluster -- --skip-faults\` (\`tsx bench/cluster.ts --scaling-reviews ${reviews} --scaling-concurrency ${values['scaling-concurrency']}\`)`,
      `- Setup: the cluster of \`npm run cluster\` with 2 receivers and 1, then 2, then 4 workers (added to the running cluster), Statsig's write limit lifted (STATSIG_WRITES_PER_SECOND=1000, as in bench:load), no faults; a burst of ${reviews} reviews per row, ${values['scaling-concurrency']} webhooks in flight. Then the same roles against the SQLite dev server (\`temporal server start-dev --db-filename\`, as \`npm start\` runs it). "decided/s": decisions from the first send to the last close. CPU: user + system seconds of each process (PostgreSQL: the postmaster and its backends) during the burst; share: of both cores over the burst's wall time.`,
      '',
      scalingTables(rows),
    ].join('\n');
    process.stdout.write(`${section}\n`);
    await writeResults('cluster-scaling', section);
    if (rows.some((row) => row.lost > 0)) failed = true;
  }
  if (failed) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
