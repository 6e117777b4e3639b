// `npm run bench:receiver`: throughput and latency of the webhook receiver on loopback, each against
// its baseline in the same run.
//   (a) a signed batch of 50 exposures (verify, parse, acknowledge) vs a bare Fastify route that only
//       parses the same JSON;
//   (b) review webhooks that each start a workflow vs plain client.workflow.start calls, against the
//       same dev server, which this script starts.
// Each comparison runs two ways. Solo: the two sides alone, in alternating rounds, for absolute
// req/s and latency. Side by side: both sides loaded at the same time for fixed windows, so that they
// share the machine's state; the ratio comes from these, because on a shared 2-core VM the speed of
// the machine drifts by ±20% from one second to the next and rounds taken apart do not compare.
// Fixed counts and durations; it stops by itself and writes its section of bench/RESULTS.md.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/config';
import { createReviewStarter } from '../src/receiver/review-starter';
import { signedHeaders } from '../src/statsig/webhook-signature';
import { createClient } from '../src/temporal/connection';
import type { BenchServerReady } from './receiver-server';
import { fmt, machine, median, quantile, RESULTS, table, writeResults } from './report';
import { progressLog, startBenchDevServer } from './stack';

const EXPOSURES = {
  concurrency: 32,
  warmup: 3_000,
  solo: { rounds: 4, requests: 2_500 },
  sideBySide: { windows: 4, ms: 4_000 },
};
const STARTS = {
  concurrency: 16,
  warmup: 200,
  solo: { rounds: 4, requests: 250 },
  sideBySide: { windows: 3, ms: 5_000 },
};

type Call = () => Promise<boolean>;

interface Sample {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  failures: number;
}

interface Summary {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

/** Runs `call` with `concurrency` in flight until `count` calls were made or `untilMs` passed. */
async function drive(
  call: Call,
  concurrency: number,
  limit: { count?: number; untilMs?: number },
): Promise<Sample> {
  const latenciesMs: number[] = [];
  let started = 0;
  let failures = 0;
  const more = () =>
    (limit.count === undefined || started < limit.count) &&
    (limit.untilMs === undefined || Date.now() < limit.untilMs);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more()) {
        started += 1;
        const t = process.hrtime.bigint();
        const ok = await call().catch(() => false);
        latenciesMs.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (!ok) failures += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { requests: latenciesMs.length, seconds, latenciesMs, failures };
}

/** The two sides alone, in alternating rounds (and alternating which goes first). */
async function solo(
  rounds: number,
  requests: number,
  concurrency: number,
  baseline: Call,
  candidate: Call,
): Promise<{ baseline: Sample[]; candidate: Sample[] }> {
  const result = { baseline: [] as Sample[], candidate: [] as Sample[] };
  for (let round = 0; round < rounds; round++) {
    const order: Array<[Call, Sample[]]> = [
      [baseline, result.baseline],
      [candidate, result.candidate],
    ];
    if (round % 2 === 1) order.reverse();
    for (const [call, samples] of order) {
      samples.push(await drive(call, concurrency, { count: requests }));
    }
  }
  return result;
}

/** Both sides loaded at once for fixed windows; each window yields a throughput ratio. */
async function sideBySide(
  windows: number,
  windowMs: number,
  concurrency: number,
  baseline: Call,
  candidate: Call,
): Promise<{ baseline: Sample[]; candidate: Sample[]; ratios: number[] }> {
  const result = { baseline: [] as Sample[], candidate: [] as Sample[], ratios: [] as number[] };
  for (let window = 0; window < windows; window++) {
    const untilMs = Date.now() + windowMs;
    const [base, cand] = await Promise.all([
      drive(baseline, concurrency, { untilMs }),
      drive(candidate, concurrency, { untilMs }),
    ]);
    result.baseline.push(base);
    result.candidate.push(cand);
    result.ratios.push(cand.requests / base.requests);
  }
  return result;
}

function summarise(name: string, samples: Sample[]): Summary {
  const latencies = samples.flatMap((sample) => sample.latenciesMs);
  const requests = samples.reduce((sum, sample) => sum + sample.requests, 0);
  const seconds = samples.reduce((sum, sample) => sum + sample.seconds, 0);
  return {
    name,
    requests,
    rps: requests / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failures: samples.reduce((sum, sample) => sum + sample.failures, 0),
  };
}

/** A POST over a keep-alive agent; resolves with whether the answer was 200. */
function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode === 200));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

