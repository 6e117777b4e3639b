// `rollout-gate gate run` as CI runs it: no Temporal server, the gate config on a candidate against a
// baseline, exit 0 pass / 1 fail / 2 inconclusive, valid JUnit XML and a pull-request summary; and
// the candidate and baseline read from Statsig (here the sandbox).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { ROOT, runBin } from '../helpers/cli';
import { elements, parseXml } from '../helpers/xml';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'gate-run');
const fixture = (name: string) => path.join(FIXTURES, name);
const out = mkdtempSync(path.join(tmpdir(), 'gate-run-'));

function gateRun(candidate: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runBin(
    [
      'gate',
      'run',
      '--gate',
      fixture('gate.ts'),
      ...(candidate ? ['--candidate', fixture(candidate)] : []),
      ...extra,
    ],
    { env, timeoutMs: 90_000 },
  );
}

function testcases(file: string) {
  const root = parseXml(readFileSync(file, 'utf8'));
  expect(root.name).toBe('testsuites');
  return elements(root, 'testcase').map((testcase) => ({
    name: testcase.attributes.name,
    classname: testcase.attributes.classname,
    outcome: testcase.children.map((child) => child.name),
  }));
}

describe('gate run on files', () => {
  it('exits 0 on a passing candidate, with valid JUnit and a Markdown summary', async () => {
    const junit = path.join(out, 'pass.xml');
    const markdown = path.join(out, 'pass.md');
    const run = await gateRun('good.json', [
      '--baseline',
      fixture('baseline.json'),
      '--junit',
      junit,
      '--markdown',
      markdown,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dynamic_config chat_prompt from');
    expect(run.stdout).toContain('baseline: version 3, measured in the same run');
    expect(run.stdout).toMatch(/ok {3}suite prompt-quality: /);
    expect(run.stdout).toMatch(/verdict: pass \(2 runs, 1 sampling round\)/);
    // Progress on stderr, a line per finished run off a terminal.
    expect(run.stderr).toMatch(/\[1\/2\] prompt-quality\/score \((candidate|baseline), repeat 1\)/);
    expect(testcases(junit)).toEqual([
      { name: 'quality', classname: 'rollout-gate.prompt-quality', outcome: [] },
      { name: 'no drop vs baseline', classname: 'rollout-gate.prompt-quality', outcome: [] },
    ]);
    const summary = readFileSync(markdown, 'utf8');
    expect(summary).toMatch(/^## rollout-gate: ✅ pass for `chat_prompt`/);
    expect(summary).toContain('| prompt-quality | quality | 0.9 |');
    expect(summary).toContain('<details><summary>Runs (2)</summary>');
  });

  it('exits 1 on a failing candidate, each failing criterion a JUnit failure', async () => {
    const junit = path.join(out, 'fail.xml');
    const markdown = path.join(out, 'fail.md');
    const run = await gateRun('bad.json', [
      '--baseline',
      fixture('baseline.json'),
      '--junit',
      junit,
      '--markdown',
      markdown,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/verdict: fail/);
    expect(testcases(junit)).toEqual([
      expect.objectContaining({ name: 'quality', outcome: ['failure'] }),
      expect.objectContaining({ name: 'no drop vs baseline', outcome: ['failure'] }),
    ]);
    const root = parseXml(readFileSync(junit, 'utf8'));
    expect(root.attributes).toMatchObject({ tests: '2', failures: '2', errors: '0' });
    const [failure] = elements(root, 'failure');
    expect(failure?.attributes.message).toMatch(/0\.5/);
    expect(readFileSync(markdown, 'utf8')).toContain('❌ prompt-quality/quality:');
  });

  it('exits 2 when the verdict is inconclusive: the benchmark errors on the candidate', async () => {
    const junit = path.join(out, 'inconclusive.xml');
    const run = await gateRun('broken.json', [
      '--baseline',
      fixture('baseline.json'),
      '--junit',
      junit,
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/verdict: inconclusive/);
    expect(run.stderr).toContain('error: prompt-quality/score threw: the config holds no quality');
    expect(testcases(junit).map((testcase) => testcase.outcome)).toEqual([['error'], ['error']]);
  });

  it('exits 2 when the gate cannot run, and on a command line it cannot use', async () => {
    const missing = await gateRun('nowhere.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read .*nowhere\.json/);
    const noCandidate = await runBin(['gate', 'run', '--gate', fixture('gate.ts')]);
    expect(noCandidate.code).toBe(2);
    expect(noCandidate.stderr).toContain('Name the candidate: --candidate FILE or --entity NAME.');
  });
});

describe('gate run against Statsig', () => {
  let sandbox: StartedSandbox;
  const consoleApiKey = 'console-gate-run-key';

  beforeAll(async () => {
    sandbox = await startSandbox({
      consoleApiKey,
      seed: {
        pipelines: [
          {
            id: 'rp_chat',
            name: 'chat rollout',
            phases: [
              { id: 'rp_chat_p10', name: 'p10', timeIntervalMs: 3_600_000, requiredReview: true },
            ],
          },
        ],
        dynamicConfigs: [
          {
            id: 'chat_prompt',
            name: 'chat_prompt',
            isEnabled: true,
            version: 1,
            defaultValue: { quality: 0.85 },
            rules: [],
            releasePipelineID: 'rp_chat',
          },
        ],
      },
    });
    // A teammate saves a weaker prompt: Statsig now holds version 2.
    sandbox.sandbox.startRelease({
      pipelineID: 'rp_chat',
      entity: { kind: 'dynamic_config', id: 'chat_prompt', defaultValue: { quality: 0.7 } },
    });
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  const statsigEnv = () => ({
    STATSIG_CONSOLE_API_KEY: consoleApiKey,
    STATSIG_CONSOLE_API_URL: sandbox.consoleApiUrl,
  });

  it('judges the entity as Statsig has it against the version released before it', async () => {
    const run = await gateRun('', ['--entity', 'chat_prompt'], statsigEnv());
    expect(run.stdout).toContain(
      'chat_prompt from Statsig (version 2), baseline Statsig (version 1)',
    );
    expect(run.stdout).toMatch(/verdict: fail/);
    expect(run.code).toBe(1);
  });

  it('judges a candidate file against what Statsig serves', async () => {
    const run = await gateRun('good.json', ['--entity', 'chat_prompt'], statsigEnv());
    expect(run.stdout).toContain('baseline Statsig (version 2)');
    expect(run.stdout).toMatch(/verdict: pass/);
    expect(run.code).toBe(0);
  });
});
