// Resolves the review policy for one target and turns a verdict into a Statsig action. Pure, so the
// workflow runs it and every decision is in the review's history.
import type {
  GateDefinition,
  Judgement,
  KillSwitch,
  ResolvedPolicy,
  ReviewPolicy,
  Target,
} from './types';

export const DEFAULT_POLICY: ResolvedPolicy = {
  onFail: 'abort',
  onError: 'inconclusive',
  decisionTimeoutMs: 24 * 60 * 60 * 1000,
  onDecisionTimeout: 'none',
  dryRun: false,
  maxReruns: 2,
};

function defined(policy: ReviewPolicy | undefined): Partial<ResolvedPolicy> {
  return Object.fromEntries(
    Object.entries(policy ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<ResolvedPolicy>;
}

export function resolvePolicy(
  gate: GateDefinition,
  target: Pick<Target, 'id' | 'name'>,
  pipelineID: string,
): ResolvedPolicy {
  let policy: ResolvedPolicy = { ...DEFAULT_POLICY, ...defined(gate.policy) };
  for (const { match, policy: override } of gate.policies ?? []) {
    const pipelineMatches = match.pipelineID === undefined || match.pipelineID === pipelineID;
    const entityMatches =
      match.entity === undefined || match.entity === target.name || match.entity === target.id;
    if (pipelineMatches && entityMatches) policy = { ...policy, ...defined(override) };
  }
  return policy;
}

const STRENGTH: Record<KillSwitch, number> = { none: 0, abort: 1, disable: 2 };

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
