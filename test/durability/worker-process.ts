// A worker as its own OS process, so a test can SIGKILL it the way a node dies: no shutdown, no
// cleanup, activities cut off mid-call. Run as `node --import tsx test/durability/worker-process.ts`
// (see ./worker-processes.ts); configured through the environment.
//
// Its gate reads `quality` from the dynamic config under review. A benchmark for an entity with a
// `hold-<entityID>` file in WORKER_CONTROL_DIR appends this process's pid to `started-<entityID>`
// and then waits until `release-<entityID>` exists, so the test can kill the worker mid-benchmark.
// Every approve it sends is noted in `approvals` as `<pid> <triggerID>`, so a test can tell which
// process made which call.
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { defineGate } from '../../src/gate/define';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { StatsigEventsClient } from '../../src/statsig/events-client';
import { createReviewWorkers } from '../../src/worker';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`worker-process: ${name} is not set`);
  return value;
}

const controlDir = required('WORKER_CONTROL_DIR');

class NotingConsoleClient extends StatsigConsoleClient {
  override approvePhase(triggerID: string, phaseID: string, signal?: AbortSignal) {
    appendFileSync(path.join(controlDir, 'approvals'), `${process.pid} ${triggerID}\n`);
    return super.approvePhase(triggerID, phaseID, signal);
  }
}

const gate = defineGate({
  // WORKER_POLICY (JSON) sets the review policy, e.g. a rollback instead of an abort.
  ...(process.env.WORKER_POLICY ? { policy: JSON.parse(process.env.WORKER_POLICY) } : {}),
  suites: [
    {
      name: 'prompt-quality',
      benchmarks: [
        {
          name: 'score',
          retries: 2,
          // Short, so a killed worker's benchmark moves to the next worker within seconds.
          heartbeatTimeoutMs: 2_000,
          async run({ target, signal }) {
            if (existsSync(path.join(controlDir, `hold-${target.id}`))) {
              appendFileSync(path.join(controlDir, `started-${target.id}`), `${process.pid}\n`);
              while (!existsSync(path.join(controlDir, `release-${target.id}`))) {
                await sleep(50, undefined, { signal });
              }
            }
            const quality = (target.value as { quality?: number } | null)?.quality ?? 0;
            return { metrics: { quality } };
          },
        },
      ],
      criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
    },
  ],
});

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: required('TEMPORAL_TEST_ADDRESS') });
  const statsig = new NotingConsoleClient({
    baseUrl: required('WORKER_CONSOLE_API_URL'),
    apiKey: required('WORKER_CONSOLE_API_KEY'),
    timeoutMs: 5_000,
  });
  const serverSecret = process.env.WORKER_SERVER_SECRET;
  const events = serverSecret
    ? new StatsigEventsClient({
        baseUrl: required('WORKER_EVENTS_API_URL'),
        serverSecret,
        timeoutMs: 5_000,
      })
    : undefined;
  const workers = await createReviewWorkers({
    connection,
    namespace: 'default',
    taskQueue: required('WORKER_TASK_QUEUE'),
    dependencies: events ? { statsig, events, gate } : { statsig, gate },
    workflows: { workflowBundle: { codePath: required('WORKFLOW_BUNDLE_PATH') } },
  });
  const running = workers.run();
  process.stdout.write(`worker ready ${process.pid}\n`);
  await running;
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`worker-process failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
