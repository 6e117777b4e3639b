// The local Temporal tooling the whole suite and `npm start` rely on: finding the CLI, and a dev
// server that registers our search attributes, persists to its SQLite file and fails clearly.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  type LocatedTemporalCli,
  locateTemporalCli,
  TEMPORAL_MISSING_HELP,
} from '../../src/temporal/cli-locator';
import { type DevServer, getFreePort, startDevServer } from '../../src/temporal/dev-server';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

let tmp: string;
let realCli: LocatedTemporalCli;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rollout-gate-dev-server-'));
  const found = await locateTemporalCli({ projectRoot: REPO_ROOT });
  if (found === undefined) throw new Error(TEMPORAL_MISSING_HELP);
  realCli = found;
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A fresh directory under the suite's temp dir. */
async function freshDir(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/** A project root whose `.tools/venv/bin/temporal` is the real CLI. */
async function projectWithToolsCopy(name: string): Promise<{ root: string; cli: string }> {
  const root = await freshDir(name);
  const cli = path.join(root, '.tools', 'venv', 'bin', 'temporal');
  await fs.mkdir(path.dirname(cli), { recursive: true });
  await fs.symlink(realCli.path, cli);
  return { root, cli };
}

describe('locateTemporalCli', () => {
  test('uses TEMPORAL_CLI_PATH before anything else', async () => {
    const { root } = await projectWithToolsCopy('explicit');
    const located = await locateTemporalCli({
      projectRoot: root,
      install: false,
      env: { TEMPORAL_CLI_PATH: realCli.path, PATH: path.dirname(realCli.path) },
    });
    expect(located).toEqual({ path: realCli.path, source: 'TEMPORAL_CLI_PATH' });
  });

  test.each([
    ['a missing file', async () => path.join(tmp, 'no-such-temporal'), /does not exist/],
    [
      'a file without execute permission',
      async () => {
        const file = path.join(await freshDir('not-executable'), 'temporal');
        await fs.writeFile(file, '#!/bin/sh\n', { mode: 0o644 });
        return file;
      },
      /is not executable/,
    ],
    ['a directory', async () => freshDir('a-directory'), /is not a file/],
  ])('rejects a TEMPORAL_CLI_PATH that is %s, naming the variable', async (_, makePath, reason) => {
    const bad = await makePath();
    const located = locateTemporalCli({
      projectRoot: tmp,
      install: false,
      env: { TEMPORAL_CLI_PATH: bad, PATH: path.dirname(realCli.path) },
    });
    await expect(located).rejects.toMatchObject({ code: 'TEMPORAL_CLI_PATH_INVALID' });
    await expect(located).rejects.toThrow(`TEMPORAL_CLI_PATH=${bad}`);
    await expect(located).rejects.toThrow(reason);
  });

  test('prefers temporal on PATH over the project copy', async () => {
    const { root } = await projectWithToolsCopy('path-first');
    const binDir = await freshDir('path-first-bin');
    await fs.symlink(realCli.path, path.join(binDir, 'temporal'));
    const located = await locateTemporalCli({
      projectRoot: root,
      install: false,
      env: { PATH: [await freshDir('empty-bin'), binDir].join(path.delimiter) },
    });
    expect(located).toEqual({ path: path.join(binDir, 'temporal'), source: 'PATH' });
  });

  test('finds the project .tools copy when PATH has none', async () => {
    const { root, cli } = await projectWithToolsCopy('tools-copy');
    const located = await locateTemporalCli({
      projectRoot: root,
      install: false,
      env: { PATH: '' },
    });
    expect(located).toEqual({ path: cli, source: 'project-tools' });
  });

  test('returns undefined when nothing is found and installing is off', async () => {
    const root = await freshDir('nothing');
    const located = await locateTemporalCli({
      projectRoot: root,
      install: false,
      env: { PATH: '' },
    });
    expect(located).toBeUndefined();
    await expect(fs.access(path.join(root, '.tools'))).rejects.toThrow();
  });
});

describe('startDevServer', () => {
  test('registers the search attributes and keeps workflows in its db file across restarts', async () => {
    const dbFilename = path.join(await freshDir('persist'), 'nested', 'temporal.db');
    const port = await getFreePort();
    const start = () =>
      startDevServer({ projectRoot: REPO_ROOT, port, headless: true, dbFilename });

    const first = await start();
    try {
      expect(first.address).toBe(`127.0.0.1:${port}`);
      expect(first.uiUrl).toBeUndefined();
      await withClient(first, async (client, connection) => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({
          namespace: 'default',
        });
        for (const key of Object.values(SEARCH_ATTRIBUTES)) {
          expect(customAttributes).toHaveProperty([key.name]);
        }
        await client.workflow.start('anything', {
          taskQueue: 'nobody-listens',
          workflowId: 'persist-check',
          typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.verdict, value: 'pending' }],
        });
      });
    } finally {
      await first.stop();
    }
    await first.stop();
    await expect(portIsFree(port)).resolves.toBe(true);

    const second = await start();
    try {
      await withClient(second, async (client) => {
        const description = await client.workflow.getHandle('persist-check').describe();
        expect(description.type).toBe('anything');
        expect(description.status.name).toBe('RUNNING');
        expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.verdict)).toBe('pending');
      });
    } finally {
      await second.stop();
    }
  });

  test.each([
    ['gRPC', async (busy: number) => ({ port: busy, headless: true })],
    ['web UI', async (busy: number) => ({ port: await getFreePort(), uiPort: busy })],
  ])('says so when the %s port is already in use', async (what, ports) => {
    await withListener(async (busyPort) => {
      const started = startDevServer({ projectRoot: REPO_ROOT, ...(await ports(busyPort)) });
      await expect(started).rejects.toMatchObject({ code: 'DEV_SERVER_PORT_IN_USE' });
      await expect(started).rejects.toThrow(
        `${what} port ${busyPort} on 127.0.0.1 is already in use`,
      );
    });
  });

  test.each([
    ['exits', 'exit'],
    ['is sent SIGTERM', 'wait'],
  ])('stops the server when the process that started it %s', async (_, mode) => {
    const script = path.join(tmp, `parent-${mode}.ts`);
    await fs.writeFile(
      script,
      [
        `import { startDevServer } from ${JSON.stringify(path.join(REPO_ROOT, 'src/temporal/dev-server'))};`,
        `void startDevServer({ projectRoot: ${JSON.stringify(REPO_ROOT)}, port: Number(process.argv[2]), headless: true, logLevel: 'never' }).then(() => {`,
        "  process.stdout.write('ready\\n');",
        `  if (process.argv[3] === 'exit') process.exit(0);`,
        '  setInterval(() => {}, 60_000);',
        '});',
      ].join('\n'),
    );
    const port = await getFreePort();
    // tsx's require hook, not its CLI, which would put a signal-relaying process in between.
    const parent = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), script, String(port), mode],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const parentExited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      parent.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        parent.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        void parentExited.then((how) => reject(new Error(`parent ended (${how}) before ready`)));
      });
      await expect(portIsFree(port)).resolves.toBe(false);
      if (mode === 'wait') parent.kill('SIGTERM');
      // Dying from the signal as it would have without us, not exiting as if it had handled it.
      await expect(parentExited).resolves.toBe(mode === 'exit' ? 0 : 'SIGTERM');
      await expect(waitUntilPortFree(port, 15_000)).resolves.toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('shows the server output when it exits before becoming ready', async () => {
    const started = startDevServer({
      projectRoot: REPO_ROOT,
      port: await getFreePort(),
      headless: true,
      logLevel: 'no-such-level',
    });
    await expect(started).rejects.toMatchObject({ code: 'DEV_SERVER_EXITED' });
    await expect(started).rejects.toThrow(
      /exited with code 1[\s\S]*invalid argument "no-such-level"/,
    );
  });
});

async function withClient(
  server: DevServer,
  use: (client: Client, connection: Connection) => Promise<void>,
): Promise<void> {
  const connection = await Connection.connect({ address: server.address });
  try {
    await use(new Client({ connection, namespace: 'default' }), connection);
  } finally {
    await connection.close();
  }
}

async function withListener(use: (port: number) => Promise<void>): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  try {
    if (address === null || typeof address === 'string') throw new Error('no port');
    await use(address.port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function waitUntilPortFree(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portIsFree(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
