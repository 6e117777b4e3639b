// The `rollout-gate` command as a user meets it: help everywhere, clear refusals with their exit
// codes, and variables from a .env file (the environment winning over it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { computeSignature } from '../../src/statsig/webhook-signature';
import { ROOT, runBin } from '../helpers/cli';

const COMMANDS = [
  'start',
  'worker',
  'receiver',
  'sandbox',
  'demo',
  'ensure-temporal',
  'send-webhook',
  'verify-signature',
  'review',
  'gate',
  'backtest',
];

describe('help', () => {
  it('lists every command, the options and the exit codes', async () => {
    const { code, stdout } = await runBin(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command}`);
    expect(stdout).toMatch(/--dotenv FILE/);
    expect(stdout).toMatch(/Exit codes: 0 ok, 1 failed, 2 bad usage, 3 review not found/);
  });

  it('has a page for every command', async () => {
    const pages = await Promise.all(COMMANDS.map((command) => runBin([command, '--help'])));
    pages.forEach((page, index) => {
      expect(page.code).toBe(0);
      expect(page.stdout).toMatch(new RegExp(`^Usage: rollout-gate ${COMMANDS[index]}`));
    });
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const { code, stdout } = await runBin(['--version']);
    expect([code, stdout.trim()]).toEqual([0, version]);
  });

  it('exits 2 with a pointer to the help on a command line it cannot use', async () => {
    const runs = await Promise.all([
      runBin(['deploy']),
      runBin(['review', 'show', '--colour', 'red']),
      runBin(['send-webhook', 'a.json', 'b.json']),
      runBin(['review', 'approve']),
      runBin([]),
    ]);
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]?.stderr).toContain("Unknown command 'deploy'.\nSee 'rollout-gate --help'.");
    expect(runs[1]?.stderr).toMatch(/Unknown option '--colour'[\s\S]*rollout-gate review --help/);
    expect(runs[2]?.stderr).toContain("Unexpected argument 'b.json'");
    expect(runs[3]?.stderr).toContain('Name the review');
    expect(runs[4]?.stdout).toContain('Usage: rollout-gate');
  });

  it('refuses to start with an invalid configuration, naming each variable', async () => {
    const { code, stderr } = await runBin(['receiver'], { env: { PORT: 'eighty' } });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toMatch(/STATSIG_WEBHOOK_SECRET is required/);
    expect(stderr).toMatch(/PORT /);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('.env', () => {
  const secret = randomBytes(20).toString('hex');
  const body = '{"event":"ReleasePipelineWaitingForReview"}';
  const timestamp = String(Date.now());
  const signature = computeSignature(secret, timestamp, body);

  function workdir(envFile: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-env-'));
    writeFileSync(path.join(dir, 'body.json'), body);
    writeFileSync(path.join(dir, '.env'), envFile);
    return dir;
  }

  const verify = ['verify-signature', '--body', 'body.json', '--timestamp', timestamp];

  it('reads ./.env before the configuration', async () => {
    const cwd = workdir(`# the webhook secret\nSTATSIG_WEBHOOK_SECRET=${secret}\n`);
    const { code, stdout, stderr } = await runBin([...verify, '--signature', signature], { cwd });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^valid: signed with secret 1 of 1/);
    expect(stderr).toContain(`Read variables from ${path.join(cwd, '.env')}`);
    expect(stderr + stdout).not.toContain(secret);
  });

  it('lets the environment win over the file', async () => {
    const cwd = workdir(`STATSIG_WEBHOOK_SECRET=${randomBytes(20).toString('hex')}\n`);
    const { code } = await runBin([...verify, '--signature', signature], {
      cwd,
      env: { STATSIG_WEBHOOK_SECRET: secret },
    });
    expect(code).toBe(0);
  });

  it('reads the file --dotenv names, and fails clearly when it is missing', async () => {
    const cwd = workdir('');
    writeFileSync(path.join(cwd, 'staging.env'), `STATSIG_WEBHOOK_SECRET=${secret}\n`);
    const found = await runBin(['--dotenv', 'staging.env', ...verify, '--signature', signature], {
      cwd,
    });
    expect(found.code).toBe(0);
    const missing = await runBin(['--dotenv=nowhere.env', ...verify, '--signature', signature], {
      cwd,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Cannot read the env file ${path.join(cwd, 'nowhere.env')}`);
  });
});
