// The scoped kill switch in the review: plan which of the phase's rules to roll back (a read), write
// each rule once through the Statsig writes queue, then approve the phase for the rest, pause the
// trigger, or leave it waiting, as the decision says. Only reviews whose decision is `rollback` run
// this, so histories recorded before it replay unchanged.
import type { RollbackRecord, RollbackRequest } from '../src/gate/wire';
import { rollbackReads, statsigWriteActivities } from './activity-options';
import type { TargetSummary, TriggerState } from './contract';
import type { Decision } from './decide';
import type { RollbackActivities } from './rollback-contract';
import type { ReviewState } from './state';

export interface RolledBack {
  record: RollbackRecord;
  /** Set when the trigger stopped waiting for this review on the way (a person moved it on). */
  superseded?: TriggerState;
  /** What the report's reason adds to the decision's. */
  summary: string;
}

/** How a rollback's scope reads in a reason: the suite that asked, and what it narrowed to. */
function scopeText(scope: RollbackRequest): string {
  const parts = [
    ...(scope.environments ? [`environments ${scope.environments.join(', ')}`] : []),
    ...(scope.rules ? [`rules ${scope.rules.join(', ')}`] : []),
    ...(scope.condition ? [`condition ${JSON.stringify(scope.condition)}`] : []),
  ];
  const what = parts.length > 0 ? parts.join('; ') : "the phase's rules";
  return scope.suite ? `${scope.suite} (${what})` : what;
}

/** Rolls back what the decision says and takes the step after; never throws for a superseded trigger. */
export async function rollBack(state: ReviewState, decision: Decision): Promise<RolledBack> {
  const { request } = state;
  const target = state.target as TargetSummary;
  const asked = decision.rollback ?? { scopes: [{}], afterwards: 'none' as const };
  const phase = { triggerID: request.triggerID, phaseID: request.phaseID };
  const entity = { kind: target.kind, id: target.id };
  const writes = statsigWriteActivities<RollbackActivities>();
  const record: RollbackRecord = { entity, scopes: asked.scopes, rules: [], afterwards: 'none' };
  state.rollback = record;
  const baselineRef = state.baseline?.targetRef;
  const planned = await rollbackReads.planRollback({
    ...phase,
    ...entity,
    ...(state.phase ? { phase: state.phase } : {}),
    scopes: asked.scopes,
    version: target.version,
    ...(target.configHash ? { configHash: target.configHash } : {}),
    ...(baselineRef ? { baselineRef } : {}),
  });
  if (planned.status === 'superseded') {
    return { record, superseded: planned.trigger, summary: 'nothing rolled back' };
  }
  record.scopes = asked.scopes.map((scope, index) => ({
    ...scope,
    matched: planned.matched[index] ?? 0,
  }));
  const missing: string[] = [];
  for (const change of planned.changes) {
    const written = await writes.rollbackRule({ ...phase, ...entity, change });
    if (written.status === 'superseded') {
      return { record, superseded: written.trigger, summary: rulesText(record) };
    }
    if (written.status === 'missing') missing.push(change.rule.name ?? change.rule.id ?? '?');
    else record.rules.push({ ...change, status: written.status });
  }
  const empty = record.scopes.filter((scope) => scope.matched === 0);
  let afterwards = asked.afterwards;
  if (empty.length > 0 && afterwards !== 'none') {
    afterwards = 'none';
    record.afterwardsReason = `nothing of the phase's rules matched ${empty.map(scopeText).join('; ')}: the phase is left waiting for review`;
  } else if (missing.length > 0 && afterwards !== 'none') {
    afterwards = 'none';
    record.afterwardsReason = `rule(s) ${missing.join(', ')} were gone before they could be rolled back: the phase is left waiting for review`;
  } else if (afterwards === 'approve' && planned.changes.length >= (planned.phaseRules ?? 0)) {
    // Approving lets the pipeline move on: with every rule of the phase rolled back, no rest passed.
    afterwards = 'none';
    record.afterwardsReason =
      'every rule the phase rolls out was rolled back, so nothing is left to approve: the phase is left waiting for review';
  }
  if (afterwards === 'approve') {
    const approved = await statsigWriteActivities().approvePhase(phase);
    if (approved.status === 'superseded') {
      return { record, superseded: approved.trigger, summary: rulesText(record) };
    }
    record.afterwards = 'approved';
  } else if (afterwards === 'pause') {
    const paused = await writes.pauseRollout(phase);
    if (paused.status === 'superseded') {
      return { record, superseded: paused.trigger, summary: rulesText(record) };
    }
    record.afterwards = 'paused';
  }
  return { record, summary: `${rulesText(record)}; ${afterwardsText(record)}` };
}

function rulesText(record: RollbackRecord): string {
  if (record.rules.length === 0) return 'no rule rolled back';
  const names = record.rules.map((rule) => rule.rule.name ?? rule.rule.id ?? '?');
  return `rolled back ${record.rules.length} rule(s): ${names.join(', ')}`;
}

function afterwardsText(record: RollbackRecord): string {
  if (record.afterwards === 'approved') return 'the phase approved for the rest';
  if (record.afterwards === 'paused') return 'the trigger paused';
  return record.afterwardsReason ?? 'the phase is left waiting for review';
}
