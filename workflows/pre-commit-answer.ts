// What a pre-commit validation answers Statsig, from how it ended: validated or not, and the message
// people read beside the change (the verdict, the failing criteria, or the policy that answered).
// Pure, and unit-tested without a server (test/workflow/pre-commit-answer.test.ts).
import type { CriterionResult, Judgement } from '../src/gate/wire';
import type { ResolvedPreCommit } from './pre-commit-contract';

/** Statsig shows the message beside the change; longer ones are cut, ending with an ellipsis. */
export const MAX_MESSAGE_CHARS = 1_000;
/** Failing criteria named in the message; the report has them all. */
const CRITERIA_IN_MESSAGE = 5;

export interface PreCommitAnswer {
  validated: boolean;
  message: string;
}

function clip(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS
    ? message
    : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

function named(criterion: CriterionResult): string {
  return `${criterion.suite}/${criterion.name ?? criterion.metric}`;
}

/** `suite/criterion: reason` for the blocking criteria with this verdict, a few at most. */
function criteriaList(judgement: Judgement, verdict: 'fail' | 'inconclusive'): string {
  const listed = judgement.criteria.filter(
    (criterion) => criterion.verdict === verdict && !criterion.advisory,
  );
  const shown = listed.slice(0, CRITERIA_IN_MESSAGE).map((c) => `${named(c)}: ${c.reason}`);
  const more = listed.length > shown.length ? `; and ${listed.length - shown.length} more` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * The answer for a judged change. Only a pass is validated: an inconclusive verdict has nobody to
 * settle it within Statsig's 2 minutes. A dry-run policy validates and says what it would have done.
 */
export function judgedAnswer(
  judgement: Judgement,
  entity: string,
  options: { dryRun: boolean },
): PreCommitAnswer {
  const { verdict } = judgement;
  const suites = (judgement.suites ?? []).map((suite) => suite.suite).join(', ');
  let answer: PreCommitAnswer;
  if (verdict === 'pass') {
    answer = {
      validated: true,
      message: `rollout-gate: pass. Every blocking criterion of ${suites || 'the gate'} passed for ${entity}.`,
    };
  } else if (verdict === 'fail') {
    const failing = criteriaList(judgement, 'fail');
    answer = {
      validated: false,
      message: `rollout-gate: fail. ${entity} failed ${failing || `suites ${suites}`}.`,
    };
  } else {
    const undecided = criteriaList(judgement, 'inconclusive');
    answer = {
      validated: false,
      message: `rollout-gate: inconclusive, so not validated (nobody can settle it before Statsig stops waiting).${undecided ? ` ${undecided}.` : ''}`,
    };
  }
  if (options.dryRun && !answer.validated) {
    return { validated: true, message: clip(`Dry run, validated anyway. ${answer.message}`) };
  }
  return { validated: answer.validated, message: clip(answer.message) };
}

/** The answer the policy gives when the gate has not decided by the deadline. */
export function deadlineAnswer(preCommit: ResolvedPreCommit, pending: string[]): PreCommitAnswer {
  const seconds = Math.round(preCommit.deadlineMs / 1000);
  const running = pending.length > 0 ? ` Still running: ${pending.join(', ')}.` : '';
  const message =
    preCommit.onDeadline === 'approve'
      ? `rollout-gate did not decide within ${seconds} s; validated by policy (preCommit.onDeadline: approve), without a verdict.${running}`
      : `rollout-gate did not decide within ${seconds} s; not validated by policy (preCommit.onDeadline: reject). Commit again to retry, or ask the gate's owners to raise preCommit.deadlineMs.${running}`;
  return { validated: preCommit.onDeadline === 'approve', message: clip(message) };
}

/** A change with nothing to judge is validated, and the message says why nothing was gated. */
export function notGatedAnswer(reason: string): PreCommitAnswer {
  return { validated: true, message: clip(`rollout-gate: nothing was gated. ${reason}`) };
}

/** A change the gate could not judge (unreadable configs, planning or judging failed) is refused. */
export function errorAnswer(reason: string): PreCommitAnswer {
  return { validated: false, message: clip(`rollout-gate could not judge this change: ${reason}`) };
}
