// The pre-commit deadline on the real dev server: when the gate has not decided in time, the
// validation cancels what still runs and answers change_validation once, as preCommit.onDeadline says.
import { defineGate } from '../../src/gate/define';
import { controllableGate } from '../helpers/controllable-gate';
import {
  newReviewID,
  type PreCommitStack,
  rulesChange,
  startPreCommitStack,
  validationResult,
  validationsFor,
} from '../helpers/pre-commit';

async function deadlineStack(onDeadline: 'reject' | 'approve') {
  const controllable = controllableGate();
  const gate = defineGate({ ...controllable.gate, preCommit: { deadlineMs: 3_000, onDeadline } });
  const stack = await startPreCommitStack({ gate });
  return { stack, controllable };
}

describe.each([
  ['reject', false, /not validated by policy \(preCommit\.onDeadline: reject\)/],
  ['approve', true, /validated by policy \(preCommit\.onDeadline: approve\), without a verdict/],
] as const)('onDeadline: %s', (onDeadline, validated, message) => {
  let stack: PreCommitStack;
  let control: ReturnType<typeof controllableGate>['control'];

  beforeAll(async () => {
    const started = await deadlineStack(onDeadline);
    stack = started.stack;
    control = started.controllable.control;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers once by policy, naming what still ran, and cancels it', async () => {
    const held = control('held_prompt', { hold: true });
    const reviewID = newReviewID();
    await stack.sendPreCommit(rulesChange(reviewID, 'held_prompt', { from: 0.85, to: 0.9 }));
    await held.started;
    const result = await validationResult(stack.client, reviewID);
    expect(result).toMatchObject({
      outcome: 'deadline',
      validated,
      answer: { status: 'answered' },
    });
    expect(result.verdict).toBeUndefined();
    expect(result.message).toMatch(message);
    expect(result.message).toContain('did not decide within 3 s');
    expect(result.message).toContain('Still running: prompt-quality/score.');
    // Answered by the deadline, well before the held benchmark could have finished.
    expect(result.answeredAtMs - result.startedAtMs).toBeLessThan(60_000);
    const validations = validationsFor(stack.sandbox.sandbox, reviewID).filter(
      (record) => record.kind === 'validation',
    );
    expect(validations).toEqual([expect.objectContaining({ validated, message: result.message })]);
    held.release();
  });
});
