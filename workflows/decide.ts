// The review's decision as a pure function: judgement, a person's override and the policy in; what
// to do to Statsig and why out. The workflow calls it, so every decision is in the review's history,
// and test/workflow/decide.test.ts checks it without a server.
import type {
  AfterRollback,
  KillSwitch,
  KillSwitchSetting,
  RollbackScope,
} from '../src/gate/types';
import type { Judgement, ResolvedPolicy, RollbackRequest } from '../src/gate/wire';
import type { Override, ReviewAction, TriggerState } from './contract';

export interface DecisionInput {
  judgement: Judgement | undefined;
  override: Override | undefined;
  policy: ResolvedPolicy;
  /** Per-suite onFail overrides from the plan (a `forEach` copy's narrowed to its scope). */
  suiteOnFail: Readonly<Record<string, KillSwitchSetting>>;
  /** An inconclusive review that nobody decided within the policy's decision timeout. */
  timedOut?: boolean;
  /** The entity kept changing under review beyond maxReruns. */
  gaveUpOnChanges?: boolean;
}

export interface Decision {
  approve: boolean;
  killSwitch: KillSwitch;
  /**
   * With killSwitch `rollback`: what each failing suite rolls back, and what the review does once
   * every one of them found rules to change (`afterwards`).
   */
  rollback?: { scopes: RollbackRequest[]; afterwards: AfterRollback };
  reason: string;
}

const STRENGTH: Record<KillSwitch, number> = {
  none: 0,
  rollback: 1,
  pause: 2,
  abort: 3,
  disable: 4,
};

export const ACTION_OF: Record<KillSwitch, ReviewAction> = {
  abort: 'aborted',
  disable: 'disabled',
  pause: 'paused',
  rollback: 'rolled-back',
  none: 'none',
};

/** The action a gate config's kill switch names. */
export function actionOfSetting(setting: KillSwitchSetting): KillSwitch {
  return typeof setting === 'string' ? setting : 'rollback';
}

/** A rollback setting's narrowing; the plain `rollback` narrows nothing (the phase's rules). */
function scopeOfSetting(setting: KillSwitchSetting): RollbackScope {
  if (typeof setting === 'string') return {};
  const { action: _action, ...scope } = setting;
  return scope;
}

/** Suites that failed: by their verdicts when known (a suite can pass with a failing criterion). */
function failingSuitesOf(judgement: Judgement): Set<string> {
  return new Set(
    judgement.suites
      ? judgement.suites.filter((suite) => suite.verdict === 'fail').map((suite) => suite.suite)
      : judgement.criteria.filter((criterion) => criterion.verdict === 'fail').map((c) => c.suite),
  );
}

/** The kill switch each failing suite asks for (its own onFail, else the policy's). */
function requests(
  judgement: Judgement,
  policy: ResolvedPolicy,
  suiteOnFail: Readonly<Record<string, KillSwitchSetting>>,
): Array<{ suite?: string; setting: KillSwitchSetting }> {
  const failing = [...failingSuitesOf(judgement)];
  if (failing.length === 0) return [{ setting: policy.onFail }];
  return failing.map((suite) => ({ suite, setting: suiteOnFail[suite] ?? policy.onFail }));
}

/** The strongest kill switch among the failing suites (their own onFail, else the policy's). */
export function killSwitchFor(
  judgement: Judgement,
  policy: ResolvedPolicy,
  suiteOnFail: Readonly<Record<string, KillSwitchSetting>>,
): KillSwitch {
  let action: KillSwitch = 'none';
  for (const { setting } of requests(judgement, policy, suiteOnFail)) {
    const candidate = actionOfSetting(setting);
    if (STRENGTH[candidate] > STRENGTH[action]) action = candidate;
  }
  return action;
}

/** What each failing suite that asks for a rollback rolls back. */
export function rollbackScopesFor(
  judgement: Judgement,
  policy: ResolvedPolicy,
  suiteOnFail: Readonly<Record<string, KillSwitchSetting>>,
): RollbackRequest[] {
  return requests(judgement, policy, suiteOnFail)
    .filter(({ setting }) => actionOfSetting(setting) === 'rollback')
    .map(({ suite, setting }) => ({ ...(suite ? { suite } : {}), ...scopeOfSetting(setting) }));
}

/**
 * What a rollback leads to: the policy's afterRollback when every suite that did not fail passed,
 * else nothing (a suite still open must not be approved with the rest). A person's rejection and a
 * timeout never approve.
 */
function afterRollback(judgement: Judgement | undefined, policy: ResolvedPolicy): AfterRollback {
  const configured = policy.afterRollback ?? 'approve';
  const open = (judgement?.suites ?? []).some((suite) => suite.verdict === 'inconclusive');
  return open && configured === 'approve' ? 'none' : configured;
}

/** A kill switch decision, with its rollback when that is the action. */
function killing(
  killSwitch: KillSwitch,
  scopes: () => RollbackRequest[],
  afterwards: AfterRollback,
): Pick<Decision, 'approve' | 'killSwitch' | 'rollback'> {
  if (killSwitch !== 'rollback') return { approve: false, killSwitch };
  return { approve: false, killSwitch, rollback: { scopes: scopes(), afterwards } };
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
    const verb = approve ? 'approved' : 'rejected';
    const reason = `${verb} by ${override.actor}${override.reason ? `: ${override.reason}` : ''}`;
    if (approve) return { approve, killSwitch: 'none', reason };
    const judged = judgement ?? { verdict: 'fail', criteria: [] };
    let killSwitch = killSwitchFor(judged, policy, suiteOnFail);
    // A person who rejects wants the rollout stopped, whatever the report-only policy says.
    if (killSwitch === 'none') killSwitch = 'abort';
    const scopes = () => rollbackScopesFor(judged, policy, suiteOnFail);
    return { ...killing(killSwitch, scopes, 'none'), reason };
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
    const killSwitch = killSwitchFor(judgement, policy, suiteOnFail);
    const scopes = () => rollbackScopesFor(judgement, policy, suiteOnFail);
    return {
      ...killing(killSwitch, scopes, afterRollback(judgement, policy)),
      reason: failureReason(judgement),
    };
  }
  if (input.timedOut) {
    const setting = policy.onDecisionTimeout;
    const killSwitch = actionOfSetting(setting);
    const action =
      killSwitch === 'none' ? 'left for review in Statsig' : `default action ${killSwitch}`;
    return {
      ...killing(killSwitch, () => [scopeOfSetting(setting)], 'none'),
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
