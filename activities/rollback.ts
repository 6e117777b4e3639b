// The scoped kill switch's reads and rule writes, and the undo's. Planning reads the phase's rules and
// the released version and says what each rule goes to; each rule is then written by its own
// activity on the Statsig writes queue (rate-limited like every write), at most once: the rule is
// read just before the call, so a retry finds an earlier attempt's write and makes none. An undo
// puts a rule back only while it still shows what the rollback set.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ReportStore } from '../src/gate/report/store';
import type { PhaseRule } from '../src/gate/types';
import type { RuleIdentity, RuleState } from '../src/gate/wire';
import { chooseBaseline } from '../src/statsig/baseline';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import { StatsigApiError } from '../src/statsig/errors';
import { asPhaseRule, asPipelineRule, rolledOutBy, rulesInScope } from '../src/statsig/phase-rules';
import { findRule, rollbackChange, ruleLabel, shows } from '../src/statsig/rule-changes';
import { type EntityRef, FAILURE, type WriteResult, waitsForReview } from '../workflows/contract';
import type {
  PlanRollbackInput,
  RestoreResult,
  RollbackActivities,
  UndoActivities,
} from '../workflows/rollback-contract';
import { cancellation } from './context';
import { toFailure } from './failures';
import { resolveVersion } from './snapshots';
import type { TriggerReader } from './statsig-reads';

const DONE: WriteResult = { status: 'done' };
const ALREADY_DONE: WriteResult = { status: 'already-done' };

/** The ID a rule's PATCH path names; a rule Statsig gave neither ID nor base ID cannot be written. */
function pathID(rule: PhaseRule): string {
  const id = rule.id ?? rule.baseID;
  if (id === null) {
    throw ApplicationFailure.nonRetryable(`rule ${rule.name ?? '?'} has no ID to write it by`);
  }
  return id;
}

function unconfirmed(entity: EntityRef, rule: PhaseRule): never {
  throw ApplicationFailure.create({
    type: FAILURE.statsigWriteUnconfirmed,
    message: `Statsig answered the update of rule ${rule.name ?? rule.id} of ${entity.id} with a body it does not document, and the rule does not show it yet`,
  });
}

/** The rule as it is now on the entity (found by ID or base ID: its ID may have changed). */
async function ruleNow(
  statsig: StatsigConsoleClient,
  entity: EntityRef,
  rule: RuleIdentity,
): Promise<PhaseRule | undefined> {
  const read = await statsig.getEntity(entity.kind, entity.id, cancellation());
  return findRule(read.rules, rule);
}

/** Writes `to` on the rule; settles an unconfirmed or refused answer by reading the rule back. */
async function writeRule(
  statsig: StatsigConsoleClient,
  entity: EntityRef,
  rule: PhaseRule,
  to: RuleState,
): Promise<WriteResult> {
  const showsNow = async () => {
    const now = await ruleNow(statsig, entity, rule).catch(() => undefined);
    return now !== undefined && shows(now, to);
  };
  try {
    const id = pathID(rule);
    const answer = await statsig.updateRule(entity.kind, entity.id, id, to, cancellation());
    if (answer.confirmed || (await showsNow())) return DONE;
    return unconfirmed(entity, rule);
  } catch (error) {
    // Statsig refused the update: if the rule shows it anyway, someone made it meanwhile.
    if (
      error instanceof StatsigApiError &&
      error.code === 'STATSIG_BAD_REQUEST' &&
      (await showsNow())
    ) {
      return ALREADY_DONE;
    }
    return toFailure(error);
  }
}

