// `rollout-gate review …` against real reviews: find one, read it while its benchmark runs, decide it,
// and the exit codes of every refusal.
import { randomBytes } from 'node:crypto';
import { createReviewControl } from '../../src/reviews/control';
import { getFreePort } from '../../src/temporal/dev-server';
import { runBin } from '../helpers/cli';
import { type ControllableGate, controllableGate } from '../helpers/controllable-gate';
import { eventually, resultOf, startReview, workflowIdOf, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal';

let stack: Stack;
let gate: ControllableGate;
const TOKEN = randomBytes(24).toString('hex');

beforeAll(async () => {
  gate = controllableGate();
  stack = await startStack({
    gate: gate.gate,
    seed: testSeed(),
    receiver: (client) => ({
      reviewApi: { tokens: [TOKEN], control: createReviewControl(client) },
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

const temporalEnv = () => ({
  TEMPORAL_ADDRESS: testTemporalAddress(),
  TEMPORAL_UI_URL: 'http://ui.example:8080',
});
const review = (args: string[], env: Record<string, string> = {}) =>
  runBin(['review', ...args], { env: { ...temporalEnv(), ...env } });

async function heldReview(quality = 0.99) {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality });
  const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
  const handle = await startReview(stack, trigger);
  await control.started;
  return { trigger, control, workflowId: handle.workflowId };
}

it('shows a running review: stage, benchmarks, where to look and how to decide', async () => {
  const { trigger, control, workflowId } = await heldReview();
  const byId = await review(['show', workflowId]);
  expect(byId.code).toBe(0);
  expect(byId.stdout).toContain(`Review ${workflowId}: RUNNING`);
  expect(byId.stdout).toMatch(/stage\s+run benchmarks/);
  expect(byId.stdout).toMatch(/running\s+prompt-quality\/score/);
  expect(byId.stdout).toMatch(new RegExp(`entity\\s+${trigger.dynamicConfigID}`));
  expect(byId.stdout).toContain(
    `Temporal UI: http://ui.example:8080/namespaces/default/workflows/${workflowId}`,
  );
  expect(byId.stdout).toContain(`rollout-gate review approve|reject ${workflowId}`);

  const byTrigger = await review([
    'show',
    '--trigger',
    trigger.id,
    '--phase',
    trigger.currentPhaseID ?? '',
    '--json',
  ]);
  expect(byTrigger.code).toBe(0);
  expect(JSON.parse(byTrigger.stdout)).toMatchObject({
    review: { workflowId, status: 'RUNNING', decision: 'pending' },
    progress: { stage: 'run benchmarks' },
  });
  control.release();
  await resultOf(stack, trigger);
});

it('rejects a review mid-run as the named person: exactly one abort reaches Statsig', async () => {
  const { trigger, workflowId } = await heldReview();
  const { code, stdout } = await review([
    'reject',
    workflowId,
    '--actor',
    'ana@example.com',
    '--reason',
    'known bad prompt',
  ]);
  expect(code).toBe(0);
  expect(stdout).toContain(`Rejected ${workflowId} as ana@example.com`);
  expect(await resultOf(stack, trigger)).toMatchObject({
    action: 'aborted',
    override: { decision: 'reject', actor: 'ana@example.com', reason: 'known bad prompt' },
  });
  expect(writesFor(stack, trigger)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/abort`]);
});

it('approves by trigger and phase, recording ROLLOUT_GATE_ACTOR as the person', async () => {
  const { trigger } = await heldReview();
  const { code } = await review(
    ['approve', '--trigger', trigger.id, '--phase', trigger.currentPhaseID ?? ''],
    { ROLLOUT_GATE_ACTOR: 'oncall-bot' },
  );
  expect(code).toBe(0);
  expect(await resultOf(stack, trigger)).toMatchObject({
    action: 'approved',
    override: { decision: 'approve', actor: 'oncall-bot' },
  });
});

it('lists finished reviews by entity and verdict, and shows the report of one', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.2 });
  await startReview(stack, trigger);
  await resultOf(stack, trigger);
  const entity = trigger.dynamicConfigID ?? '';
  // Visibility lags behind the workflow's end by a moment.
  await eventually(async () => {
    for await (const execution of stack.client.workflow.list({
      query: `RolloutTriggerID = "${trigger.id}" AND RolloutVerdict = "fail" AND ExecutionStatus = "Completed"`,
    })) {
      return execution.workflowId;
    }
    return undefined;
  });
  // Other test files release the same entity names on this server: the trigger keeps it to ours.
  const ours = ['--entity', entity, '--trigger', trigger.id];
  const listed = await review(['list', ...ours, '--verdict', 'fail']);
  expect(listed.code).toBe(0);
  const [header, row, ...others] = listed.stdout.trim().split('\n');
  expect(header).toMatch(/^REVIEW\s+STATUS\s+ENTITY\s+VERDICT\s+DECISION\s+STARTED$/);
  expect(row).toMatch(
    new RegExp(`^${workflowIdOf(trigger)}\\s+COMPLETED\\s+${entity}\\s+fail\\s+aborted\\s+\\d{4}-`),
  );
  expect(others).toEqual([]);

  const shown = await review(['show', workflowIdOf(trigger)]);
  expect(shown.stdout).toMatch(/verdict\s+fail/);
  expect(shown.stdout).toMatch(/action\s+aborted/);
  expect(shown.stdout).toMatch(/FAIL prompt-quality: quality = 0\.2 misses >= 0\.8/);

  const none = await review(['list', ...ours, '--verdict', 'pass']);
  expect([none.code, none.stdout.trim()]).toEqual([0, 'No reviews match.']);
});

it('exits 3 for an unknown review and 4 for a decision the review refuses', async () => {
  const missing = await review(['show', 'review-rpt_nope-rp_nope']);
  expect([missing.code, missing.stderr.trim()]).toEqual([3, 'no review review-rpt_nope-rp_nope']);

  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
  await startReview(stack, trigger);
  await resultOf(stack, trigger);
  const late = await review(['reject', workflowIdOf(trigger), '--actor', 'late']);
  expect(late.code).toBe(4);
  expect(late.stderr).toContain('has already finished (approved)');
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});

it('exits 2 for a filter or a limit it cannot use, before connecting anywhere', async () => {
  const nowhere = { TEMPORAL_ADDRESS: `127.0.0.1:${await getFreePort()}` };
  const { code, stderr } = await review(['list', '--status', 'sleeping'], nowhere);
  expect(code).toBe(2);
  expect(stderr).toContain('status must be one of Running, Completed');
  // The review API's bound too, so --url and Temporal directly accept the same limits.
  const tooMany = await review(['list', '--limit', '101'], nowhere);
  expect(tooMany.code).toBe(2);
  expect(tooMany.stderr).toContain('--limit is a whole number from 1 to 100.');
});

it('exits 5 with the address and a hint when Temporal does not answer', async () => {
  const address = `127.0.0.1:${await getFreePort()}`;
  const { code, stderr } = await review(['list'], { TEMPORAL_ADDRESS: address });
  expect(code).toBe(5);
  expect(stderr).toContain(`Could not connect to Temporal at ${address}, namespace default`);
  expect(stderr).toContain('Check TEMPORAL_ADDRESS');
});

describe('through a receiver (--url), without access to Temporal', () => {
  // No TEMPORAL_* at all: only the receiver's URL and the review API token.
  const viaApi = (args: string[], token = TOKEN) =>
    runBin(['review', ...args, '--url', stack.receiverUrl], { env: { REVIEW_API_TOKEN: token } });

  it('shows and approves a review, as the named person', async () => {
    const { trigger, workflowId } = await heldReview();
    const shown = await viaApi(['show', workflowId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/stage\s+run benchmarks/);
    const approved = await viaApi(['approve', workflowId, '--actor', 'ana']);
    expect([approved.code, approved.stdout]).toEqual([0, expect.stringContaining('Approved')]);
    expect(await resultOf(stack, trigger)).toMatchObject({
      action: 'approved',
      override: { actor: 'ana' },
    });
    const again = await viaApi(['reject', workflowId, '--actor', 'bob']);
    expect(again.code).toBe(4);
  });

  it('exits 3 for an unknown review, 1 with a hint for a wrong token, 5 when nothing answers', async () => {
    expect((await viaApi(['show', 'review-rpt_nope-rp_nope'])).code).toBe(3);
    const wrong = await viaApi(['list'], randomBytes(24).toString('hex'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'REVIEW_API_UNAUTHORIZED: a valid bearer token is required (check REVIEW_API_TOKEN)',
    );
    const url = `http://127.0.0.1:${await getFreePort()}`;
    const down = await runBin(['review', 'list', '--url', url], {
      env: { REVIEW_API_TOKEN: TOKEN },
    });
    expect(down.code).toBe(5);
    expect(down.stderr).toContain(`The review API at ${url} did not answer`);
  });
});
