// The run cache: benchmark runs kept in the report store under everything that determines them,
// so a later review (the next phase of the same release, another release against the same
// baseline) takes a run instead of measuring it again. An entry is one small JSON file under
// `run-cache/`, named by the hash of its key and holding the key itself, written atomically; workers
// on several hosts share it through the shared GATE_REPORTS_DIR, and it outlives any worker.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { contentHash } from '../hash';
import type { Metrics, RunRole } from '../types';
import type { ReusedRun } from '../wire';
import { type ReportStore, RUN_CACHE_DIR, segment, writeAtomically } from './store';

/**
 * Everything that determines a run's output. Two runs with equal keys measured the same thing the
 * same way; any field that differs (another snapshot, an edited benchmark, another gate version,
 * another repeat or seed) makes another entry.
 */
export interface RunCacheKey {
  /** The gate config's version (declared, or the hash of the whole config). */
  gateVersion: string;
  suite: string;
  benchmark: string;
  /** sha256 of the benchmark's definition: its code and its kind's options. */
  definition: string;
  role: RunRole;
  repeat: number;
  seed: number;
  /** The content hash of the snapshot measured (the candidate's, or the baseline's). */
  measured: string;
  /** The content hash of the baseline the run was handed, or null: a benchmark may read it. */
  baseline: string | null;
  /**
   * In a phase review: the hash of what the phase's rules (and a `forEach` copy's scope) serve of
   * both versions. The same snapshot serves other values under other rules or in another region.
   */
  served?: string;
}

/** One cached run: its key, what the review keeps of it, and where it was measured. */
export interface CachedRun {
  /** Bumped when an entry's meaning changes; entries of another version are not served. */
  version: typeof ENTRY_VERSION;
  key: RunCacheKey;
  /** The stored output (relative to the store), in the review that measured it. */
  ref: string;
  metrics: Metrics;
  durationMs: number;
  sampleCount: number;
  caseCount: number;
  source: ReusedRun;
}

const ENTRY_VERSION = 1;

/** Whether two keys are the same key, field by field. */
function sameKey(a: RunCacheKey, b: RunCacheKey): boolean {
  return contentHash(a) === contentHash(b);
}

export class RunCache {
  constructor(private readonly store: ReportStore) {}

  private file(key: RunCacheKey): string {
    const hex = contentHash(key).replace('sha256:', '');
    return path.join(
      this.store.dir,
      RUN_CACHE_DIR,
      segment(key.suite),
      segment(key.benchmark),
      `${hex}.json`,
    );
  }

  /** Keeps a run measured by a review; a later entry of the same key replaces it. */
  async record(entry: Omit<CachedRun, 'version'>): Promise<void> {
    await writeAtomically(
      this.file(entry.key),
      JSON.stringify({ version: ENTRY_VERSION, ...entry } satisfies CachedRun),
    );
  }

  /**
   * The run of exactly this key measured within `maxAgeMs` of `nowMs`, or undefined. An entry whose
   * stored key differs (a hash collision, an edited file) or of another version is never served.
   */
  async find(
    key: RunCacheKey,
    { maxAgeMs, nowMs }: { maxAgeMs: number; nowMs: number },
  ): Promise<CachedRun | undefined> {
    let entry: CachedRun;
    try {
      entry = JSON.parse(await readFile(this.file(key), 'utf8')) as CachedRun;
    } catch {
      return undefined;
    }
    if (entry?.version !== ENTRY_VERSION || !entry.key || !sameKey(entry.key, key)) {
      return undefined;
    }
    const measuredAtMs = Date.parse(entry.source?.measuredAt ?? '');
    if (!Number.isFinite(measuredAtMs) || nowMs - measuredAtMs > maxAgeMs) return undefined;
    return entry;
  }
}
