// `npm run demo` as a new user runs it: its own embedded dev server, its own sandbox, one approve,
// one abort, one region rolled back while the other is approved, the notifications each sent, and
// Temporal UI links that open.
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

it('shows one approve, one abort, one regional rollback and one pre-commit refusal, with their evidence, notifications and Temporal UI links', async () => {
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
  // The regional change passes in Europe and fails in South America: that rule alone goes back to
  // its released prompt, and the phase is approved for the rest.
  expect(output).toContain('FAIL suite prompt-quality-by-region@SouthAmerica: ');
  expect(output).toContain(
    'ok   suite prompt-quality-by-region@Europe: every blocking criterion passed',
  );
  expect(output).toMatch(/verdict: fail, action: rolled-back/);
  expect(output).toContain('rolled back rule SouthAmerica: back to its released prompt');
  expect(output).toContain('then: the phase approved for the other regions');
  expect(output).toMatch(/undo: rollout-gate review undo review-\S+-rp_regional_answer_regions/);
  expect(output).toContain('Statsig now: SouthAmerica serves the released prompt');
  expect(output).toContain('Statsig now: Europe serves the new prompt');
  expect(output).toMatch(/notified Slack: "regional_answer_prompt: ↩️ failing rules rolled back"/);
  expect(output).toMatch(
    /Statsig received 6 write\(s\): PUT \S+\/approve, PUT \S+\/abort, PATCH \S+\/dynamic_configs\/regional_answer_prompt\/rule\/rule_southamerica, PUT \S+\/approve, PATCH \S+\/change_validation\/message, POST \S+\/change_validation$/m,
  );
  // The example suites judge every story against the released version measured alongside.
  expect(output.match(/baseline: version 1, measured in the same review/g)).toHaveLength(3);
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
  ).toHaveLength(3);
  expect(reports).toHaveLength(4);
  expect(reports.every((file) => file.startsWith(reportsDir))).toBe(true);
  expect(await readFile(reports[1] ?? '', 'utf8')).toMatch(
    /^# Review of search_summary_prompt \(version 2\): ❌ fail/,
  );
  const links = [...output.matchAll(/Temporal UI: (http\S+)/g)].map((match) => match[1]);
  expect(links).toHaveLength(4);
  expect(
    links.map((link) => link?.replace(/workflows\/(review|precommit)-.*/, 'workflows/$1-')),
  ).toEqual([
    `http://127.0.0.1:${ui}/namespaces/default/workflows/review-`,
    `http://127.0.0.1:${ui}/namespaces/default/workflows/review-`,
    `http://127.0.0.1:${ui}/namespaces/default/workflows/review-`,
    `http://127.0.0.1:${ui}/namespaces/default/workflows/precommit-`,
  ]);
}, 300_000);
