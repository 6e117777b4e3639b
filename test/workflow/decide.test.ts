// The review's decision and its run bookkeeping as pure functions, without a Temporal server: what a
// person or a verdict leads to, and what a benchmark's runs add up to in the report.
import { DEFAULT_POLICY } from '../../src/gate/policy';
import type {
  CriterionResult,
  Judgement,
  PlannedBenchmark,
  ReusedRun,
  RunRecord,
} from '../../src/gate/wire';
import { actionOf, decide, killSwitchFor, supersededReason } from '../../workflows/decide';
import { outcomeOf, runRequests } from '../../workflows/runs';

function criterion(
  suite: string,
  verdict: CriterionResult['verdict'],
  extra = {},
): CriterionResult {
  return {
    suite,
    metric: 'quality',
    op: '>=',
    threshold: 0.8,
    observed: verdict === 'pass' ? 0.9 : 0.5,
    verdict,
    reason: `quality is ${verdict}`,
    name: `${suite} quality`,
    ...extra,
  };
}

function judgement(verdict: Judgement['verdict'], criteria: CriterionResult[]): Judgement {
  const suites = [...new Set(criteria.map((c) => c.suite))].map((suite) => ({
    suite,
    verdict: criteria.some((c) => c.suite === suite && c.verdict === 'fail' && !c.advisory)
      ? ('fail' as const)
      : verdict,
    score: 0,
    passScore: 100,
    reason: '',
  }));
  return { verdict, criteria, suites };
}

const policy = DEFAULT_POLICY;

