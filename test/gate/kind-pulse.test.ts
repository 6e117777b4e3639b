// The pulse kind: which rules it reads (the gate's partly rolled-out ones by default), lifts and
// their intervals per metric and rule, "too little data" as inconclusive metrics with the reason,
// and criteria judging them. Statsig stands behind a StatsigReader here; test/contract/ reads the
// spec's example through the real client and test/gate/review-pulse.test.ts runs real reviews.
import { defineGate, GateConfigError } from '../../src/gate/define';
import { evaluate } from '../../src/gate/judge';
import { InvalidBenchmarkOutputError } from '../../src/gate/kinds/kind';
import { type PulseOptions, pulse } from '../../src/gate/kinds/pulse';
import type { BenchmarkOutput, Criterion, StatsigReader, Target } from '../../src/gate/types';
import type { GatePulseResults, PulseMetric, PulseQuery } from '../../src/statsig/schemas';
import { benchmarkContext, promptTarget } from './context';

function gateTarget(rules: Array<{ id: string; passPercentage: number }>): Target {
  return {
    kind: 'gate',
    id: 'new_checkout',
    name: 'new_checkout',
    version: 4,
    value: null,
    rules,
    raw: { id: 'new_checkout', rules },
  };
}

const conversion = (fields: Partial<PulseMetric>): PulseMetric => ({
  metricID: 'checkout_conversion',
  metricName: 'Checkout conversion',
  directionality: 'increase',
  percentChange: 2,
  percentConfidenceIntervalDelta: 1.5,
  pValue: 0.01,
  testUnits: 5_000,
  controlUnits: 4_900,
  ...fields,
});
const latency = (fields: Partial<PulseMetric>): PulseMetric => ({
  metricID: 'p95_latency',
  metricName: 'p95 latency',
  directionality: 'decrease',
  percentChange: -1,
  percentConfidenceIntervalDelta: 2,
  testUnits: 5_000,
  controlUnits: 4_900,
  ...fields,
});

/** Pulse results per rule; records what was asked. */
function reader(byRule: Record<string, PulseMetric[]>) {
  const asked: Array<{ gate: string; rule: string; query: PulseQuery | undefined }> = [];
  const statsig: StatsigReader = {
    async getGatePulseResults(gate, rule, query) {
      asked.push({ gate, rule, query });
      return { ds: '2026-11-30', monitoringMetrics: byRule[rule] ?? [] } as GatePulseResults;
    },
  };
  return { statsig, asked };
}

const OPTIONS: PulseOptions = { metricIDs: ['checkout_conversion', 'p95_latency'] };

async function runPulse(
  target: Target,
  byRule: Record<string, PulseMetric[]>,
  options: Partial<PulseOptions> = {},
) {
  const { statsig, asked } = reader(byRule);
  const benchmark = pulse({ name: 'live', ...OPTIONS, ...options });
  const output = await benchmark.run(await benchmarkContext({ target, statsig }));
  return { output, asked, benchmark };
}

