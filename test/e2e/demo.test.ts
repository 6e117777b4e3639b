// `npm run demo` as a new user runs it: its own embedded dev server, its own sandbox, one approve and
// one abort, the notifications each sent, and Temporal UI links that open.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getFreePort } from '../../src/temporal/dev-server';

const ROOT = path.resolve(__dirname, '../..');

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['src/cli.ts', 'demo', '--once', '--port', env.SANDBOX_PORT ?? ''],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('shows one approve, one abort and one pre-commit refusal, with their evidence, notifications and Temporal UI links', async () => {
  const [grpc, ui, receiver, sandbox] = [
    await getFreePort(),
    await getFreePort(),
    await getFreePort(),
    await getFreePort(),
  ];
  const reportsDir = await mkdtemp(path.join(tmpdir(), 'demo-reports-'));
  const { code, output } = await runDemo({
    GATE_REPORTS_DIR: reportsDir,
    TEMPORAL_DEV_PORT: String(grpc),
    TEMPORAL_DEV_UI_PORT: String(ui),
    PORT: String(receiver),
    SANDBOX_PORT: String(sandbox),
    TEMPORAL_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'demo-data-')),
    TEMPORAL_ADDRESS: '',
  });
  expect(code).toBe(0);
  expect(output).toMatch(/verdict: pass, action: approved/);
  expect(output).toMatch(/verdict: fail, action: aborted/);
  expect(output).toMatch(/trigger \S+ is IN_PROGRESS/);
  expect(output).toMatch(/trigger \S+ is ABORTED/);
  // The pre-commit story: a progress message, then one answer refusing the change.
  expect(output).toMatch(/receiver: 200 accepted, validation precommit-demo_review_\w+/);
  expect(output).toMatch(/Statsig shows: rollout-gate is running \d+ benchmark\(s\)/);
  expect(output).toMatch(
    /change_validation: NOT validated: rollout-gate: fail\. chat_assistant_prompt failed /,
  );
  expect(output).toMatch(
    /Statsig received 4 write\(s\): PUT \S+\/approve, PUT \S+\/abort, PATCH \S+\/change_validation\/message, POST \S+\/change_validation$/m,
  );
  // The three example suites judge both stories, against the released version measured alongside.
  expect(output.match(/baseline: version 1, measured in the same review/g)).toHaveLength(2);
  for (const suite of ['prompt-quality', 'latency-slo', 'prompt-lint']) {
    expect(output).toContain(`ok   suite ${suite}: every blocking criterion passed`);
    expect(output).toMatch(new RegExp(`FAIL suite ${suite}: `));
  }
  const reports = [...output.matchAll(/report: (\S+report\.md)/g)].map((match) => match[1] ?? '');
  // Each decision reached the sandbox's Slack and signed webhook sink.
  expect(output).toMatch(/notified Slack: "chat_assistant_prompt: ✅ approved"/);
  expect(output).toMatch(/notified Slack: "search_summary_prompt: 🛑 rollout aborted"/);
  expect(output).toMatch(
    /notified webhook: rollout_gate\.review\.decided \(signature verified\): every criterion passed/,
  );
  expect(
    output.match(/notified webhook: rollout_gate\.review\.decided \(signature verified\)/g),
  ).toHaveLength(2);
  expect(reports).toHaveLength(3);
  expect(reports.every((file) => file.startsWith(reportsDir))).toBe(true);
  expect(await readFile(reports[1] ?? '', 'utf8')).toMatch(
    /^# Review of search_summary_prompt \(version 2\): ❌ fail/,
  );
  const links = [...output.matchAll(/Temporal UI: (http\S+)/g)].map((match) => match[1]);
  expect(links).toHaveLength(3);
  expect(
    links.map((link) => link?.replace(/workflows\/(review|precommit)-.*/, 'workflows/$1-')),
  ).toEqual([
    `http://127.0.0.1:${ui}/namespaces/default/workflows/review-`,
    `http://127.0.0.1:${ui}/namespaces/default/workflows/review-`,
    `http://127.0.0.1:${ui}/namespaces/default/workflows/precommit-`,
  ]);
}, 300_000);
