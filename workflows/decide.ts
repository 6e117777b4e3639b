// The review's decision as a pure function: judgement, a person's override and the policy in; what
// to do to Statsig and why out. The workflow calls it, so every decision is in the review's history,
// and test/workflow/decide.test.ts checks it without a server.
import type { KillSwitch } from '../src/gate/types';
import type { Judgement, ResolvedPolicy } from '../src/gate/wire';
import type { Override, ReviewAction, TriggerState } from './contract';

export interface DecisionInput {
  judgement: Judgement | undefined;
  override: Override | undefined;
  policy: ResolvedPolicy;
  /** Per-suite onFail overrides from the plan. */
  suiteOnFail: Readonly<Record<string, KillSwitch>>;
  /** An inconclusive review that nobody decided within the policy's decision timeout. */
  timedOut?: boolean;
  /** The entity kept changing under review beyond maxReruns. */
  gaveUpOnChanges?: boolean;
}

export interface Decision {
  approve: boolean;
  killSwitch: KillSwitch;
  reason: string;
}

const STRENGTH: Record<KillSwitch, number> = { none: 0, abort: 1, disable: 2 };

export const ACTION_OF: Record<KillSwitch, ReviewAction> = {
  abort: 'aborted',
  disable: 'disabled',
  none: 'none',
};

/** The strongest kill switch among the failing suites (their own onFail, else the policy's). */
export function killSwitchFor(
  judgement: Judgement,
  policy: ResolvedPolicy,
  suiteOnFail: Readonly<Record<string, KillSwitch>>,
): KillSwitch {
  // Suite verdicts when known: a suite can pass with a failing criterion (advisory, or above its
  // passScore), and then its onFail does not apply.
  const failingSuites = new Set(
    judgement.suites
      ? judgement.suites.filter((suite) => suite.verdict === 'fail').map((suite) => suite.suite)
      : judgement.criteria.filter((criterion) => criterion.verdict === 'fail').map((c) => c.suite),
  );
  let action: KillSwitch = 'none';
  for (const suite of failingSuites) {
    const candidate = suiteOnFail[suite] ?? policy.onFail;
    if (STRENGTH[candidate] > STRENGTH[action]) action = candidate;
  }
  return failingSuites.size === 0 ? policy.onFail : action;
}

/** Why a failing review failed: the blocking criteria of the failing suites. */
function failureReason(judgement: Judgement): string {
  const failingSuites = new Set(
    (judgement.suites ?? [])
      .filter((suite) => suite.verdict === 'fail')
      .map((suite) => suite.suite),
  );
  return judgement.criteria
    .filter(
      (criterion) =>
        criterion.verdict === 'fail' && !criterion.advisory && failingSuites.has(criterion.suite),
    )
    .map((criterion) => `${criterion.suite}: ${criterion.reason}`)
    .join('; ');
}

export function decide(input: DecisionInput): Decision {
  const { judgement, override, policy, suiteOnFail } = input;
  if (override) {
    const approve = override.decision === 'approve';
    let killSwitch: KillSwitch = 'none';
    if (!approve) {
      killSwitch = killSwitchFor(
        judgement ?? { verdict: 'fail', criteria: [] },
        policy,
        suiteOnFail,
      );
      // A person who rejects wants the rollout stopped, whatever the report-only policy says.
      if (killSwitch === 'none') killSwitch = 'abort';
    }
    const verb = approve ? 'approved' : 'rejected';
    const reason = `${verb} by ${override.actor}${override.reason ? `: ${override.reason}` : ''}`;
    return { approve, killSwitch, reason };
  }
  if (judgement?.verdict === 'pass') {
    // Advisory criteria, and failures within a suite's passScore, do not block: name them.
    const notBlocking = judgement.criteria
      .filter((criterion) => criterion.verdict !== 'pass')
      .map((criterion) => `${criterion.suite}: ${criterion.name ?? criterion.metric}`);
    const reason =
      notBlocking.length === 0
        ? 'every criterion passed'
        : `every suite passed (not blocking: ${notBlocking.join(', ')})`;
    return { approve: true, killSwitch: 'none', reason };
  }
  if (judgement?.verdict === 'fail') {
    return {
      approve: false,
      killSwitch: killSwitchFor(judgement, policy, suiteOnFail),
      reason: failureReason(judgement),
    };
  }
  if (input.timedOut) {
    const killSwitch = policy.onDecisionTimeout;
    const action =
      killSwitch === 'none' ? 'left for review in Statsig' : `default action ${killSwitch}`;
    return {
      approve: false,
      killSwitch,
      reason: `inconclusive${changing(input)}, and nobody decided within ${policy.decisionTimeoutMs} ms: ${action}`,
    };
  }
  return { approve: false, killSwitch: 'none', reason: 'no decision' };
}

/** The phrase a reason gets when the entity kept changing under review. */
export function changing(input: { gaveUpOnChanges?: boolean }): string {
  return input.gaveUpOnChanges ? ' (the entity kept changing)' : '';
}

/** What the review did, from a decision. */
export function actionOf(decision: Decision): ReviewAction {
  return decision.approve ? 'approved' : ACTION_OF[decision.killSwitch];
}

export function supersededReason(trigger: TriggerState, phaseID: string): string {
  if (trigger.status !== 'WAITING_FOR_REVIEW') {
    return `trigger is ${trigger.status}, no longer waiting for review of phase ${phaseID}`;
  }
  const waiting =
    trigger.waitingPhaseID === undefined ? trigger.currentPhaseID : trigger.waitingPhaseID;
  return waiting === null
    ? `no phase of the trigger waits for review now; phase ${phaseID} was decided elsewhere`
    : `trigger moved on to phase ${waiting}; phase ${phaseID} was decided elsewhere`;
}
