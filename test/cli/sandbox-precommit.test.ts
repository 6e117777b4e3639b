// `rollout-gate sandbox precommit` against a real receiver and worker: it sends Statsig's pre-commit
// webhook with the key, then shows what the sandbox's change_validation received, and exits by it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBin } from '../helpers/cli';
import { qualityGate } from '../helpers/gates';
import {
  PRE_COMMIT_PATH,
  type PreCommitStack,
  promptConfig,
  startPreCommitStack,
  validationsFor,
} from '../helpers/pre-commit';

const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-precommit-'));
function configFile(name: string, quality: number, version: number): string {
  const file = path.join(dir, `${name}-${quality}.json`);
  writeFileSync(file, JSON.stringify(promptConfig(name, quality, version)));
  return file;
}

let stack: PreCommitStack;

beforeAll(async () => {
  stack = await startPreCommitStack({ gate: qualityGate() });
});

afterAll(async () => {
  await stack?.stop();
});

function precommit(args: string[]) {
  return runBin(
    [
      'sandbox',
      'precommit',
      '--url',
      `${stack.receiverUrl}${PRE_COMMIT_PATH}`,
      '--sandbox',
      stack.sandbox.url,
      ...args,
    ],
    { env: { STATSIG_PRECOMMIT_WEBHOOK_KEY: stack.key }, timeoutMs: 120_000 },
  );
}

it('shows a refused change: the progress message, then the answer; exits 1', async () => {
  const run = await precommit([
    '--old',
    configFile('chat_prompt', 0.85, 3),
    '--new',
    configFile('chat_prompt', 0.5, 4),
    '--review-id',
    'cli_review_refused',
  ]);
  expect(run.stderr).toContain(
    'POST http://127.0.0.1:', // the receiver's URL as given
  );
  expect(run.stderr).toContain('(review cli_review_refused, dynamic_config chat_prompt, rules)');
  expect(run.stderr).toMatch(/HTTP 200 .*"status":"accepted"/);
  expect(run.stdout).toMatch(
    /^message: rollout-gate is running 1 benchmark\(s\) of prompt-quality/m,
  );
  expect(run.stdout).toMatch(
    /^change_validation: NOT validated: rollout-gate: fail\. chat_prompt failed prompt-quality\/quality >= 0\.8: quality = 0\.5 misses >= 0\.8\.$/m,
  );
  expect(run.stdout).toMatch(/^ {2}rollout-gate report: file:\/\/\S+\/report\.md$/m);
  expect(run.code).toBe(1);
  expect(
    validationsFor(stack.sandbox.sandbox, 'cli_review_refused').filter(
      (record) => record.kind === 'validation',
    ),
  ).toHaveLength(1);
});

it('shows a validated change and exits 0', async () => {
  const run = await precommit([
    '--old',
    configFile('chat_prompt', 0.85, 3),
    '--new',
    configFile('chat_prompt', 0.9, 4),
  ]);
  expect(run.stdout).toMatch(/^change_validation: validated: rollout-gate: pass\./m);
  expect(run.code).toBe(0);
});

it('exits 1 with the refusal when the key is wrong, and 2 without one', async () => {
  const wrong = await runBin(
    [
      'sandbox',
      'precommit',
      '--url',
      `${stack.receiverUrl}${PRE_COMMIT_PATH}`,
      '--key',
      'not-the-key-at-all',
    ],
    { timeoutMs: 60_000 },
  );
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain('HTTP 401');
  expect(wrong.stderr).toContain('PRECOMMIT_UNAUTHORIZED');
  const none = await runBin(['sandbox', 'precommit']);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('No key: pass --key or set STATSIG_PRECOMMIT_WEBHOOK_KEY.');
});
