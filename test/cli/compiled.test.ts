// The compiled build, as the Docker image and a packed package run it: bin/rollout-gate finds
// dist/src/cli.js when the TypeScript sources are absent, the receiver boots and stops cleanly, and
// the review commands work.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getFreePort } from '../../src/temporal/dev-server';
import { ROOT } from '../helpers/cli';
import { startRole, waitForHttp } from '../helpers/processes';
import { testTemporalAddress } from '../helpers/temporal';

jest.setTimeout(120_000);

let install: string;

/** Runs the bin of the built copy. */
function bin(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [path.join(install, 'bin', 'rollout-gate'), ...args], {
    cwd: install,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
  });
}

beforeAll(() => {
  install = mkdtempSync(path.join(tmpdir(), 'rollout-gate-build-'));
  execFileSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(install, 'dist')],
    { stdio: 'inherit' },
  );
  // What the image holds: package.json, the compiled tree, bin/ and the dependencies; no src/.
  cpSync(path.join(ROOT, 'package.json'), path.join(install, 'package.json'));
  cpSync(path.join(ROOT, 'bin'), path.join(install, 'bin'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(install, 'node_modules'));
});

afterAll(() => {
  if (install) rmSync(install, { recursive: true, force: true });
});

it('runs the compiled CLI when there are no sources', () => {
  expect(bin(['--version']).trim()).toBe(require(path.join(ROOT, 'package.json')).version);
  expect(bin(['review', '--help'])).toMatch(/^Usage: rollout-gate review/);
});

it('lists reviews from the compiled build', () => {
  const output = bin(['review', 'list', '--status', 'Running', '--limit', '1', '--json'], {
    TEMPORAL_ADDRESS: testTemporalAddress(),
  });
  expect(Array.isArray(JSON.parse(output))).toBe(true);
});

it('boots the compiled receiver, which answers and stops on SIGTERM', async () => {
  const port = await getFreePort();
  const receiver = startRole(
    ['receiver'],
    {
      TEMPORAL_ADDRESS: testTemporalAddress(),
      // The receiver needs no Console API key.
      STATSIG_WEBHOOK_SECRET: 'a-webhook-secret-for-the-build-test',
      HOST: '127.0.0.1',
      PORT: String(port),
      INTERNAL_PORT: String(await getFreePort()),
    },
    path.join(install, 'bin', 'rollout-gate'),
  );
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, receiver);
  } finally {
    expect(await receiver.stop()).toBe(0);
  }
});
