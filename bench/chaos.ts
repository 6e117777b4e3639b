// `npm run bench:chaos`: a burst of reviews while things break, then a tally of what Statsig (the
// sandbox) received. The burst goes out in four waves, and each disruption overlaps a wave:
//   wave 1, then SIGKILL the worker and start a new one while wave 1's reviews are in flight;
//   wave 2 while the receiver restarts (deliveries are refused and redelivered, as Statsig would);
//   wave 3 inside a window where every Console API call answers 429 with Retry-After;
//   wave 4 as is.
// Throughout, 20% of Console API calls answer 500 and 10% are held for 5 s before being handled;
// with `outageMs`, that outage ends that long after the last wave (Statsig recovers).
// Afterwards every acknowledged review must have exactly one decision, and Statsig at most one
// successful write per review. test/chaos/chaos.test.ts runs a small burst of this in CI.
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { RecordedCall } from '../src/sandbox/app';
import type { ReviewReport } from '../workflows/contract';
import { fmt, machine, table, writeResults } from './report';
import { type Delivery, pool, progressLog, startBenchDevServer, startBenchStack } from './stack';

export interface ChaosOptions {
  temporalAddress: string;
  reviews: number;
  /** Webhooks in flight at once (default 20). */
  concurrency?: number;
  /** How long to wait for every decision after the last delivery (default 10 min). */
  decisionTimeoutMs?: number;
  /**
   * How long the Console API faults go on after the last wave is delivered (default: to the end).
   * Reads retry with backoff capped at a minute, so under endless faults a review that keeps losing
   * the 20% roll can wait minutes; an outage that ends bounds how long every decision may take.
   */
  outageMs?: number;
  log?: (line: string) => void;
}

export interface ChaosTally {
  reviews: number;
  acknowledged: number;
  /** Deliveries that needed more than one attempt (refused, 5xx). */
  redelivered: number;
  /** Acknowledged reviews by the action their workflow took. */
  decisions: Record<string, number>;
  /** Acknowledged reviews that reached no decision in time: lost. */
  undecided: string[];
  /** For each undecided review, where it stood (status, pending activities and their last failure). */
  undecidedState: string[];
  /** Triggers that received more than one successful approve/abort/disable. */
  duplicateWrites: string[];
  /** Approved reviews without exactly one successful approve call in the sandbox. */
  approvedWithoutOneApprove: string[];
  successfulWrites: number;
  writeAttempts: number;
  injected500: number;
  injected429: number;
  events: string[];
  seconds: number;
}

const WRITE =
  /\/release_pipeline_triggers\/([^/]+)\/(approve|abort)$|\/(gates|dynamic_configs)\/([^/]+)\/disable$/;

