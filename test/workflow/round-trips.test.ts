// What a review asks of the Temporal server: without a baseline or a person, only measuring and
// writing the decision wait for an activity task; loading with planning, judging (while it fits in memory) and reconciling run as
// local activities inside the workflow tasks. A review too large to judge in memory is judged by an
// ordinary activity, on any worker, as before; a local load that fails hands over to the ordinary
// load, retried in view.
import { defineGate } from '../../src/gate/define';
import type { Target } from '../../src/gate/types';
import { qualityGate } from '../helpers/gates';
import { localActivities, scheduledActivities } from '../helpers/history';
import { faultTriggerReads, startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

let stack: Stack;
afterEach(async () => {
  await stack?.stop();
});

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
  // Side by side, recorded as each ended: the judging is the last (no repeats to add), so the reads
  // that reconcile with Statsig go beside it.
  expect(afterRuns).toHaveLength(2);
  expect(afterRuns).toEqual(
    expect.arrayContaining([
      { type: 'evaluateReview', failed: false },
      { type: 'reconcileReview', failed: false },
    ]),
  );
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
  const approvals = stack.sandbox.sandbox.calls.filter(
    (call) => call.method === 'PUT' && call.path.endsWith(`/${trigger.id}/approve`),
  );
  expect(approvals.map((call) => call.status)).toEqual([200]);
});