export function createRollbackActivities(
  statsig: StatsigConsoleClient,
  triggers: TriggerReader,
  reports: ReportStore,
): Omit<RollbackActivities, 'pauseRollout'> {
  /** The pipeline's rules for the phase; none (so every rule) when the pipeline lacks the phase. */
  async function pipelineRules(input: PlanRollbackInput, pipelineID: string) {
    if (input.phase) return input.phase.pipelineRules;
    const pipeline = await triggers.pipeline(pipelineID);
    const phase = pipeline.phases.find((candidate) => candidate.id === input.phaseID);
    return (phase?.rules ?? []).map(asPipelineRule);
  }

  /** The released version's rules: the review's baseline, else chosen from /versions now. */
  async function baselineRules(input: PlanRollbackInput): Promise<unknown[] | null> {
    if (input.baselineRef) {
      return (await resolveVersion(reports, { targetRef: input.baselineRef }))?.rules ?? null;
    }
    const versions = await statsig.allVersions(input.kind, input.id, cancellation());
    const choice = chooseBaseline(versions, input);
    return choice.entity ? choice.entity.rules : null;
  }

  return {
    async planRollback(input) {
      try {
        const { state } = await triggers.readTrigger(input.triggerID, input.phaseID);
        if (!waitsForReview(state, input.phaseID)) return { status: 'superseded', trigger: state };
        const entity = await statsig.getEntity(input.kind, input.id, cancellation());
        const phaseRules = rolledOutBy(
          await pipelineRules(input, state.releasePipelineID),
          entity.rules.map(asPhaseRule),
        );
        const perScope = input.scopes.map((scope) => rulesInScope(phaseRules, scope));
        const chosen = phaseRules.filter((rule) => perScope.some((rules) => rules.includes(rule)));
        const baseline =
          input.kind === 'dynamic_config' && chosen.length > 0 ? await baselineRules(input) : null;
        return {
          status: 'planned',
          changes: chosen.map((rule) => rollbackChange(input.kind, rule, baseline)),
          matched: perScope.map((rules) => rules.length),
          phaseRules: phaseRules.length,
        };
      } catch (error) {
        return toFailure(error);
      }
    },

    /**
     * One rule to its rollback state. A rule that shows it already (an earlier attempt's call
     * landed, or someone set it) is not written again; a trigger a person moved on is left alone.
     */
    async rollbackRule(input) {
      try {
        const { state } = await triggers.readTrigger(input.triggerID, input.phaseID);
        const rule = await ruleNow(statsig, input, input.change.rule);
        if (!rule) return { status: 'missing' };
        if (shows(rule, input.change.after)) return ALREADY_DONE;
        if (!waitsForReview(state, input.phaseID)) return { status: 'superseded', trigger: state };
        return await writeRule(statsig, input, rule, input.change.after);
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}

export function createUndoActivities(
  statsig: StatsigConsoleClient,
  triggers: TriggerReader,
): UndoActivities {
  return {
    /**
     * Puts one rule back to what it was before the rollback, only while it still shows what the
     * rollback set: a rule someone changed since is theirs, and is left as it is.
     */
    async restoreRule(input): Promise<RestoreResult> {
      const { change } = input;
      const label = ruleLabel(change.rule);
      try {
        const rule = await ruleNow(statsig, input, change.rule);
        if (!rule) {
          return {
            status: 'refused',
            reason: 'rule-not-found',
            detail: `rule ${label} is no longer on ${input.id}`,
          };
        }
        if (shows(rule, change.before)) {
          // On a retry this is our own earlier call having landed.
          if (Context.current().info.attempt > 1) return { status: 'restored' };
          return {
            status: 'refused',
            reason: 'already-restored',
            detail: `rule ${label} already shows what it was before the rollback`,
          };
        }
        if (!shows(rule, change.after)) {
          return {
            status: 'refused',
            reason: 'changed-since',
            detail: `rule ${label} was changed after the rollback; it is left as it is`,
          };
        }
        await writeRule(statsig, input, rule, change.before);
        return { status: 'restored' };
      } catch (error) {
        return toFailure(error);
      }
    },

    /** Resumes the trigger the review paused, if it is still paused (at most one call). */
    async unpauseRollout(input): Promise<RestoreResult> {
      try {
        const { trigger } = await triggers.readTrigger(input.triggerID, input.phaseID);
        if (trigger.status !== 'PAUSED') {
          const last = trigger.actions.at(-1);
          // On a retry, an UNPAUSED last action is our own earlier call having landed.
          if (Context.current().info.attempt > 1 && last?.type === 'UNPAUSED') {
            return { status: 'restored' };
          }
          return {
            status: 'refused',
            reason: 'not-paused',
            detail: `trigger ${input.triggerID} is ${trigger.status}, no longer paused`,
          };
        }
        const answer = await statsig.unpauseTrigger(input.triggerID, input.phaseID, cancellation());
        if (!answer.confirmed) {
          const now = await triggers.readTrigger(input.triggerID, input.phaseID);
          if (now.trigger.status === 'PAUSED') {
            throw ApplicationFailure.create({
              type: FAILURE.statsigWriteUnconfirmed,
              message: `Statsig answered the unpause of ${input.triggerID} with a body it does not document, and the trigger is still paused`,
            });
          }
        }
        return { status: 'restored' };
      } catch (error) {
        return toFailure(error);
      }
    },
  };
}