export async function runChaos(options: ChaosOptions): Promise<ChaosTally> {
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 20;
  const started = Date.now();
  const stack = await startBenchStack({
    temporalAddress: options.temporalAddress,
    entities: options.reviews,
  });
  const events: string[] = [];
  const note = (event: string) => {
    events.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${event}`);
    log(event);
  };
  try {
    const { sandbox } = stack.sandbox;
    sandbox.addFault({ path: '^/console/', status: 500, probability: 0.2 });
    sandbox.addFault({ path: '^/console/', delayMs: 5_000, probability: 0.1 });
    note('faults on: 20% of Console API calls answer 500, 10% are held 5 s');

    const triggers = stack.release(options.reviews);
    const quarter = Math.ceil(triggers.length / 4);
    const waves = [0, 1, 2, 3].map((index) =>
      triggers.slice(index * quarter, (index + 1) * quarter),
    );
    const send = (wave: number) =>
      pool(waves[wave] ?? [], concurrency, (trigger) =>
        stack.deliver(trigger, { giveUpAfterMs: 5 * 60_000 }),
      );
    const deliveries: Delivery[] = [];

    deliveries.push(...(await send(0)));
    note(`wave 1 delivered (${waves[0]?.length} reviews); SIGKILL the worker`);
    const [doomed] = stack.workers();
    await doomed?.stop('SIGKILL');
    await stack.startWorker();
    note('a new worker is polling');

    const [, waveTwo] = await Promise.all([
      stack.restartReceiver('SIGTERM').then(() => note('receiver restarted')),
      send(1),
    ]);
    deliveries.push(...waveTwo);
    note(`wave 2 delivered (${waves[1]?.length} reviews) across the receiver restart`);

    sandbox.addFault({
      path: '^/console/',
      status: 429,
      headers: { 'Retry-After': '2' },
      forMs: 6_000,
    });
    note('429 window: every Console API call answers 429 (Retry-After: 2) for 6 s');
    deliveries.push(...(await send(2)));
    deliveries.push(...(await send(3)));
    note('waves 3 and 4 delivered');
    const recovery =
      options.outageMs === undefined
        ? undefined
        : setTimeout(() => {
            sandbox.clearFaults();
            note('Statsig recovers: every fault is off');
          }, options.outageMs);

    const acked = deliveries.filter((delivery) => delivery.ackedAtMs !== undefined);
    const decisions: Record<string, number> = {};
    const undecided: string[] = [];
    const deadline = Date.now() + (options.decisionTimeoutMs ?? 10 * 60_000);
    const actions = new Map<string, string>();
    await pool(acked, 50, async (delivery) => {
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        stack.client.workflow.getHandle(delivery.workflowId).result() as Promise<ReviewReport>,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
        }),
      ]).catch(() => undefined);
      clearTimeout(timer);
      if (result === undefined) {
        undecided.push(delivery.workflowId);
        return;
      }
      actions.set(delivery.triggerID, result.action);
      decisions[result.action] = (decisions[result.action] ?? 0) + 1;
    });
    clearTimeout(recovery);
    note('every acknowledged review has finished (or timed out)');

    const writes = sandbox.calls.filter((call) => WRITE.test(call.path));
    const successful = writes.filter((call) => call.status < 300 && !call.faulted);
    const writesPerTrigger = new Map<string, RecordedCall[]>();
    for (const call of successful) {
      const trigger = WRITE.exec(call.path)?.[1] ?? call.path;
      writesPerTrigger.set(trigger, [...(writesPerTrigger.get(trigger) ?? []), call]);
    }
    return {
      reviews: options.reviews,
      acknowledged: acked.length,
      redelivered: deliveries.filter((delivery) => delivery.attempts > 1).length,
      decisions,
      undecided,
      undecidedState: await Promise.all(
        undecided.map((workflowId) => describeStuck(stack.client, workflowId)),
      ),
      duplicateWrites: [...writesPerTrigger]
        .filter(([, calls]) => calls.length > 1)
        .map(([id]) => id),
      approvedWithoutOneApprove: [...actions]
        .filter(
          ([trigger, action]) =>
            action === 'approved' &&
            (writesPerTrigger.get(trigger) ?? []).filter((call) => call.path.endsWith('/approve'))
              .length !== 1,
        )
        .map(([trigger]) => trigger),
      successfulWrites: successful.length,
      writeAttempts: writes.length,
      injected500: sandbox.calls.filter((call) => call.faulted && call.status === 500).length,
      injected429: sandbox.calls.filter((call) => call.faulted && call.status === 429).length,
      events,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stack.stop();
  }
}

async function describeStuck(client: Client, workflowId: string): Promise<string> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    const pending = (description.raw.pendingActivities ?? []).map(
      (activity) =>
        `${activity.activityType?.name} attempt ${activity.attempt}${activity.lastFailure?.message ? ` (${activity.lastFailure.message})` : ''}`,
    );
    return `${workflowId}: ${description.status.name}; pending: ${pending.join(', ') || 'none'}`;
  } catch (error) {
    return `${workflowId}: ${(error as Error).message}`;
  }
}

export function describeTally(tally: ChaosTally): string {
  const rows: Array<[string, string]> = [
    ['reviews sent', String(tally.reviews)],
    ['acknowledged by the receiver', String(tally.acknowledged)],
    ['deliveries that needed a retry', String(tally.redelivered)],
    ...Object.entries(tally.decisions).map(([action, count]): [string, string] => [
      `decided: ${action}`,
      String(count),
    ]),
    ['acknowledged but undecided (lost)', String(tally.undecided.length)],
    ['reviews with more than one successful write', String(tally.duplicateWrites.length)],
    ['approved without exactly one approve call', String(tally.approvedWithoutOneApprove.length)],
    ['successful writes / write attempts', `${tally.successfulWrites} / ${tally.writeAttempts}`],
    ['injected 500s / 429s', `${tally.injected500} / ${tally.injected429}`],
    ['wall time', `${fmt(tally.seconds, 0)} s`],
  ];
  return table(['', 'count'], rows);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reviews: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '20' },
    },
  });
  const say = progressLog('bench:chaos');
  const devServer = await startBenchDevServer();
  try {
    const tally = await runChaos({
      temporalAddress: devServer.address,
      reviews: Number(values.reviews),
      concurrency: Number(values.concurrency),
      log: say,
    });
    const section = [
      '## Faults (`npm run bench:chaos`)',
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine()}`,
      `- Command: \`npm run bench:chaos\` (\`tsx bench/chaos.ts --reviews ${values.reviews} --concurrency ${values.concurrency}\`); in CI: test/chaos/chaos.test.ts, 24 reviews, the outage ending 20 s after the last wave`,
      '- Faults: 20% of Console API calls answer 500 and 10% are held 5 s, throughout; the worker SIGKILLed and replaced after wave 1; the receiver restarted during wave 2; a 6 s window of 429 (Retry-After: 2) on every Console API call during wave 3.',
      '',
      describeTally(tally),
      '',
      'Timeline:',
      '',
      ...tally.events.map((event) => `- ${event}`),
    ].join('\n');
    process.stdout.write(`${section}\n`);
    await writeResults('chaos', section);
    const ok =
      tally.undecided.length === 0 &&
      tally.duplicateWrites.length === 0 &&
      tally.approvedWithoutOneApprove.length === 0 &&
      tally.acknowledged === tally.reviews;
    say(ok ? 'every review decided exactly once' : 'FAILED: see the tally');
    if (!ok) process.exitCode = 1;
  } finally {
    await devServer.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
