// Statsig's pre-commit webhook end to end on the real dev server: the receiver starts one validation
// per review, the workflow runs the gate on new_config against old_config, and change_validation
// receives exactly one answer, whatever the verdict, duplicates or Statsig's errors.
import { defineGate } from '../../src/gate/define';
import type { GateDefinition, Target } from '../../src/gate/types';
import {
  newReviewID,
  type PreCommitStack,
  rulesChange,
  startPreCommitStack,
  validationResult,
  validationsFor,
} from '../helpers/pre-commit';
import { workflowExists } from '../receiver/helpers';

const UI = 'http://temporal-ui.test';
const seen: Array<{ name: string; role: string; quality: number }> = [];

/** Quality of new_config on its own, and no drop from old_config (measured in the same run). */
function qualityGate(): GateDefinition {
  return defineGate({
    suites: [
      {
        name: 'prompt-quality',
        benchmarks: [
          {
            name: 'score',
            async run({ target, role }: { target: Target; role: string }) {
              const quality = (target.value as { quality?: number } | null)?.quality ?? 0;
              seen.push({ name: target.name, role, quality });
              return { metrics: { quality } };
            },
          },
        ],
        criteria: [
          { name: 'quality', metric: 'quality', op: '>=', threshold: 0.8 },
          {
            name: 'no drop vs old_config',
            metric: 'quality',
            compare: 'delta',
            op: '>=',
            threshold: -0.05,
            test: 'none',
          },
        ],
      },
    ],
  });
}

let stack: PreCommitStack;

beforeAll(async () => {
  stack = await startPreCommitStack({ gate: qualityGate(), links: { temporalUiUrl: UI } });
});

afterAll(async () => {
  await stack?.stop();
});

describe('a rules change', () => {
  it('is validated when the gate passes, with one change_validation after its progress', async () => {
    const reviewID = newReviewID();
    const sent = await stack.sendPreCommit(
      rulesChange(reviewID, 'chat_prompt', { from: 0.85, to: 0.9 }),
    );
    expect(sent).toEqual({
      status: 200,
      body: { reviewID, status: 'accepted', workflowId: `precommit-${reviewID}` },
    });
    const result = await validationResult(stack.client, reviewID);
    expect(result).toMatchObject({
      outcome: 'judged',
      verdict: 'pass',
      validated: true,
      answer: { status: 'answered' },
    });
    // The candidate is new_config; the baseline old_config, measured beside it.
    expect(seen.filter((entry) => entry.name === 'chat_prompt')).toEqual(
      expect.arrayContaining([
        { name: 'chat_prompt', role: 'candidate', quality: 0.9 },
        { name: 'chat_prompt', role: 'baseline', quality: 0.85 },
      ]),
    );
    const received = validationsFor(stack.sandbox.sandbox, reviewID);
    expect(received.map((record) => record.kind)).toEqual(['message', 'validation']);
    expect(received[0]).toMatchObject({ message: expect.stringContaining('prompt-quality') });
    const [, validation] = received;
    expect(validation).toMatchObject({
      validated: true,
      message: expect.stringMatching(/^rollout-gate: pass/),
    });
    const links = validation?.kind === 'validation' ? (validation.debugLinks ?? []) : [];
    expect(links.map((link) => link.url)).toEqual([
      expect.stringMatching(/^file:\/\/.*\/report\.md$/),
      `${UI}/namespaces/default/workflows/precommit-${reviewID}`,
    ]);
  });

  it('is rejected when the gate fails, naming the failing criteria', async () => {
    const reviewID = newReviewID();
    const sent = await stack.sendPreCommit(
      rulesChange(reviewID, 'search_prompt', { from: 0.85, to: 0.5 }),
    );
    expect(sent.status).toBe(200);
    const result = await validationResult(stack.client, reviewID);
    expect(result).toMatchObject({ verdict: 'fail', validated: false });
    const validations = validationsFor(stack.sandbox.sandbox, reviewID).filter(
      (record) => record.kind === 'validation',
    );
    expect(validations).toHaveLength(1);
    expect(validations[0]).toMatchObject({ validated: false });
    expect(validations[0]?.message).toContain('prompt-quality/quality');
    expect(validations[0]?.message).toContain('prompt-quality/no drop vs old_config');
    expect(result.evaluation?.report.json).toMatch(/report\.json$/);
  });

  it('starts nothing more when Statsig delivers it again', async () => {
    const reviewID = newReviewID();
    const body = rulesChange(reviewID, 'chat_prompt', { from: 0.85, to: 0.86 });
    const first = await stack.sendPreCommit(body);
    const again = await stack.sendPreCommit(body);
    expect([first.body.status, again.body.status]).toEqual(['accepted', 'duplicate']);
    await validationResult(stack.client, reviewID);
    const third = await stack.sendPreCommit(body);
    expect(third.body.status).toBe('duplicate');
    expect(
      validationsFor(stack.sandbox.sandbox, reviewID).filter((r) => r.kind === 'validation'),
    ).toHaveLength(1);
  });
});

