// Reviews against Statsig's real shapes, end to end: both readings of `currentPhaseID` approve each
// phase exactly once with its own phaseID, and answers Statsig may give that surprise us (2xx bodies
// we cannot read, statuses and action types it does not document yet) never lose a review or make a
// write twice.
import type { SandboxOptions } from '../../src/sandbox';
import type { ReviewReport } from '../../workflows/contract';
import { qualityGate } from '../helpers/gates';
import { faultTriggerReads, resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const stacks: Stack[] = [];

async function stackWith(sandbox: Partial<SandboxOptions> = {}): Promise<Stack> {
  const stack = await startStack({ gate: qualityGate(), seed: testSeed(), sandbox });
  stacks.push(stack);
  return stack;
}

afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
});

/** The phaseIDs of the approve calls Statsig received for a trigger, in order. */
function approvedPhases(stack: Stack, triggerID: string): unknown[] {
  return stack.sandbox.sandbox
    .successfulWrites()
    .filter((call) => call.path.endsWith(`/${triggerID}/approve`))
    .map((call) => (call.requestBody as { phaseID?: unknown }).phaseID);
}

describe.each(['waiting-phase', 'last-completed'] as const)(
  'currentPhaseID naming the %s',
  (reading) => {
    it('approves each reviewed phase exactly once, with that phase', async () => {
      const stack = await stackWith({ currentPhaseReading: reading });
      const { sandbox } = stack.sandbox;
      const trigger = releaseConfig(sandbox, { quality: 0.9 });
      const first = sandbox.waitingPhase(trigger.id);
      await startReview(stack, trigger);
      expect(await resultOf(stack, trigger)).toMatchObject({
        outcome: 'decided',
        action: 'approved',
      });

      // The first phase's time passes: the second waits for review.
      sandbox.advanceTrigger(trigger.id);
      const second = sandbox.waitingPhase(trigger.id);
      const waiting = sandbox.getTrigger(trigger.id);
      expect(waiting?.status).toBe('WAITING_FOR_REVIEW');
      // The two readings differ exactly here, and the review must not care.
      expect(waiting?.currentPhaseID).toBe(reading === 'waiting-phase' ? second : first);
      await startReview(stack, trigger);
      const report = (await resultOf(stack, trigger)) as ReviewReport;
      expect(report).toMatchObject({ outcome: 'decided', action: 'approved' });
      expect(report.request.phaseID).toBe(second);

      expect(approvedPhases(stack, trigger.id)).toEqual([first, second]);
    });
  },
);

describe('answers that surprise', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await stackWith();
  });

  afterEach(() => {
    stack.sandbox.sandbox.clearFaults();
  });

  it.each(['malformed-json', 'wrong-shape', 'unknown-enums'] as const)(
    'an approve answered with a %s body still approves, once',
    async (corrupt) => {
      const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
      stack.sandbox.sandbox.addFault({
        method: 'PUT',
        path: `/${trigger.id}/approve$`,
        corrupt,
        times: 1,
      });
      await startReview(stack, trigger);
      expect(await resultOf(stack, trigger)).toMatchObject({
        outcome: 'decided',
        action: 'approved',
      });
      expect(writesFor(stack, trigger)).toEqual([
        `PUT /release_pipeline_triggers/${trigger.id}/approve`,
      ]);
    },
  );

  it('a trigger read answered with a body it cannot read is read again', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
      corrupt: 'wrong-shape',
      times: 1,
    });
    await startReview(stack, trigger);
    expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved' });
    expect(writesFor(stack, trigger)).toHaveLength(1);
  });

  it('a status Statsig does not document is no review to act on, and says so', async () => {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
      corrupt: 'unknown-enums',
    });
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    expect(report).toMatchObject({ outcome: 'superseded', action: 'none' });
    expect(report.reason).toMatch(/^trigger is [A-Z_]+, no longer waiting for review of phase /);
    expect(report.reason).not.toContain('WAITING_FOR_REVIEW');
    expect(writesFor(stack, trigger)).toEqual([]);
  });
});