function exposureBatch(size: number): Buffer {
  const events = Array.from({ length: size }, (_, index) => ({
    eventName: index % 3 === 0 ? 'statsig::config_exposure' : 'statsig::gate_exposure',
    user: { userID: `user_${index}`, email: `user${index}@example.com`, country: 'US' },
    userID: `user_${index}`,
    timestamp: index % 2 === 0 ? 1644520566968 + index : String(1644520566968 + index),
    value: '',
    metadata: { gate: 'checkout_v2', gateValue: 'true', ruleID: 'default', reason: 'Network' },
    statsigMetadata: { sdkType: 'js-client', sdkVersion: '5.0.0' },
    timeUUID: randomUUID(),
    unitID: 'userID',
  }));
  return Buffer.from(JSON.stringify(events));
}

function reviewBody(triggerID: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      event: 'ReleasePipelineWaitingForReview',
      releasePipelineMetadata: { releasePipelineID: 'rp_bench', phaseID: 'phase_1', triggerID },
    }),
  );
}

const SUMMARY_HEADER = ['scenario', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'];
function summaryTable(rows: Summary[]): string {
  return table(
    SUMMARY_HEADER,
    rows.map((row) => [
      row.name,
      String(row.requests),
      fmt(row.rps, 0),
      fmt(row.p50, 2),
      fmt(row.p99, 2),
      String(row.failures),
    ]),
  );
}

async function startServer(
  app: 'receiver' | 'bare',
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: URL }> {
  const child = fork(path.join(__dirname, 'receiver-server.ts'), {
    env: { ...process.env, ...env, BENCH_APP: app },
  });
  const [ready] = (await once(child, 'message')) as [BenchServerReady];
  return { child, url: new URL(ready.url) };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const say = progressLog('bench:receiver');
  const devServer = await startBenchDevServer();
  say(`Temporal dev server at ${devServer.address}`);
  const secret = randomBytes(24).toString('hex');
  const taskQueue = `bench-${randomUUID()}`;
  const env = {
    BENCH_TEMPORAL_ADDRESS: devServer.address,
    BENCH_WEBHOOK_SECRET: secret,
    BENCH_TASK_QUEUE: taskQueue,
  };
  const children: ChildProcess[] = [];
  const client = createClient({ address: devServer.address, namespace: 'default' });
  try {
    const receiver = await startServer('receiver', env);
    const bareServer = await startServer('bare', env);
    children.push(receiver.child, bareServer.child);
    const agent = new Agent({ keepAlive: true, maxSockets: 128 });

    // (a) a signed exposure batch vs parsing the same JSON.
    const batch = exposureBatch(50);
    const batchHeaders = signedHeaders(secret, batch);
    const toReceiver: Call = () => post(agent, receiver.url, batchHeaders, batch);
    const toBare: Call = () => post(agent, bareServer.url, batchHeaders, batch);
    say(`(a) ${batch.length}-byte batch of 50 exposures`);
    await drive(toBare, EXPOSURES.concurrency, { count: EXPOSURES.warmup });
    await drive(toReceiver, EXPOSURES.concurrency, { count: EXPOSURES.warmup });
    const soloA = await solo(
      EXPOSURES.solo.rounds,
      EXPOSURES.solo.requests,
      EXPOSURES.concurrency,
      toBare,
      toReceiver,
    );
    const pairA = await sideBySide(
      EXPOSURES.sideBySide.windows,
      EXPOSURES.sideBySide.ms,
      EXPOSURES.concurrency,
      toBare,
      toReceiver,
    );
    say(`(a) side-by-side ratios: ${pairA.ratios.map((ratio) => fmt(ratio, 2)).join(' ')}`);

    // (b) review webhooks vs plain starts; every call announces a new trigger, so each one starts.
    const starter = createReviewStarter(client, { taskQueue });
    const run = randomUUID().slice(0, 8);
    let sequence = 0;
    const webhookStart: Call = () => {
      const body = reviewBody(`bench-${run}-${sequence++}`);
      return post(agent, receiver.url, signedHeaders(secret, body), body);
    };
    const rawStart: Call = async () => {
      const triggerID = `raw-${run}-${sequence++}`;
      const started = await starter.start(
        { releasePipelineID: 'rp_bench', triggerID, phaseID: 'phase_1' },
        Date.now(),
      );
      return started.status === 'accepted';
    };
    say('(b) review starts');
    await drive(rawStart, STARTS.concurrency, { count: STARTS.warmup });
    await drive(webhookStart, STARTS.concurrency, { count: STARTS.warmup });
    const soloB = await solo(
      STARTS.solo.rounds,
      STARTS.solo.requests,
      STARTS.concurrency,
      rawStart,
      webhookStart,
    );
    const pairB = await sideBySide(
      STARTS.sideBySide.windows,
      STARTS.sideBySide.ms,
      STARTS.concurrency,
      rawStart,
      webhookStart,
    );
    say(`(b) side-by-side ratios: ${pairB.ratios.map((ratio) => fmt(ratio, 2)).join(' ')}`);
    agent.destroy();

    const names = {
      bare: 'bare Fastify route: JSON.parse only',
      receiver: 'receiver: verify + parse + acknowledge 50 exposures',
      raw: 'plain client.workflow.start',
      webhook: 'review webhook → workflow start',
    };
    const soloRatio = (samples: { baseline: Sample[]; candidate: Sample[] }) =>
      summarise('', samples.candidate).rps / summarise('', samples.baseline).rps;
    const ratioA = median(pairA.ratios);
    const ratioB = median(pairB.ratios);
    const section = [
      '## Receiver (`npm run bench:receiver`)',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine()}`,
      '- Command: `npm run bench:receiver` (`tsx bench/receiver.ts`)',
      `- Setup: receiver and bare route each in its own child process (bench/receiver-server.ts), logging off; load from the bench process over loopback HTTP/1.1 keep-alive; (b) against a fresh in-memory \`temporal server start-dev\`. (a) ${EXPOSURES.concurrency} requests in flight per side; solo: ${EXPOSURES.solo.rounds} alternating rounds × ${EXPOSURES.solo.requests} per side after ${EXPOSURES.warmup} warm-up requests; side by side: ${EXPOSURES.sideBySide.windows} windows × ${EXPOSURES.sideBySide.ms / 1000} s. (b) ${STARTS.concurrency} in flight per side; solo: ${STARTS.solo.rounds} rounds × ${STARTS.solo.requests}; side by side: ${STARTS.sideBySide.windows} windows × ${STARTS.sideBySide.ms / 1000} s.`,
      '- Ratios: the median over side-by-side windows of (candidate requests / baseline requests) in the window: both sides see the same machine at the same time. The solo ratio is given too; on this VM it moves by ±0.1 between runs.',
      '',
      'Solo (each side alone):',
      '',
      summaryTable([
        summarise(names.bare, soloA.baseline),
        summarise(names.receiver, soloA.candidate),
        summarise(names.raw, soloB.baseline),
        summarise(names.webhook, soloB.candidate),
      ]),
      '',
      'Side by side (both sides loaded at once, sharing the 2 cores):',
      '',
      summaryTable([
        summarise(names.bare, pairA.baseline),
        summarise(names.receiver, pairA.candidate),
        summarise(names.raw, pairB.baseline),
        summarise(names.webhook, pairB.candidate),
      ]),
      '',
      `- (a) receiver / bare throughput: **${fmt(ratioA, 2)}×** side by side (windows: ${pairA.ratios.map((ratio) => fmt(ratio, 2)).join(', ')}); solo ${fmt(soloRatio(soloA), 2)}×. Target ≥ 0.8×.`,
      `- (b) webhook starts / plain starts: **${fmt(ratioB, 2)}×** side by side (windows: ${pairB.ratios.map((ratio) => fmt(ratio, 2)).join(', ')}); solo ${fmt(soloRatio(soloB), 2)}×. Target ≥ 0.9×.`,
    ].join('\n');
    process.stdout.write(`${section}\n`);
    await writeResults('receiver', section);
    say(`results written to ${path.relative(PROJECT_ROOT, RESULTS)}`);
  } finally {
    for (const child of children) {
      child.disconnect();
      if (child.exitCode === null) await once(child, 'exit');
    }
    await client.connection.close();
    await devServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
