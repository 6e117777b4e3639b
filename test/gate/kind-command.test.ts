// The command kind runs real processes: what it hands them, how it reads their JSON, what a failing
// or silent script means, and that a cancelled or timed-out run leaves no process behind.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { command, parseCommandOutput } from '../../src/gate/kinds/command';
import { InvalidBenchmarkOutputError } from '../../src/gate/kinds/kind';
import { benchmarkContext, promptTarget } from './context';

async function script(dir: string, name: string, source: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, source);
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('hands the script the version under review and reads its metrics from stdout', async () => {
  const context = await benchmarkContext({
    role: 'baseline',
    repeat: 3,
    seed: 1234,
    baseline: promptTarget({ model: 'local-echo-1', template: 'released' }, 1),
  });
  const file = await script(
    context.scratchDir,
    'eval.js',
    `const fs = require('node:fs');
const target = JSON.parse(fs.readFileSync(process.env.ROLLOUT_GATE_TARGET_FILE, 'utf8'));
const baseline = JSON.parse(fs.readFileSync(process.env.ROLLOUT_GATE_BASELINE_FILE, 'utf8'));
console.error('evaluating', target.name);
console.log(JSON.stringify({
  metrics: { version: target.version, baselineVersion: baseline.version, repeat: Number(process.env.ROLLOUT_GATE_REPEAT), seed: Number(process.env.ROLLOUT_GATE_SEED) },
  samples: { latency_ms: [1, 2, 3] },
  meta: process.env.ROLLOUT_GATE_ROLE + ':' + process.env.EXTRA,
}));`,
  );
  const output = await command({
    name: 'eval',
    command: process.execPath,
    args: [file],
    env: { EXTRA: 'yes' },
  }).run(context);
  expect(output.metrics).toEqual({ version: 2, baselineVersion: 1, repeat: 3, seed: 1234 });
  expect(output.samples).toEqual({ latency_ms: [1, 2, 3] });
  expect((output as unknown as { meta: string }).meta).toBe('baseline:yes');
});

it("keeps rollout-gate's secrets from the script, unless given through env", async () => {
  const context = await benchmarkContext();
  const file = await script(
    context.scratchDir,
    'env.js',
    `console.log(JSON.stringify({ metrics: {
  consoleKey: process.env.STATSIG_CONSOLE_API_KEY === undefined ? 0 : 1,
  webhookSecret: process.env.STATSIG_WEBHOOK_SECRET === undefined ? 0 : 1,
  serverSecret: process.env.STATSIG_SERVER_SECRET === 'given' ? 1 : 0,
  temporalApiKey: process.env.TEMPORAL_API_KEY === undefined ? 0 : 1,
  reviewApiToken: process.env.REVIEW_API_TOKEN === undefined ? 0 : 1,
  path: process.env.PATH ? 1 : 0,
} }));`,
  );
  const saved = { ...process.env };
  process.env.STATSIG_CONSOLE_API_KEY = 'console-secret';
  process.env.STATSIG_WEBHOOK_SECRET = 'webhook-secret-0123456789';
  process.env.TEMPORAL_API_KEY = 'temporal-cloud-key';
  process.env.REVIEW_API_TOKEN = 'review-api-token-0123456789abcdef0123456789';
  try {
    const output = await command({
      name: 'env',
      command: process.execPath,
      args: [file],
      env: { STATSIG_SERVER_SECRET: 'given' },
    }).run(context);
    expect(output.metrics).toEqual({
      consoleKey: 0,
      webhookSecret: 0,
      serverSecret: 1,
      temporalApiKey: 0,
      reviewApiToken: 0,
      path: 1,
    });
  } finally {
    process.env = saved;
  }
});

it('reads the last line when the script logs to stdout first, and a flat object as metrics', () => {
  expect(
    parseCommandOutput('loading model…\nscoring 40 cases\n{"metrics": {"quality": 0.9}}\n'),
  ).toEqual({
    metrics: { quality: 0.9 },
  });
  expect(parseCommandOutput('{"quality": 0.9, "latency_ms": 120}')).toEqual({
    metrics: { quality: 0.9, latency_ms: 120 },
  });
});

it('a script that prints no metrics is an invalid output, not a retryable error', () => {
  expect(() => parseCommandOutput('done!\n')).toThrow(InvalidBenchmarkOutputError);
  expect(() => parseCommandOutput('{"quality": "high"}')).toThrow(
    /printed no JSON with metrics on stdout.*"quality": "high"/,
  );
  expect(() => parseCommandOutput('')).toThrow(/got: \(nothing\)/);
});

it('a script that exits non-zero fails with its exit code and the end of its stderr', async () => {
  const context = await benchmarkContext();
  const file = await script(
    context.scratchDir,
    'crash.js',
    `console.error('Traceback: model file missing'); process.exit(3);`,
  );
  await expect(
    command({ name: 'eval', command: process.execPath, args: [file] }).run(context),
  ).rejects.toThrow(/exited with code 3: Traceback: model file missing/);
});

it('a command that does not exist fails with a message saying so', async () => {
  const context = await benchmarkContext();
  await expect(
    command({ name: 'eval', command: 'no-such-eval-script-xyz' }).run(context),
  ).rejects.toThrow(
    /could not start 'no-such-eval-script-xyz': spawn no-such-eval-script-xyz ENOENT/,
  );
});

it('cancelling the run stops the script and everything it started', async () => {
  const context = await benchmarkContext();
  const pids = path.join(context.scratchDir, 'pids.json');
  const file = await script(
    context.scratchDir,
    'long.js',
    `const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(pids)}, JSON.stringify([process.pid, child.pid]));
setInterval(() => {}, 1000);`,
  );
  const running = command({ name: 'long-eval', command: process.execPath, args: [file] }).run(
    context,
  );
  await waitFor(async () => (await readFile(pids, 'utf8').catch(() => '')) !== '');
  const [scriptPid, grandchildPid] = JSON.parse(await readFile(pids, 'utf8')) as [number, number];
  expect(alive(scriptPid) && alive(grandchildPid)).toBe(true);

  context.controller.abort(new Error('the review was decided by a person'));
  await expect(running).rejects.toThrow('the review was decided by a person');
  await waitFor(() => !alive(scriptPid) && !alive(grandchildPid));
});

it('a script that ignores SIGTERM is killed after the grace period', async () => {
  const context = await benchmarkContext();
  const ready = path.join(context.scratchDir, 'ready');
  const file = await script(
    context.scratchDir,
    'stubborn.js',
    `process.on('SIGTERM', () => {});
require('node:fs').writeFileSync(${JSON.stringify(ready)}, String(process.pid));
setInterval(() => {}, 1000);`,
  );
  const running = command({
    name: 'stubborn',
    command: process.execPath,
    args: [file],
    killGraceMs: 300,
  }).run(context);
  await waitFor(async () => (await readFile(ready, 'utf8').catch(() => '')) !== '');
  const pid = Number(await readFile(ready, 'utf8'));
  const stoppedAt = Date.now();
  context.controller.abort(new Error('timed out'));
  await expect(running).rejects.toThrow('timed out');
  expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(250);
  await waitFor(() => !alive(pid));
});
