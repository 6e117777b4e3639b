// What a pre-commit validation answers, from how it ended (workflows/pre-commit-answer.ts): only a
// pass is validated, the message names the failing criteria, the deadline policy says itself, and
// nothing outgrows what Statsig shows. Pure: no server.
import type { CriterionResult, Judgement } from '../../src/gate/wire';
import {
  deadlineAnswer,
  errorAnswer,
  judgedAnswer,
  MAX_MESSAGE_CHARS,
  notGatedAnswer,
} from '../../workflows/pre-commit-answer';

function criterion(
  name: string,
  verdict: CriterionResult['verdict'],
  extra: Partial<CriterionResult> = {},
): CriterionResult {
  return {
    suite: 'prompt-quality',
    name,
    metric: name,
    op: '>=',
    threshold: 0.8,
    observed: 0.5,
    verdict,
    reason: `${name} is ${verdict}`,
    ...extra,
  };
}

function judgement(verdict: Judgement['verdict'], criteria: CriterionResult[]): Judgement {
  return {
    verdict,
    criteria,
    suites: [{ suite: 'prompt-quality', verdict, score: 0, passScore: 100, reason: '' }],
  };
}

describe('a judged change', () => {
  it('is validated on a pass', () => {
    expect(
      judgedAnswer(judgement('pass', [criterion('quality', 'pass')]), 'chat', { dryRun: false }),
    ).toEqual({
      validated: true,
      message: 'rollout-gate: pass. Every blocking criterion of prompt-quality passed for chat.',
    });
  });

  it('is refused on a fail, naming the failing blocking criteria only', () => {
    const answer = judgedAnswer(
      judgement('fail', [
        criterion('quality', 'fail'),
        criterion('length', 'fail', { advisory: true }),
        criterion('latency', 'pass'),
      ]),
      'chat',
      { dryRun: false },
    );
    expect(answer).toEqual({
      validated: false,
      message: 'rollout-gate: fail. chat failed prompt-quality/quality: quality is fail.',
    });
  });

  it('is refused when inconclusive: nobody can settle it before Statsig stops waiting', () => {
    const answer = judgedAnswer(
      judgement('inconclusive', [criterion('quality', 'inconclusive')]),
      'chat',
      {
        dryRun: false,
      },
    );
    expect(answer.validated).toBe(false);
    expect(answer.message).toMatch(/^rollout-gate: inconclusive, so not validated/);
    expect(answer.message).toContain('prompt-quality/quality: quality is inconclusive');
  });

  it('is validated under a dry-run policy, saying what it would have answered', () => {
    const answer = judgedAnswer(judgement('fail', [criterion('quality', 'fail')]), 'chat', {
      dryRun: true,
    });
    expect(answer).toEqual({
      validated: true,
      message:
        'Dry run, validated anyway. rollout-gate: fail. chat failed prompt-quality/quality: quality is fail.',
    });
  });

  it(`names five failing criteria at most and keeps the message to ${MAX_MESSAGE_CHARS} characters`, () => {
    const many = Array.from({ length: 30 }, (_, index) =>
      criterion(`criterion-${index}`, 'fail', { reason: 'x'.repeat(300) }),
    );
    const answer = judgedAnswer(judgement('fail', many), 'chat', { dryRun: false });
    expect(answer.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(answer.message.endsWith('…')).toBe(true);
    const few = judgedAnswer(
      judgement(
        'fail',
        many.slice(0, 7).map((c) => ({ ...c, reason: 'r' })),
      ),
      'chat',
      {
        dryRun: false,
      },
    );
    expect(few.message).toContain('; and 2 more.');
  });
});

describe('answers that are not verdicts', () => {
  it('says which deadline policy answered, and what was still running', () => {
    expect(deadlineAnswer({ deadlineMs: 100_000, onDeadline: 'reject' }, ['s/b'])).toEqual({
      validated: false,
      message:
        "rollout-gate did not decide within 100 s; not validated by policy (preCommit.onDeadline: reject). Commit again to retry, or ask the gate's owners to raise preCommit.deadlineMs. Still running: s/b.",
    });
    expect(deadlineAnswer({ deadlineMs: 5_000, onDeadline: 'approve' }, [])).toEqual({
      validated: true,
      message:
        'rollout-gate did not decide within 5 s; validated by policy (preCommit.onDeadline: approve), without a verdict.',
    });
  });

  it('validates what has nothing to gate and refuses what could not be judged', () => {
    expect(notGatedAnswer('No config.')).toEqual({
      validated: true,
      message: 'rollout-gate: nothing was gated. No config.',
    });
    expect(errorAnswer('new_config.rules: expected array')).toEqual({
      validated: false,
      message: 'rollout-gate could not judge this change: new_config.rules: expected array',
    });
  });
});
