// A long benchmark (an eval script that never finishes, with a child of its own) inside real
// reviews: its timeout and a person's decision both stop it, and no process outlives the run.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineGate } from '../../src/gate/define';
import { command } from '../../src/gate/kinds/command';
import { eventually, resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

// Writes its own PID and its child's to the file the config names, then runs forever.
const FOREVER = `const { spawn } = require('node:child_process');
const target = JSON.parse(require('node:fs').readFileSync(process.env.ROLLOUT_GATE_TARGET_FILE, 'utf8'));
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('node:fs').writeFileSync(target.value.pidFile, JSON.stringify([process.pid, child.pid]));
setInterval(() => {}, 1000);`;

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'long-benchmark-'));
  const gate = defineGate({
    policy: { decisionTimeoutMs: 1_000 },
    suites: [
      {
        name: 'offline-eval',
        benchmarks: [
          command({
            name: 'forever',
            command: process.execPath,
            args: ['-e', FOREVER],
            metrics: ['quality'],
            timeoutMs: 2_500,
            heartbeatTimeoutMs: 5_000,
            retries: 0,
            killGraceMs: 500,
          }),
        ],
        criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
      },
    ],
  });
  stack = await startStack({ gate, seed: testSeed() });
});

afterAll(async () => {
  await stack?.stop();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidsIn(file: string): Promise<[number, number]> {
  const text = await eventually(
    async () => (await readFile(file, 'utf8').catch(() => '')) || undefined,
  );
  return JSON.parse(text) as [number, number];
}

it('a benchmark past its timeout is stopped with its children, and the review is inconclusive', async () => {
  const pidFile = path.join(dir, 'timeout.json');
  const trigger = releaseConfig(stack.sandbox.sandbox, { pidFile });
  await startReview(stack, trigger);
  const [scriptPid, childPid] = await pidsIn(pidFile);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
  expect(report.benchmarks[0]).toMatchObject({
    status: 'error',
    error: expect.stringMatching(/timed out|timeout/i),
  });
  expect(report.criteria[0]?.reason).toMatch(/^no measurement: forever: /);
  await eventually(() => !alive(scriptPid) && !alive(childPid), 10_000);
  expect(writesFor(stack, trigger)).toEqual([]);
});

it("a person's decision cancels the running benchmark and stops its processes", async () => {
  const pidFile = path.join(dir, 'cancel.json');
  const trigger = releaseConfig(stack.sandbox.sandbox, { pidFile });
  const handle = await startReview(stack, trigger);
  const [scriptPid, childPid] = await pidsIn(pidFile);
  await handle.executeUpdate('decide', {
    args: [{ decision: 'approve', actor: 'ana@example.com', reason: 'eval box is down' }],
  });
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({
    action: 'approved',
    reason: 'approved by ana@example.com: eval box is down',
  });
  await eventually(() => !alive(scriptPid) && !alive(childPid), 10_000);
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});
