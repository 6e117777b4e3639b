// The command kind runs real processes: what it hands them, how it reads their JSON, what a failing
// or silent script means, and that a cancelled or timed-out run leaves no process behind.
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

it('gives the script an allow-listed environment: PATH, HOME, locale, TMP and what the benchmark names', async () => {
  const context = await benchmarkContext();
  const dump = path.join(context.scratchDir, 'env.json');
  const file = await script(
    context.scratchDir,
    'env.js',
    `require('node:fs').writeFileSync(${JSON.stringify(dump)}, JSON.stringify(process.env));
console.log(JSON.stringify({ metrics: { ok: 1 } }));`,
  );
  const saved = { ...process.env };
  // What docker compose hands the worker from .env, and rollout-gate's own credentials.
  process.env.POSTGRES_PASSWORD = 'postgres-password-0123456789';
  process.env.GRAFANA_ADMIN_PASSWORD = 'grafana-password-0123456789';
  process.env.STATSIG_CONSOLE_API_KEY = 'console-secret0123456789';
  process.env.TEMPORAL_API_KEY = 'temporal-cloud-key';
  process.env.SOME_UNRELATED_SETTING = 'anything';
  process.env.HOME ??= '/home/worker';
  process.env.LC_ALL = 'C.UTF-8';
  process.env.TZ = 'UTC';
  process.env.TMPDIR = tmpdir();
  process.env.HTTPS_PROXY = 'http://proxy.internal:3128';
  try {
    await command({
      name: 'env',
      command: process.execPath,
      args: [file],
      env: { STATSIG_SERVER_SECRET: 'given', EVAL_MODE: 'fast' },
      inheritEnv: ['HTTPS_PROXY', 'NOT_SET_ANYWHERE'],
    }).run(context);
    const seen = JSON.parse(await readFile(dump, 'utf8')) as Record<string, string>;
    for (const name of [
      'POSTGRES_PASSWORD',
      'GRAFANA_ADMIN_PASSWORD',
      'STATSIG_CONSOLE_API_KEY',
      'TEMPORAL_API_KEY',
      'SOME_UNRELATED_SETTING',
      'NOT_SET_ANYWHERE',
    ]) {
      expect(seen).not.toHaveProperty(name);
    }
    expect(seen).toMatchObject({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      TMPDIR: tmpdir(),
      HTTPS_PROXY: 'http://proxy.internal:3128',
      STATSIG_SERVER_SECRET: 'given',
      EVAL_MODE: 'fast',
      ROLLOUT_GATE_ROLE: 'candidate',
    });
    const allowed =
      /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|TZ|TMPDIR|TMP|TEMP|LC_\w+|ROLLOUT_GATE_\w+|STATSIG_SERVER_SECRET|EVAL_MODE|HTTPS_PROXY)$/;
    expect(Object.keys(seen).filter((name) => !allowed.test(name))).toEqual([]);
  } finally {
    process.env = saved;
  }
});

it('redacts key-like text from the stderr and stdout it quotes, and from its heartbeats', async () => {
  const context = await benchmarkContext();
  const leak = 'console-AbCdEf123456789 secret-XyZ987654321ab Bearer abc.def.ghi12345';
  const crash = await script(
    context.scratchDir,
    'crash.js',
    `console.error('calling the model with ${leak}'); setTimeout(() => process.exit(2), 100);`,
  );
  const failure = await command({ name: 'eval', command: process.execPath, args: [crash] })
    .run(context)
    .catch((error: Error) => error);
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toBe(
    `'${process.execPath}' exited with code 2: calling the model with [redacted] [redacted] [redacted]`,
  );
  expect(JSON.stringify(context.heartbeats)).toContain('[redacted]');
  expect(JSON.stringify(context.heartbeats)).not.toMatch(/AbCdEf123456789|XyZ987654321ab|ghi12345/);

  // Past the 4000 characters of stderr kept, the cut goes through the key: the cut word goes too.
  const long = await script(
    context.scratchDir,
    'long.js',
    `process.stderr.write('console-AbCdEf123456789 ' + 'z '.repeat(1995)); setTimeout(() => process.exit(2), 100);`,
  );
  await expect(
    command({ name: 'eval', command: process.execPath, args: [long] }).run(context),
  ).rejects.toThrow(/exited with code 2: z z z/);
  expect(JSON.stringify(context.heartbeats)).not.toMatch(/123456789/);

  const chatty = await script(context.scratchDir, 'chatty.js', `console.log('token ${leak}');`);
  await expect(
    command({ name: 'eval', command: process.execPath, args: [chatty] }).run(context),
  ).rejects.toThrow(/got: token \[redacted\] \[redacted\] \[redacted\]$/);
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
