// Live-phase evidence in real reviews (Temporal dev server, a real worker, the Statsig sandbox): a
// gate release rolled out to 10% has Pulse results in the sandbox; the pulse kind reads them through
// the Console API and the review approves healthy results, aborts on a harmful lift, and leaves too
// little data to a person with the reason.
import { defineGate } from '../../src/gate/define';
import { pulse } from '../../src/gate/kinds/pulse';
import type { GateDefinition } from '../../src/gate/types';
import type { PulseResultsInput, SandboxSeed } from '../../src/sandbox';
import { resultOf, startReview, writesFor } from '../helpers/review';
import { testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const GATES = ['checkout_a', 'checkout_b', 'checkout_c'];

/** The shared test seed plus three gates, each with a one-phase pipeline of its own. */
function seed(): SandboxSeed {
  const base = testSeed();
  return {
    ...base,
    gates: [
      ...(base.gates ?? []),
      ...GATES.map((id) => ({
        id,
        name: id,
        isEnabled: true,
        version: 1,
        rules: [],
        releasePipelineID: `rp_${id}`,
      })),
    ],
    pipelines: [
      ...(base.pipelines ?? []),
      ...GATES.map((id) => ({
        id: `rp_${id}`,
        name: `${id} rollout`,
        phases: [
          {
            id: `${id}_p50`,
            name: 'p50',
            timeIntervalMs: 3_600_000,
            requiredReview: true,
            rules: [],
          },
        ],
      })),
    ],
  };
}

function liveGate(stack: Stack): GateDefinition {
  return defineGate({
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'live phase',
        targets: { entities: GATES },
        benchmarks: [
          pulse({
            name: 'pulse',
            metricIDs: ['checkout_conversion'],
            console: { consoleApiUrl: stack.sandbox.consoleApiUrl, apiKey: stack.consoleApiKey },
          }),
        ],
        criteria: [
          {
            name: 'conversion harm at most 1%',
            metric: 'checkout_conversion.harm',
            op: '<=',
            threshold: 1,
          },
        ],
      },
    ],
  });
}

/** A release of the gate to 10% of traffic, whose rule has these Pulse results. */
function releaseWithPulse(stack: Stack, gate: string, metric: Record<string, number>) {
  const { sandbox } = stack.sandbox;
  const trigger = sandbox.startRelease({
    pipelineID: `rp_${gate}`,
    entity: {
      kind: 'gate',
      id: gate,
      rules: [{ id: `${gate}_10`, name: '10%', passPercentage: 10, conditions: [] }],
    },
  });
  const results: PulseResultsInput = {
    ds: '2026-11-30',
    monitoringMetrics: [
      {
        metricID: 'checkout_conversion',
        metricName: 'Checkout conversion',
        directionality: 'increase',
        ...metric,
      },
    ],
  };
  sandbox.setPulseResults(gate, `${gate}_10`, results);
  return trigger;
}

let stack: Stack;
beforeAll(async () => {
  // The gate config names the sandbox the worker reads Pulse from: start the worker once it is up.
  stack = await startStack({ gate: { suites: [] } as never, seed: seed(), worker: false });
  await stack.startWorker(liveGate(stack));
});
afterAll(async () => {
  await stack?.stop();
});

describe('live-phase evidence in a review', () => {
  const enough = { testUnits: 5_000, controlUnits: 4_900 };

  it('approves the next phase when Pulse rules out more than the allowed harm', async () => {
    const trigger = releaseWithPulse(stack, 'checkout_a', {
      ...enough,
      percentChange: 2,
      percentConfidenceIntervalDelta: 1.5,
    });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
    expect(report.criteria[0]).toMatchObject({ verdict: 'pass', observed: -0.5 });
    expect(
      stack.sandbox.sandbox.calls.filter((call) => call.path.endsWith('/pulse_results')),
    ).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/console/v1/gates/checkout_a/rules/checkout_a_10/pulse_results',
        status: 200,
      }),
    ]);
  }, 90_000);

  it('aborts the rollout when the live phase shows the harm', async () => {
    const trigger = releaseWithPulse(stack, 'checkout_b', {
      ...enough,
      percentChange: -4,
      percentConfidenceIntervalDelta: 1,
    });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ verdict: 'fail', action: 'aborted' });
    expect(report.criteria[0]).toMatchObject({ verdict: 'fail', observed: 5 });
    expect(writesFor(stack, trigger)).toEqual([
      `PUT /release_pipeline_triggers/${trigger.id}/abort`,
    ]);
  }, 90_000);

  it('leaves too little data to a person, saying so', async () => {
    const trigger = releaseWithPulse(stack, 'checkout_c', {
      testUnits: 40,
      controlUnits: 38,
      percentChange: 9,
      percentConfidenceIntervalDelta: 30,
    });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report.verdict).toBe('inconclusive');
    const reason =
      'rule checkout_c_10 of gate checkout_c: too little data for checkout_conversion: 40 test and 38 control units in Pulse (2026-11-30); needs 100 in each';
    expect(report.criteria[0]).toMatchObject({ verdict: 'inconclusive', withheld: true, reason });
    expect(report.suites?.[0]?.reason).toContain(reason);
    expect(writesFor(stack, trigger)).toEqual([]);
  }, 90_000);
});
