// The baseline's worker, in its own process like rollout-gate's: same connection kind and the same
// activity concurrency (src/worker.ts), polling BASELINE_TASK_QUEUE on TEMPORAL_ADDRESS.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { baselineActivities } from './activities';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  const taskQueue = process.env.BASELINE_TASK_QUEUE;
  if (!address || !taskQueue) throw new Error('set TEMPORAL_ADDRESS and BASELINE_TASK_QUEUE');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // The SDK's own call, not rollout-gate's connectWorker: the baseline is plain Temporal, with none
  // of the product's code in its process.
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: baselineActivities,
    maxConcurrentActivityTaskExecutions: 50,
  });
  process.stdout.write('baseline worker polling\n');
  // The SDK's Runtime stops the worker on SIGINT/SIGTERM; run() resolves once it has drained.
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
