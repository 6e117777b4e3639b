// `rollout-gate backtest`: reviews judged on the real dev server leave their reports and runs in the
// report store; re-judged with a changed gate config they flip (or not) without any benchmark
// running again, and --since leaves old reviews out.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateGate } from '../../src/gate/define';
import fixtureGate from '../fixtures/gate-run/gate';
import { ROOT, runBin } from '../helpers/cli';
import {
  newReviewID,
  type PreCommitStack,
  rulesChange,
  startPreCommitStack,
  validationResult,
} from '../helpers/pre-commit';

const GATE = path.join(ROOT, 'test', 'fixtures', 'gate-run', 'gate.ts');

/** The fixture gate with another quality threshold, as a team would edit it. */
function changedGate(threshold: number): string {
  const file = path.join(stack.reportsDir, `gate-${threshold}.ts`);
  const source = readFileSync(GATE, 'utf8').replace(
    "{ name: 'quality', metric: 'quality', op: '>=', threshold: 0.8 }",
    `{ name: 'quality', metric: 'quality', op: '>=', threshold: ${threshold} }`,
  );
  expect(source).toContain(`threshold: ${threshold} }`);
  writeFileSync(file, source);
  return file;
}

let stack: PreCommitStack;
let passed: string;
let failed: string;

beforeAll(async () => {
  stack = await startPreCommitStack({ gate: validateGate(fixtureGate) });
  passed = newReviewID();
  failed = newReviewID();
  await stack.sendPreCommit(rulesChange(passed, 'chat_prompt', { from: 0.85, to: 0.9 }));
  await stack.sendPreCommit(rulesChange(failed, 'search_prompt', { from: 0.85, to: 0.5 }));
  const results = await Promise.all([
    validationResult(stack.client, passed),
    validationResult(stack.client, failed),
  ]);
  expect(results.map((result) => result.verdict)).toEqual(['pass', 'fail']);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const backtest = (gate: string, extra: string[] = []) =>
  runBin(['backtest', '--gate', gate, '--reports', stack.reportsDir, ...extra], {
    timeoutMs: 90_000,
  });

it('flips a stored decision when a threshold is tightened, naming the criterion', async () => {
  const run = await backtest(changedGate(0.95));
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('over 2 stored review(s)');
  expect(run.stdout).toContain('1 decision would flip:');
  expect(run.stdout).toContain(`precommit-${passed} (chat_prompt, version 4, `);
  expect(run.stdout).toMatch(/: pass → fail\n/);
  expect(run.stdout).toContain(
    '    - prompt-quality/quality: pass → fail (observed 0.9, threshold >= 0.8 → >= 0.95): quality = 0.9 misses >= 0.95',
  );
  expect(run.stdout).toContain('1 unchanged.');
});

it('flips nothing with the gate config the reviews were judged with', async () => {
  const run = await backtest(GATE);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('0 decisions would flip:');
  expect(run.stdout).toContain('2 unchanged.');
});

it('keeps a rejected change rejected when only one of its failing criteria is loosened (--json)', async () => {
  const run = await backtest(changedGate(0.4), ['--json']);
  expect(run.code).toBe(0);
  const answer = JSON.parse(run.stdout) as {
    reviews: Array<{ review: string; result: { before: string; after: string } }>;
  };
  const byReview = Object.fromEntries(
    answer.reviews.map((review) => [review.review, [review.result.before, review.result.after]]),
  );
  // The delta criterion still fails the weaker prompt: loosening one threshold is not enough.
  expect(byReview).toEqual({
    [`precommit-${passed}`]: ['pass', 'pass'],
    [`precommit-${failed}`]: ['fail', 'fail'],
  });
});

it('leaves out reviews reported before --since', async () => {
  // A copy of the passing review, reported 60 days ago.
  const review = `precommit-${passed}`;
  const [runId] = readdirSync(path.join(stack.reportsDir, review));
  const copy = path.join(stack.reportsDir, 'review-old-trigger-phase', String(runId));
  cpSync(path.join(stack.reportsDir, review, String(runId)), copy, { recursive: true });
  const file = path.join(copy, 'report.json');
  const report = JSON.parse(readFileSync(file, 'utf8'));
  report.subject.workflowId = 'review-old-trigger-phase';
  report.generatedAt = new Date(Date.now() - 60 * 86_400_000).toISOString();
  writeFileSync(file, JSON.stringify(report));
  const tightened = changedGate(0.95);
  const all = await backtest(tightened);
  expect(all.stdout).toContain('2 decisions would flip:');
  const recent = await backtest(tightened, ['--since', '30d']);
  expect(recent.stdout).toContain('over 2 stored review(s) from the last 30d');
  expect(recent.stdout).toContain('1 decision would flip:');
  expect(recent.stdout).not.toContain('review-old-trigger-phase');
  const bad = await backtest(tightened, ['--since', 'a month']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(
    "--since is a number and a unit (m, h, d, w), e.g. 30d, not 'a month'.",
  );
});