describe('the pulse kind', () => {
  it('reads the rules rolled out to part of the traffic, each metric its lift and interval', async () => {
    const target = gateTarget([
      { id: 'rule_off', passPercentage: 0 },
      { id: 'rule_10', passPercentage: 10 },
      { id: 'rule_50', passPercentage: 50 },
      { id: 'rule_all', passPercentage: 100 },
    ]);
    const { output, asked, benchmark } = await runPulse(
      target,
      {
        rule_10: [conversion({}), latency({})],
        rule_50: [conversion({ percentChange: 1 }), latency({ percentChange: 3 })],
      },
      { confidence: 95, cuped: true },
    );
    expect(asked).toEqual([
      { gate: 'new_checkout', rule: 'rule_10', query: { confidence: 95, cuped: true } },
      { gate: 'new_checkout', rule: 'rule_50', query: { confidence: 95, cuped: true } },
    ]);
    expect(benchmark.metrics).toContain('checkout_conversion.harm');
    // One sample per rule; the run's single number is the worst rule's.
    expect(output.samples?.['checkout_conversion.lift_low']).toEqual([0.5, -0.5]);
    expect(output.samples?.['p95_latency.harm']).toEqual([1, 5]);
    expect(output.metrics).toMatchObject({
      rules: 2,
      'checkout_conversion.lift': 1,
      'checkout_conversion.lift_low': -0.5,
      'checkout_conversion.harm': 0.5,
      'checkout_conversion.units': 4_900,
      'p95_latency.lift': 3,
      'p95_latency.lift_high': 5,
      'p95_latency.harm': 5,
    });
    expect(output.inconclusive).toEqual({});
  });

  it('marks a metric inconclusive, with the reason, when a rule has too little data for it', async () => {
    const { output } = await runPulse(gateTarget([{ id: 'rule_10', passPercentage: 10 }]), {
      rule_10: [conversion({ testUnits: 40, controlUnits: 38 })],
    });
    expect(output.inconclusive?.['checkout_conversion.harm']).toBe(
      'rule rule_10 of gate new_checkout: too little data for checkout_conversion: 40 test and 38 control units in Pulse (2026-11-30); needs 100 in each',
    );
    expect(output.inconclusive?.['p95_latency.lift']).toBe(
      'rule rule_10 of gate new_checkout: Pulse has no results for p95_latency yet (2026-11-30)',
    );
    expect(output.metrics).toEqual({ rules: 1 });
  });

  it('has nothing to read when no rule is partly rolled out', async () => {
    const { output, asked } = await runPulse(gateTarget([{ id: 'r', passPercentage: 100 }]), {});
    expect(asked).toEqual([]);
    expect(output.metrics).toEqual({ rules: 0 });
    expect(output.inconclusive?.['checkout_conversion.lift']).toMatch(
      /^gate new_checkout has no rule rolled out to part of its traffic/,
    );
  });

  it('needs the gate named when the version under review is a dynamic config', async () => {
    const config = promptTarget({ model: 'm' });
    await expect(runPulse(config, {})).rejects.toThrow(InvalidBenchmarkOutputError);
    await expect(runPulse(config, {}, { gate: 'new_checkout' })).rejects.toThrow(
      /name its rules with `rules`/,
    );
    const { asked } = await runPulse(
      config,
      { rule_10: [conversion({})] },
      { gate: 'new_checkout', rules: ['rule_10'] },
    );
    expect(asked.map((entry) => [entry.gate, entry.rule])).toEqual([['new_checkout', 'rule_10']]);
  });

  it('is checked when the gate loads', () => {
    const problems = (options: Record<string, unknown>) => {
      try {
        defineGate({
          suites: [
            {
              name: 'live',
              benchmarks: [{ name: 'pulse', kind: 'pulse', ...options } as never],
              criteria: [{ metric: 'checkout_conversion.harm', op: '<=', threshold: 1 }],
            },
          ],
        });
      } catch (error) {
        if (error instanceof GateConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    expect(problems({ metricIDs: ['checkout_conversion'] })).toEqual([]);
    expect(problems({ metricIDs: ['checkout_conversion'], interval: 'bayesian' })).toEqual([
      'suites[live].benchmarks[pulse].interval: Invalid option: expected one of "fixed"|"sequential"',
    ]);
    expect(problems({ metricIDs: ['conversion'] })).toEqual([
      expect.stringContaining(
        "suites[live].criteria[0].metric: unknown metric 'checkout_conversion.harm'",
      ),
    ]);
  });
});

describe('criteria on live-phase evidence', () => {
  const criteria: Array<Criterion & { suite: string }> = [
    {
      suite: 'live',
      name: 'conversion harm at most 1%',
      metric: 'checkout_conversion.harm',
      op: '<=',
      threshold: 1,
    },
  ];
  const judge = (output: BenchmarkOutput) =>
    evaluate({
      criteria,
      suites: [{ name: 'live', passScore: 100 }],
      runs: [
        {
          suite: 'live',
          benchmark: 'pulse',
          role: 'candidate',
          repeat: 0,
          status: 'completed',
          output,
        },
      ],
      baseline: { version: null, reason: 'none needed' },
      onError: 'inconclusive',
      seed: 'pulse-test',
    }).judgement;
  const target = gateTarget([{ id: 'rule_10', passPercentage: 10 }]);

  it('pass when the interval rules out more harm, and fail when it shows it', async () => {
    const healthy = await runPulse(target, { rule_10: [conversion({})] });
    expect(judge(healthy.output).criteria[0]).toMatchObject({ verdict: 'pass', observed: -0.5 });
    const harmful = await runPulse(target, {
      rule_10: [conversion({ percentChange: -4, percentConfidenceIntervalDelta: 1 })],
    });
    expect(judge(harmful.output).criteria[0]).toMatchObject({ verdict: 'fail', observed: 5 });
  });

  it('are inconclusive, saying why, when the phase has too little data', async () => {
    const thin = await runPulse(target, {
      rule_10: [conversion({ testUnits: 40, controlUnits: 38 })],
    });
    const judgement = judge(thin.output);
    expect(judgement.verdict).toBe('inconclusive');
    expect(judgement.criteria[0]).toMatchObject({
      verdict: 'inconclusive',
      withheld: true,
      reason: expect.stringContaining('too little data for checkout_conversion: 40 test'),
    });
    expect(judgement.suites?.[0]?.reason).toContain('too little data for checkout_conversion');
  });
});