describe('decide', () => {
  it('approves a passing review and names what did not block it', () => {
    const passing = judgement('pass', [
      criterion('quality', 'pass'),
      criterion('style', 'fail', { advisory: true }),
    ]);
    const decision = decide({ judgement: passing, override: undefined, policy, suiteOnFail: {} });
    expect(decision).toEqual({
      approve: true,
      killSwitch: 'none',
      reason: 'every suite passed (not blocking: style: style quality)',
    });
    expect(actionOf(decision)).toBe('approved');
  });

  it('pulls the strongest kill switch among failing suites, with their blocking reasons', () => {
    const failing = judgement('fail', [criterion('quality', 'fail'), criterion('safety', 'fail')]);
    const decision = decide({
      judgement: failing,
      override: undefined,
      policy,
      suiteOnFail: { safety: 'disable' },
    });
    expect(decision).toEqual({
      approve: false,
      killSwitch: 'disable',
      reason: 'quality: quality is fail; safety: quality is fail',
    });
    expect(actionOf(decision)).toBe('disabled');
  });

  it('follows a person over the verdict, and a rejection always stops the rollout', () => {
    const passing = judgement('pass', [criterion('quality', 'pass')]);
    const rejected = decide({
      judgement: passing,
      override: { decision: 'reject', actor: 'ana', reason: 'bad vibes', atMs: 1 },
      policy: { ...policy, onFail: 'none' },
      suiteOnFail: {},
    });
    expect(rejected).toEqual({
      approve: false,
      killSwitch: 'abort',
      reason: 'rejected by ana: bad vibes',
    });
    const approved = decide({
      judgement: judgement('fail', [criterion('quality', 'fail')]),
      override: { decision: 'approve', actor: 'bo', atMs: 1 },
      policy,
      suiteOnFail: {},
    });
    expect(approved).toEqual({ approve: true, killSwitch: 'none', reason: 'approved by bo' });
  });

  it('applies the decision-timeout action when nobody decided an inconclusive review', () => {
    const open = judgement('inconclusive', [criterion('quality', 'inconclusive')]);
    const decision = decide({
      judgement: open,
      override: undefined,
      policy: { ...policy, onDecisionTimeout: 'abort', decisionTimeoutMs: 1000 },
      suiteOnFail: {},
      timedOut: true,
      gaveUpOnChanges: true,
    });
    expect(decision).toEqual({
      approve: false,
      killSwitch: 'abort',
      reason:
        'inconclusive (the entity kept changing), and nobody decided within 1000 ms: default action abort',
    });
    expect(
      decide({ judgement: open, override: undefined, policy, suiteOnFail: {}, timedOut: true })
        .reason,
    ).toBe('inconclusive, and nobody decided within 86400000 ms: left for review in Statsig');
  });

  it('rolls back what each failing scope asks, then approves the rest as the policy says', () => {
    const mixed = judgement('fail', [
      criterion('quality@staging', 'pass'),
      criterion('quality@production', 'fail'),
      criterion('latency', 'fail'),
    ]);
    const staging = mixed.suites?.[0];
    if (staging) staging.verdict = 'pass';
    const suiteOnFail = {
      'quality@staging': { action: 'rollback' as const, environments: ['staging'] },
      'quality@production': { action: 'rollback' as const, environments: ['production'] },
      latency: { action: 'rollback' as const, condition: { field: 'region', values: ['EU'] } },
    };
    const decision = decide({ judgement: mixed, override: undefined, policy, suiteOnFail });
    expect(decision).toMatchObject({
      approve: false,
      killSwitch: 'rollback',
      rollback: {
        scopes: [
          { suite: 'quality@production', environments: ['production'] },
          { suite: 'latency', condition: { field: 'region', values: ['EU'] } },
        ],
        afterwards: 'approve',
      },
    });
    expect(actionOf(decision)).toBe('rolled-back');
    // The policy may pause instead, or leave the phase waiting.
    expect(
      decide({
        judgement: mixed,
        override: undefined,
        policy: { ...policy, afterRollback: 'pause' },
        suiteOnFail,
      }).rollback?.afterwards,
    ).toBe('pause');
    // A stronger kill switch among the failing suites wins over a rollback.
    const paused = decide({
      judgement: mixed,
      override: undefined,
      policy,
      suiteOnFail: { ...suiteOnFail, latency: 'pause' },
    });
    expect(paused.killSwitch).toBe('pause');
    expect(paused).not.toHaveProperty('rollback');
  });

  it('never approves after a rollback while a scope is open, a person rejected, or time ran out', () => {
    const open = {
      ...judgement('fail', [
        criterion('q@staging', 'inconclusive'),
        criterion('q@production', 'fail'),
      ]),
    };
    open.suites = [
      { suite: 'q@staging', verdict: 'inconclusive', score: 0, passScore: 100, reason: '' },
      { suite: 'q@production', verdict: 'fail', score: 0, passScore: 100, reason: '' },
    ];
    const rollback = {
      ...policy,
      onFail: 'rollback' as const,
      onDecisionTimeout: 'rollback' as const,
    };
    expect(
      decide({ judgement: open, override: undefined, policy: rollback, suiteOnFail: {} }).rollback,
    ).toEqual({
      scopes: [{ suite: 'q@production' }],
      afterwards: 'none',
    });
    const rejected = decide({
      judgement: judgement('pass', [criterion('quality', 'pass')]),
      override: { decision: 'reject', actor: 'ana', atMs: 1 },
      policy: rollback,
      suiteOnFail: {},
    });
    expect(rejected).toMatchObject({
      killSwitch: 'rollback',
      rollback: { scopes: [{}], afterwards: 'none' },
    });
    const timedOut = decide({
      judgement: judgement('inconclusive', [criterion('quality', 'inconclusive')]),
      override: undefined,
      policy: rollback,
      suiteOnFail: {},
      timedOut: true,
    });
    expect(timedOut).toMatchObject({ killSwitch: 'rollback', rollback: { afterwards: 'none' } });
    expect(timedOut.reason).toMatch(/default action rollback$/);
  });

  it('uses the policy when no suite verdicts are known', () => {
    expect(killSwitchFor({ verdict: 'fail', criteria: [] }, policy, {})).toBe('abort');
  });

  it('says who moved a trigger on', () => {
    const trigger = {
      id: 't',
      releasePipelineID: 'p',
      currentPhaseID: 'phase_2',
      gateID: null,
      dynamicConfigID: null,
      createdTime: 0,
    };
    expect(supersededReason({ ...trigger, status: 'WAITING_FOR_REVIEW' }, 'phase_1')).toBe(
      'trigger moved on to phase phase_2; phase phase_1 was decided elsewhere',
    );
    expect(supersededReason({ ...trigger, status: 'ABORTED' }, 'phase_1')).toBe(
      'trigger is ABORTED, no longer waiting for review of phase phase_1',
    );
  });
});