describe('changes without a config to judge', () => {
  it('validates a change type that carries no config, saying nothing was gated', async () => {
    const reviewID = newReviewID();
    const sent = await stack.sendPreCommit({
      review_id: reviewID,
      submitter: 'ada@example.com',
      committer: 'grace@example.com',
      config_type: 'gate',
      config_name: 'new_ranker',
      type: 'update_target_apps',
    });
    expect(sent.status).toBe(200);
    const result = await validationResult(stack.client, reviewID);
    expect(result).toMatchObject({ outcome: 'not-gated', validated: true, criteria: [] });
    const received = validationsFor(stack.sandbox.sandbox, reviewID);
    expect(received).toEqual([
      expect.objectContaining({
        kind: 'validation',
        validated: true,
        message:
          'rollout-gate: nothing was gated. A update_target_apps change carries no config to benchmark.',
      }),
    ]);
  });

  it('validates a change to a kind of entity the gate does not judge', async () => {
    const reviewID = newReviewID();
    await stack.sendPreCommit({
      review_id: reviewID,
      submitter: 'ada@example.com',
      committer: 'grace@example.com',
      config_type: 'segment',
      config_name: 'beta_users',
      type: 'rules',
      old_config: { id: 'beta_users', rules: [] },
      new_config: { id: 'beta_users', rules: [] },
    });
    const result = await validationResult(stack.client, reviewID);
    expect(result).toMatchObject({ outcome: 'not-gated', validated: true });
    expect(result.message).toContain('a segment change is validated without benchmarks');
  });
});

describe('the key', () => {
  it('answers 401 to a wrong or missing key and starts nothing', async () => {
    const reviewID = newReviewID();
    const body = rulesChange(reviewID, 'chat_prompt', { from: 0.85, to: 0.9 });
    const wrong = await stack.sendPreCommit(body, `${stack.key}x`);
    const missing = await stack.sendPreCommit(body, '');
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    expect(wrong.body).toMatchObject({ error: { code: 'PRECOMMIT_UNAUTHORIZED' } });
    expect(await workflowExists(stack.client, `precommit-${reviewID}`)).toBe(false);
    expect(validationsFor(stack.sandbox.sandbox, reviewID)).toEqual([]);
  });
});

describe('answering exactly once', () => {
  afterEach(() => stack.sandbox.sandbox.clearFaults());

  it('answers again after Statsig refused the answer with a 503, and once only', async () => {
    stack.sandbox.sandbox.addFault({
      method: 'POST',
      path: '/change_validation$',
      status: 503,
      times: 1,
    });
    const reviewID = newReviewID();
    const earlier = stack.sandbox.sandbox.calls.length;
    await stack.sendPreCommit(rulesChange(reviewID, 'chat_prompt', { from: 0.85, to: 0.9 }));
    const result = await validationResult(stack.client, reviewID);
    expect(result.answer).toEqual({ status: 'answered' });
    const posts = stack.sandbox.sandbox.calls
      .slice(earlier)
      .filter((call) => call.method === 'POST' && call.path.endsWith('/change_validation'));
    expect(posts.map((call) => call.status)).toEqual([503, 200]);
    expect(
      validationsFor(stack.sandbox.sandbox, reviewID).filter((r) => r.kind === 'validation'),
    ).toHaveLength(1);
  });

  it('never answers twice when an answer may have landed: Statsig took it, the reply was lost', async () => {
    // Statsig records the answer, then holds its reply past the client's 5 s timeout.
    stack.sandbox.sandbox.addFault({
      method: 'POST',
      path: '/change_validation$',
      responseDelayMs: 8_000,
      times: 1,
    });
    const reviewID = newReviewID();
    await stack.sendPreCommit(rulesChange(reviewID, 'chat_prompt', { from: 0.85, to: 0.5 }));
    const result = await validationResult(stack.client, reviewID);
    expect(result.answer).toMatchObject({
      status: 'unknown',
      error: expect.stringContaining('not answering twice'),
    });
    expect(
      validationsFor(stack.sandbox.sandbox, reviewID).filter((r) => r.kind === 'validation'),
    ).toEqual([expect.objectContaining({ validated: false })]);
  });
});
