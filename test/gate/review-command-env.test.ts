// A command benchmark inside real reviews, on a worker whose environment holds what docker compose
// hands it from .env: the script sees an allow-listed environment only, and what it prints on a
// failure reaches the history, the stored report and Statsig's event stream redacted.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineGate } from '../../src/gate/define';
import { command } from '../../src/gate/kinds/command';
import { eventually, resultOf, startReview, workflowIdOf } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const LEAKS = ['console-AbCdEf123456789', 'secret-XyZ987654321ab', 'Bearer abc.def.ghi12345'];

// Mode `env`: writes its environment to the file the version names and succeeds. Mode `leak`:
// prints keys (and the worker secret it was handed) to stderr and fails.
const SCRIPT = `const fs = require('node:fs');
const value = JSON.parse(fs.readFileSync(process.env.ROLLOUT_GATE_TARGET_FILE, 'utf8')).value;
if (value.mode === 'leak') {
  console.error('model call failed with ${LEAKS.join(' ')} and ' + process.env.WORKER_KEY);
  process.exit(1);
}
fs.writeFileSync(value.envFile, JSON.stringify(process.env));
console.log(JSON.stringify({ metrics: { ok: 1 } }));`;

const WORKER_ENV = {
  POSTGRES_PASSWORD: 'postgres-password-0123456789',
  GRAFANA_ADMIN_PASSWORD: 'grafana-password-0123456789',
  STATSIG_CONSOLE_API_KEY: 'console-workerkey0123456789',
};

let stack: Stack;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'command-env-'));
  Object.assign(process.env, WORKER_ENV);
  const gate = defineGate({
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'offline-eval',
        benchmarks: [
          command({
            name: 'script',
            command: process.execPath,
            args: ['-e', SCRIPT],
            // A worker secret handed over on purpose: the worker redacts it from failures anyway.
            env: () => ({ EVAL_MODE: 'named', WORKER_KEY: stack.serverSecret }),
            metrics: ['ok'],
            retries: 0,
          }),
        ],
        criteria: [{ metric: 'ok', op: '>=', threshold: 1 }],
      },
    ],
  });
  stack = await startStack({ gate, seed: testSeed(), recordResults: true });
});

afterAll(async () => {
  process.env = saved;
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

it("a command benchmark sees PATH, HOME and what it names, never the worker's other variables", async () => {
  const envFile = path.join(dir, 'env.json');
  const trigger = releaseConfig(stack.sandbox.sandbox, { mode: 'env', envFile });
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ verdict: 'pass', action: 'approved' });
  const seen = JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>;
  for (const name of Object.keys(WORKER_ENV)) expect(seen).not.toHaveProperty(name);
  expect(seen).toMatchObject({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EVAL_MODE: 'named',
  });
  const allowed =
    /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|TZ|TMPDIR|TMP|TEMP|LC_\w+|ROLLOUT_GATE_\w+|EVAL_MODE|WORKER_KEY)$/;
  expect(Object.keys(seen).filter((name) => !allowed.test(name))).toEqual([]);
});

it('what a failing script prints reaches the history, the report and log_event redacted', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { mode: 'leak' });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
  const secrets = [...LEAKS.map((leak) => leak.split(/[- ]/)[1] ?? leak), stack.serverSecret];
  const clean = (text: string) => {
    expect(text).toContain('[redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  };

  const error = report.benchmarks[0]?.status === 'error' ? report.benchmarks[0].error : '';
  expect(error).toMatch(
    /exited with code 1: model call failed with \[redacted\] \[redacted\] \[redacted\] and \[redacted\]$/,
  );
  clean(JSON.stringify(report));
  clean(await readFile(report.evaluation?.report.json ?? '', 'utf8'));
  clean(await readFile(report.evaluation?.report.markdown ?? '', 'utf8'));
  const history = await stack.client.workflow.getHandle(workflowIdOf(trigger)).fetchHistory();
  clean(JSON.stringify(history));

  const event = await eventually(() =>
    stack.sandbox.sandbox.loggedEvents.find(
      (logged) =>
        logged.eventName === 'rollout_gate_benchmark' && logged.metadata?.triggerID === trigger.id,
    ),
  );
  clean(JSON.stringify(event));
  expect(event.metadata?.error).toContain('model call failed with [redacted]');
});
