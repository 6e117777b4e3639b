// Resolves the review policy for one target: the gate's defaults, then every matching override.
// Pure; the plan carries the result into the workflow, which decides with it (workflows/decide.ts).
import type { GateDefinition, ReviewPolicy, Target } from './types';
import type { ResolvedPolicy } from './wire';

export const DEFAULT_POLICY: ResolvedPolicy = {
  onFail: 'abort',
  onError: 'inconclusive',
  decisionTimeoutMs: 24 * 60 * 60 * 1000,
  onDecisionTimeout: 'none',
  dryRun: false,
  maxReruns: 2,
  afterRollback: 'approve',
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
