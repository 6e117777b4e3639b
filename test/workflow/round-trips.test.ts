// What a review asks of the Temporal server: without a baseline or a person, only measuring and
// writing the decision wait for an activity task; loading with planning, and judging (while it fits
// in memory) with reconciling, run as local activities inside the workflow tasks. A review too large
// to judge in memory is judged by an ordinary activity, on any worker, as before; a local step that
// fails hands over to its ordinary activities, retried in view.
import { defineGate } from '../../src/gate/define';
import type { Target } from '../../src/gate/types';
import { controllableGate } from '../helpers/controllable-gate';
import { qualityGate } from '../helpers/gates';
import { localActivities, scheduledActivities } from '../helpers/history';
import { faultTriggerReads, startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

/** What Statsig answered each approve of the trigger: exactly one call means no approve twice. */
function approveStatuses(triggerID: string): number[] {
  return stack.sandbox.sandbox.calls
    .filter((call) => call.method === 'PUT' && call.path.endsWith(`/${triggerID}/approve`))
    .map((call) => call.status);
}

it('waits on the server only to measure and write; loads, plans, judges and reconciles locally', async () => {
  stack = await startStack({ gate: qualityGate(), seed: testSeed() });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const handle = await startReview(stack, trigger);
  expect(await handle.result()).toMatchObject({ verdict: 'pass', action: 'approved' });

  expect(await scheduledActivities(handle)).toEqual([
    'runBenchmark',
    'approvePhase',
    'recordReviewResult',
  ]);
  const [planned, ...afterRuns] = await localActivities(handle);
  // The load and the plan in one local step of the first workflow task.
  expect(planned).toEqual({ type: 'loadAndPlanReview', failed: false });
  // The judging is the last (no repeats to add): the reads that reconcile with Statsig go with it,
  // in one local step.
  expect(afterRuns).toEqual([{ type: 'judgeAndReconcileReview', failed: false }]);
  const events = (await handle.fetchHistory()).events ?? [];
  const workflowTasks = events.filter((event) => event.workflowTaskCompletedEventAttributes);
  // The start, and one after each activity: nothing waits for a step of its own.
  expect(workflowTasks).toHaveLength(4);
});

it('judges a review too large for memory with an ordinary activity', async () => {
  const run = async ({ target }: { target: Target }) => ({
    metrics: { quality: Number((target.value as { quality?: number }).quality) },
  });
  // 120 runs: more than a local judging reads (workflows/local-steps.ts).
  const gate = defineGate({
    suites: [
      {
        name: 'wide',
        benchmarks: ['first', 'second'].map((name) => ({
          name,
          repeats: 60,
          parallelRuns: 30,
          run,
        })),
        criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
      },
    ],
  });
  stack = await startStack({ gate, seed: testSeed() });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const handle = await startReview(stack, trigger);
  expect(await handle.result()).toMatchObject({
    verdict: 'pass',
    action: 'approved',
    evaluation: { runs: 120 },
  });
  const scheduled = await scheduledActivities(handle);
  expect(scheduled.filter((type) => type === 'evaluateReview')).toHaveLength(1);
  expect((await localActivities(handle)).map((step) => step.type)).toEqual([
    'loadAndPlanReview',
    'reconcileReview',
  ]);
}, 120_000);

it('hands a failed local load over to the ordinary load, then plans locally and decides once', async () => {
  stack = await startStack({ gate: qualityGate(), seed: testSeed() });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  // Statsig fails the first read of the trigger: the local step's one attempt.
  faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
    status: 503,
    times: 1,
  });
  const handle = await startReview(stack, trigger);
  expect(await handle.result()).toMatchObject({ verdict: 'pass', action: 'approved' });

  const [loaded, planned] = await localActivities(handle);
  expect(loaded).toEqual({ type: 'loadAndPlanReview', failed: true });
  expect(planned).toEqual({ type: 'planReview', failed: false });
  expect(await scheduledActivities(handle)).toEqual([
    'loadReviewTarget',
    'runBenchmark',
    'approvePhase',
    'recordReviewResult',
  ]);
  expect(approveStatuses(trigger.id)).toEqual([200]);
});

it('hands a failed last look over to the ordinary judging and reconciling, and decides once', async () => {
  const { gate, control } = controllableGate();
  stack = await startStack({ gate, seed: testSeed() });
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  control(trigger.dynamicConfigID ?? '', {
    // While the benchmark runs, Statsig fails the next read of the trigger: the last look's.
    during: () =>
      faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
        status: 503,
        times: 1,
      }),
  });
  const handle = await startReview(stack, trigger);
  expect(await handle.result()).toMatchObject({ verdict: 'pass', action: 'approved' });

  expect(await localActivities(handle)).toEqual([
    { type: 'loadAndPlanReview', failed: false },
    { type: 'judgeAndReconcileReview', failed: true },
  ]);
  // Each half retried in view, where the Temporal UI and the stuck reviews see it.
  expect(await scheduledActivities(handle)).toEqual([
    'runBenchmark',
    'evaluateReview',
    'reconcileReview',
    'approvePhase',
    'recordReviewResult',
  ]);
  expect(approveStatuses(trigger.id)).toEqual([200]);
});
