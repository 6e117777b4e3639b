// What people find about a review without opening it: custom search attributes that follow the
// review (every one usable in a visibility query), a memo summary, and the final report.
import { defineGate } from '../../src/gate/define';
import type { ReviewReport } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { controllableGate } from '../helpers/controllable-gate';
import { listedBy, resultOf, startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const gate = controllableGate();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gate: gate.gate, seed: testSeed(), recordResults: true });
});

afterAll(async () => {
  await stack?.stop();
});

async function idsFor(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query }))
    ids.push(execution.workflowId);
  return ids;
}

type AttributeKey = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

const clause = (key: AttributeKey, value: string) => `${key.name} = "${value}"`;

it('is findable by each search attribute once decided, and carries a memo summary', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const handle = await startReview(stack, trigger);
  await resultOf(stack, trigger);
  const expected: Array<[AttributeKey, string]> = [
    [SEARCH_ATTRIBUTES.pipelineID, trigger.releasePipelineID],
    [SEARCH_ATTRIBUTES.triggerID, trigger.id],
    [SEARCH_ATTRIBUTES.phaseID, trigger.currentPhaseID ?? ''],
    [SEARCH_ATTRIBUTES.entity, trigger.dynamicConfigID ?? ''],
    [SEARCH_ATTRIBUTES.verdict, 'pass'],
    [SEARCH_ATTRIBUTES.decision, 'approved'],
  ];
  // One query per attribute: each alone finds the review (other reviews may share the value).
  for (const [key, value] of expected) {
    await listedBy(stack, clause(key, value), handle.workflowId);
  }
  const all = expected.map(([key, value]) => clause(key, value)).join(' AND ');
  expect(await idsFor(all)).toEqual([handle.workflowId]);

  const description = await handle.describe();
  expect(description.memo).toEqual({
    summary: `${trigger.dynamicConfigID}: pass → approved`,
  });
});

it('shows a waiting review as waiting, then as decided by the person', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service down' });
  const handle = await startReview(stack, trigger);
  const waiting = [
    clause(SEARCH_ATTRIBUTES.triggerID, trigger.id),
    clause(SEARCH_ATTRIBUTES.verdict, 'inconclusive'),
    clause(SEARCH_ATTRIBUTES.decision, 'waiting'),
  ].join(' AND ');
  await listedBy(stack, waiting, handle.workflowId);

  await handle.executeUpdate('decide', {
    args: [
      { decision: 'reject', actor: 'ana@example.com', reason: 'eval is down, not risking it' },
    ],
  });
  await resultOf(stack, trigger);
  await listedBy(
    stack,
    `${clause(SEARCH_ATTRIBUTES.triggerID, trigger.id)} AND ${clause(SEARCH_ATTRIBUTES.decision, 'aborted')}`,
    handle.workflowId,
  );
  expect((await handle.describe()).memo).toEqual({
    summary: `${trigger.dynamicConfigID}: inconclusive → aborted`,
  });
});

it('returns a JSON report with target, criteria, action, timestamps and the override', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
  const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
  const handle = await startReview(stack, trigger);
  await control.started;
  const before = Date.now();
  await handle.executeUpdate('decide', { args: [{ decision: 'approve', actor: 'oncall' }] });
  const report: ReviewReport = await resultOf(stack, trigger);
  const after = Date.now();

  expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  expect(report).toMatchObject({
    request: { triggerID: trigger.id, phaseID: trigger.currentPhaseID },
    outcome: 'decided',
    target: {
      kind: 'dynamic_config',
      id: trigger.dynamicConfigID,
      version: stack.sandbox.sandbox.getDynamicConfig(trigger.dynamicConfigID ?? '')?.version,
    },
    action: 'approved',
    reason: 'approved by oncall',
    override: { decision: 'approve', actor: 'oncall' },
    policy: { onFail: 'abort', onError: 'inconclusive', dryRun: false },
    recording: { status: 'recorded' },
  });
  expect(report.override?.atMs).toBeGreaterThanOrEqual(before);
  expect(report.override?.atMs).toBeLessThanOrEqual(after);
  expect(report.startedAtMs).toBeLessThanOrEqual(report.decidedAtMs);
  // Decided before the benchmark finished: no measurement, no criterion judged.
  expect(report.criteria).toEqual([]);

  const logged = stack.sandbox.sandbox.loggedEvents.filter(
    (event) =>
      event.metadata?.triggerID === trigger.id && event.eventName === 'rollout_gate_review',
  );
  expect(logged).toEqual([
    expect.objectContaining({
      metadata: expect.objectContaining({ overrideBy: 'oncall', overrideDecision: 'approve' }),
    }),
  ]);
});

it('records nothing in Statsig without a server secret, and says so in the report', async () => {
  const quiet = await startStack({ gate: gate.gate, seed: testSeed() });
  try {
    const trigger = releaseConfig(quiet.sandbox.sandbox, { quality: 0.9 });
    await startReview(quiet, trigger);
    const report = await resultOf(quiet, trigger);
    expect(report).toMatchObject({ action: 'approved', recording: { status: 'skipped' } });
    expect(quiet.sandbox.sandbox.calls.filter((call) => call.path.endsWith('/log_event'))).toEqual(
      [],
    );
  } finally {
    await quiet.stop();
  }
});

it('keeps the decision when recording in Statsig fails', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  stack.sandbox.sandbox.addFault({ method: 'POST', path: '/log_event$', status: 401 });
  const logCalls = () =>
    stack.sandbox.sandbox.calls.filter((call) => call.path.endsWith('/log_event')).length;
  const before = logCalls();
  try {
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({
      outcome: 'decided',
      action: 'approved',
      recording: { status: 'failed', error: expect.stringMatching(/log_event → 401/) },
    });
    // 401 is not retried: one attempt, then the review ends with what it decided.
    expect(logCalls() - before).toBe(1);
  } finally {
    stack.sandbox.sandbox.clearFaults();
  }
});

it('records every criterion in log_event, two on one metric included, and no "null" for an error', async () => {
  const twoOnOneMetric = defineGate({
    suites: [
      {
        name: 'quality',
        benchmarks: [
          {
            name: 'score',
            run: async ({ target }) => ({
              metrics: { quality: Number((target.value as { quality: number }).quality) },
            }),
          },
        ],
        criteria: [
          { metric: 'quality', op: '>=', threshold: 0.8 },
          { metric: 'quality', op: '<=', threshold: 0.95 },
        ],
      },
      {
        name: 'latency',
        benchmarks: [
          {
            name: 'probe',
            retries: 0,
            run: async () => {
              throw new Error('probe unreachable');
            },
          },
        ],
        criteria: [{ metric: 'p95_ms', op: '<=', threshold: 200 }],
      },
    ],
    policy: { onError: 'fail' },
  });
  const local = await startStack({ gate: twoOnOneMetric, seed: testSeed(), recordResults: true });
  try {
    const trigger = releaseConfig(local.sandbox.sandbox, { quality: 0.9 });
    await startReview(local, trigger);
    await resultOf(local, trigger);
    const [review] = local.sandbox.sandbox.loggedEvents.filter(
      (event) => event.eventName === 'rollout_gate_review',
    );
    expect(review?.metadata).toMatchObject({
      'quality.quality': '0.9',
      'quality.quality.verdict': 'pass',
      'quality.quality <= 0.95': '0.9',
      'quality.quality <= 0.95.verdict': 'pass',
      'latency.p95_ms.verdict': 'fail',
    });
    expect(review?.metadata).not.toHaveProperty('latency.p95_ms');
  } finally {
    await local.stop();
  }
});
