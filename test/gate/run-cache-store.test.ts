// The run cache's entries in the report store (src/gate/report/run-cache.ts): found only under
// exactly their key and within the max age, never from a file whose key was changed; and a reused
// run's output filed in the reusing review, so it outlives the review that measured it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CachedRun, RunCache, type RunCacheKey } from '../../src/gate/report/run-cache';
import { ReportStore, ReportStoreError } from '../../src/gate/report/store';

const HOUR = 3_600_000;
const MEASURED_AT = Date.parse('2026-05-01T12:00:00Z');

const key: RunCacheKey = {
  gateVersion: 'v1',
  suite: 'quality',
  benchmark: 'score',
  definition: 'sha256:aaaa',
  role: 'candidate',
  repeat: 0,
  seed: 42,
  measured: 'sha256:candidate',
  baseline: 'sha256:baseline',
};

let dir: string;
let store: ReportStore;
let cache: RunCache;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-run-cache-'));
  store = new ReportStore(dir);
  cache = new RunCache(store);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entry(ref: string): Omit<CachedRun, 'version'> {
  return {
    key,
    ref,
    metrics: { quality: 0.9 },
    durationMs: 12,
    sampleCount: 0,
    caseCount: 3,
    source: {
      workflowId: 'review-t-p10',
      runId: 'r1',
      measuredAt: new Date(MEASURED_AT).toISOString(),
    },
  };
}

it('serves a run under exactly its key, within the max age', async () => {
  await cache.record(entry('review-t-p10/r1/round-0/quality/score/candidate-0.json'));
  const within = { maxAgeMs: HOUR, nowMs: MEASURED_AT + HOUR - 1 };
  expect(await cache.find(key, within)).toMatchObject({ metrics: { quality: 0.9 }, caseCount: 3 });
  expect(await cache.find(key, { maxAgeMs: HOUR, nowMs: MEASURED_AT + HOUR + 1 })).toBeUndefined();
  const others: Partial<RunCacheKey>[] = [
    { gateVersion: 'v2' },
    { suite: 'other' },
    { benchmark: 'other' },
    { definition: 'sha256:bbbb' },
    { role: 'baseline' },
    { repeat: 1 },
    { seed: 43 },
    { measured: 'sha256:other' },
    { baseline: null },
  ];
  for (const other of others) {
    expect(await cache.find({ ...key, ...other }, within)).toBeUndefined();
  }
});

it('never serves an entry whose stored key is not the key asked for', async () => {
  await cache.record(entry('review-t-p10/r1/round-0/quality/score/candidate-0.json'));
  const [file] = (await readdirDeep(path.join(dir, 'run-cache'))).filter((f) =>
    f.endsWith('.json'),
  );
  const stored = JSON.parse(await readFile(file as string, 'utf8')) as CachedRun;
  await writeFile(file as string, JSON.stringify({ ...stored, key: { ...key, repeat: 7 } }));
  expect(await cache.find(key, { maxAgeMs: HOUR, nowMs: MEASURED_AT })).toBeUndefined();
});

it("files a reused run's output in the reusing review, where it outlives the measuring review", async () => {
  const measuring = {
    workflowId: 'review-t-p10',
    runId: 'r1',
    round: 0,
    suite: 'quality',
    benchmark: 'score',
    role: 'candidate' as const,
    repeat: 0,
  };
  const ref = await store.writeRun(measuring, {
    metrics: { quality: 0.9 },
    cases: [{ id: 'a', passed: true }],
  });
  const adopted = await store.adoptRun(ref, {
    ...measuring,
    workflowId: 'review-t-p50',
    runId: 'r2',
  });
  expect(adopted).toBe(
    path.join('review-t-p50', 'r2', 'round-0', 'quality', 'score', 'candidate-0.json'),
  );
  await rm(path.join(dir, 'review-t-p10'), { recursive: true });
  expect(await store.readRun(adopted)).toEqual({
    metrics: { quality: 0.9 },
    cases: [{ id: 'a', passed: true }],
  });
  await expect(
    store.adoptRun(ref, { ...measuring, workflowId: 'review-t-p100', runId: 'r3' }),
  ).rejects.toBeInstanceOf(ReportStoreError);
});

async function readdirDeep(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
