// GATE_CONFIG modules in every supported form load and run; broken ones fail with the file and name.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const LOADER = path.join(ROOT, 'test', 'fixtures', 'load-gate.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gate-config-'));
});

async function load(fileName: string, source: string, extraArgs: string[] = []) {
  const file = path.join(dir, fileName);
  await writeFile(file, source);
  try {
    const { stdout } = await run(TSX, [LOADER, file, ...extraArgs], { cwd: ROOT });
    return { ok: true as const, result: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { ok: false as const, code: failed.code, stderr: failed.stderr };
  }
}

// The minimal shape the README promises will keep working as the API grows.
const MINIMAL = `export default {
  suites: [{
    name: 'prompt-quality',
    benchmarks: [{ name: 'score', run: async ({ target }) => ({ metrics: { quality: 0.91 } }) }],
    criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
  }],
};
`;

describe('loadGateConfig', () => {
  it('loads the minimal plain-object .mjs module and runs its benchmark', async () => {
    const loaded = await load('minimal.mjs', MINIMAL);
    expect(loaded).toMatchObject({
      ok: true,
      result: {
        plan: {
          benchmarks: [
            {
              suite: 'prompt-quality',
              benchmark: 'score',
              timeoutMs: 300_000,
              heartbeatTimeoutMs: 15_000,
              retries: 2,
            },
          ],
          criteria: [{ suite: 'prompt-quality', metric: 'quality', op: '>=', threshold: 0.8 }],
          // No policy in the module: the fail-safe defaults apply.
          policy: { onFail: 'abort', onError: 'inconclusive', dryRun: false },
        },
        metrics: { quality: 0.91 },
      },
    });
  });

  it('loads a TypeScript module written with defineGate', async () => {
    const source = `import { defineGate } from '${path.join(ROOT, 'src', 'index')}';
export default defineGate({
  suites: [{
    name: 'latency',
    benchmarks: [{ name: 'probe', timeoutMs: 1000, retries: 0, run: async ({ target }) => ({ metrics: { p95: (target.value as { quality: number }).quality * 100 } }) }],
    criteria: [{ metric: 'p95', op: '<', threshold: 250 }],
  }],
});
`;
    const loaded = await load('typed.ts', source);
    expect(loaded.ok && loaded.result.metrics).toEqual({ p95: 90 });
    expect(loaded.ok && loaded.result.plan.benchmarks[0]).toMatchObject({
      timeoutMs: 1000,
      retries: 0,
    });
  });

  it('loads a CommonJS module', async () => {
    const loaded = await load('plain.cjs', MINIMAL.replace('export default', 'module.exports ='));
    expect(loaded.ok && loaded.result.metrics).toEqual({ quality: 0.91 });
  });

  it.each([
    [
      'prompt-gate.ts',
      [
        'quality',
        'no quality regression',
        'p95 latency',
        'p95 latency vs released',
        'answer length',
      ],
    ],
    ['latency-gate.ts', ['p95 within the SLO', 'median no more than 50 ms slower', 'error rate']],
    [
      'command-gate.ts',
      [
        'keeps the {question} slot',
        'no banned phrases',
        'temperature at most 1',
        'template length',
      ],
    ],
    ['demo-gate.ts', null],
    // Both suites select phases by how far they roll out: with no phase to plan for, neither runs.
    ['kill-switch-gate.ts', []],
  ])('loads the example gate %s shipped with the repo', async (file, names) => {
    const { stdout } = await run(TSX, [LOADER, path.join(ROOT, 'examples', file), '--plan-only'], {
      cwd: ROOT,
    });
    const plan = JSON.parse(stdout).plan as {
      criteria: Array<{ name: string }>;
      gateVersion: string;
    };
    if (names) expect(plan.criteria.map((criterion) => criterion.name)).toEqual(names);
    else expect(plan.gateVersion).toBe('demo-3');
  });

  it('names the file, the suite and the criterion for an unknown metric', async () => {
    const source = `import { defineGate, http } from '${path.join(ROOT, 'src', 'index')}';
export default defineGate({
  suites: [{
    name: 'latency',
    benchmarks: [http({ name: 'probe', url: 'http://127.0.0.1:1/' })],
    criteria: [{ name: 'p95', metric: 'latency_p95', aggregate: 'mean', op: '<=', threshold: 250 }],
  }],
});
`;
    const loaded = await load('unknown-metric.ts', source);
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.stderr).toContain(path.join(dir, 'unknown-metric.ts'));
    expect(!loaded.ok && loaded.stderr).toMatch(
      /suites\[latency\]\.criteria\[p95\]\.metric: unknown metric 'latency_p95'; the benchmarks report .*latency_p95_ms/,
    );
  });

  it('builds a built-in kind from a plain object in a .mjs module', async () => {
    const source = `export default {
  suites: [{
    name: 'lint',
    benchmarks: [{ name: 'script', kind: 'command', command: process.execPath, args: ['-e', 'console.log(JSON.stringify({ quality: 0.95 }))'] }],
    criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
  }],
};
`;
    const loaded = await load('plain-kind.mjs', source);
    expect(loaded.ok && loaded.result.metrics).toEqual({ quality: 0.95 });
    expect(loaded.ok && loaded.result.plan.benchmarks[0]).toMatchObject({ kind: 'command' });
  });

  it("loads every plain-object gate in the README's guide", async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Writing a gate config'),
      readme.indexOf('## Configuration'),
    );
    const snippets = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(snippets.length).toBeGreaterThanOrEqual(2);
    for (const [index, snippet] of snippets.entries()) {
      // Planned, not run: the README's endpoints and scripts are illustrations.
      const loaded = await load(`readme-${index}.mjs`, snippet, ['--plan-only']);
      expect(loaded).toMatchObject({ ok: true });
    }
  });

  it('names the file, the suite and the problem for a bad operator', async () => {
    const loaded = await load('bad-op.mjs', MINIMAL.replace("op: '>='", "op: '=>'"));
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.stderr).toContain(path.join(dir, 'bad-op.mjs'));
    expect(!loaded.ok && loaded.stderr).toContain(
      'suites[prompt-quality].criteria[0].op: op must be one of >= > <= < ==',
    );
  });

  it('names duplicate benchmark names', async () => {
    const duplicated = MINIMAL.replace(
      "benchmarks: [{ name: 'score', run: async ({ target }) => ({ metrics: { quality: 0.91 } }) }]",
      "benchmarks: [{ name: 'score', run: async () => ({ metrics: {} }) }, { name: 'score', run: async () => ({ metrics: {} }) }]",
    );
    const loaded = await load('dupes.mjs', duplicated);
    expect(!loaded.ok && loaded.stderr).toContain(
      'suites[prompt-quality].benchmarks[score]: duplicate benchmark name',
    );
  });

  it('explains a missing file', async () => {
    const { stderr } = await run(TSX, [LOADER, path.join(dir, 'nope.ts')], { cwd: ROOT }).catch(
      (e) => e,
    );
    expect(stderr).toContain('file not found (check GATE_CONFIG)');
  });
});