describe('runs', () => {
  const planned: PlannedBenchmark = {
    suite: 's',
    benchmark: 'b',
    kind: 'custom',
    timeoutMs: 1000,
    heartbeatTimeoutMs: 1000,
    retries: 0,
    repeats: 2,
    maxRepeats: 4,
    parallelRuns: 2,
    baseline: true,
  };
  const completed = (
    role: 'candidate' | 'baseline',
    repeat: number,
    score: number,
    extra: { reused?: ReusedRun } = {},
  ): RunRecord => ({
    suite: 's',
    benchmark: 'b',
    role,
    repeat,
    status: 'completed',
    metrics: { score },
    durationMs: 100 * (repeat + 1),
    ref: 'r',
    sampleCount: 0,
    caseCount: 0,
    ...extra,
  });

  it('schedules each repeat on both sides when a baseline is measured', () => {
    expect(runRequests(planned, 2, 4, true).map((r) => `${r.role}#${r.repeat}`)).toEqual([
      'candidate#2',
      'baseline#2',
      'candidate#3',
      'baseline#3',
    ]);
    expect(runRequests(planned, 0, 2, false).map((r) => r.role)).toEqual([
      'candidate',
      'candidate',
    ]);
  });

  it("averages the candidate's completed runs and counts every side's runs", () => {
    const runs: RunRecord[] = [
      completed('candidate', 0, 0.6),
      completed('candidate', 1, 0.8),
      completed('baseline', 0, 0.1),
      { suite: 's', benchmark: 'b', role: 'baseline', repeat: 1, status: 'error', error: 'boom' },
    ];
    expect(outcomeOf(planned, runs)).toEqual({
      suite: 's',
      benchmark: 'b',
      status: 'completed',
      metrics: { score: 0.7 },
      durationMs: 150,
      runs: { candidate: { completed: 2, errored: 0 }, baseline: { completed: 1, errored: 1 } },
    });
  });

  it('counts the runs taken from the run cache, even of a benchmark run once', () => {
    const reused = { workflowId: 'review-t-p10', runId: 'r1', measuredAt: '2026-01-01T00:00:00Z' };
    const runs: RunRecord[] = [
      completed('candidate', 0, 0.6, { reused }),
      completed('candidate', 1, 0.8),
      completed('baseline', 0, 0.1, { reused }),
    ];
    expect(outcomeOf(planned, runs).runs).toEqual({
      candidate: { completed: 2, errored: 0, reused: 1 },
      baseline: { completed: 1, errored: 0, reused: 1 },
    });
    const once = { ...planned, maxRepeats: 1, repeats: 1, baseline: false };
    expect(outcomeOf(once, [completed('candidate', 0, 0.6)])).not.toHaveProperty('runs');
    expect(outcomeOf(once, [completed('candidate', 0, 0.6, { reused })]).runs).toEqual({
      candidate: { completed: 1, errored: 0, reused: 1 },
      baseline: { completed: 0, errored: 0 },
    });
  });

  it("reports a benchmark whose candidate never completed with its first run's error", () => {
    const runs: RunRecord[] = [
      { suite: 's', benchmark: 'b', role: 'candidate', repeat: 0, status: 'error', error: 'boom' },
    ];
    expect(outcomeOf({ ...planned, maxRepeats: 1, baseline: false, repeats: 1 }, runs)).toEqual({
      suite: 's',
      benchmark: 'b',
      status: 'error',
      error: 'boom',
    });
  });
});
