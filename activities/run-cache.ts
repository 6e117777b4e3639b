// The run cache around one benchmark run (src/gate/report/run-cache.ts keeps the entries): the key
// of the run about to be measured, a cached run of that key to take instead, and the entry written
// once a run has been measured. A cache that cannot be read or written costs a measurement, never
// the run.
import { Context } from '@temporalio/activity';
import { errorMessage } from '../src/error-message';
import { contentHash } from '../src/gate/hash';
import { benchmarkVersionOf, gateVersionOf } from '../src/gate/plan';
import type { RunCache, RunCacheKey } from '../src/gate/report/run-cache';
import type { ReportStore, ReviewKey, StoredRunKey } from '../src/gate/report/store';
import { hashSeed } from '../src/gate/stats';
import type { BenchmarkDefinition, GateDefinition, RunRole, Target } from '../src/gate/types';
import type { TargetRef } from '../src/gate/wire';
import type { RunBenchmarkInput, RunBenchmarkResult } from '../workflows/contract';

/** The worker's run cache and how old a run it serves (GATE_CACHE_MAX_AGE). */
export interface RunCaching {
  cache: RunCache;
  maxAgeMs: number;
  /** The clock runs are aged by (tests move it). */
  now?: () => number;
}

/**
 * A run's seed follows its suite, benchmark and repeat, never the review: the candidate and baseline
 * of one repeat share it, and a run of another review drew what this one would have.
 */
export function runSeed(suite: string, benchmark: string, repeat: number): number {
  return hashSeed(`${suite}|${benchmark}|${repeat}`);
}

/** A version's snapshot hash: carried in its reference, or computed the way the store computes it. */
function snapshotOf(ref: TargetRef | null | undefined, whole: Target | null): string | null {
  if (ref) return ref.snapshot;
  return whole ? contentHash(whole) : null;
}

export function runCacheKey(run: {
  gate: GateDefinition;
  definition: BenchmarkDefinition;
  input: RunBenchmarkInput;
  versions: { target: Target; baseline: Target | null };
  role: RunRole;
  repeat: number;
  seed: number;
}): RunCacheKey | undefined {
  const { input, versions, role } = run;
  const candidate = snapshotOf(input.targetRef, versions.target);
  const baseline = snapshotOf(input.baselineRef, versions.baseline);
  // A baseline run measures the baseline (activities/run-benchmark.ts picks the same way).
  const measured = role === 'baseline' && baseline !== null ? baseline : candidate;
  if (measured === null) return undefined;
  return {
    gateVersion: gateVersionOf(run.gate),
    suite: input.suite,
    benchmark: input.benchmark,
    definition: benchmarkVersionOf(run.definition),
    role,
    repeat: run.repeat,
    seed: run.seed,
    measured,
    baseline,
    // versions are the phase's view of both (activities/run-benchmark.ts): the rules it serves.
    ...(input.phase || input.scope
      ? {
          served: contentHash({
            target: { value: versions.target.value, rules: versions.target.rules },
            baseline: versions.baseline && {
              value: versions.baseline.value,
              rules: versions.baseline.rules,
            },
            scope: input.scope?.name ?? null,
          }),
        }
      : {}),
  };
}

/**
 * The cached run of this key within the max age, filed as this review's own run `stored`, or
 * undefined (nothing cached, too old, or its output pruned meanwhile: the run is measured).
 */
export async function takeCachedRun(
  caching: RunCaching,
  reports: ReportStore,
  key: RunCacheKey,
  stored: StoredRunKey,
): Promise<RunBenchmarkResult | undefined> {
  const { log } = Context.current();
  try {
    const nowMs = (caching.now ?? Date.now)();
    const hit = await caching.cache.find(key, { maxAgeMs: caching.maxAgeMs, nowMs });
    if (!hit) return undefined;
    const ref = await reports.adoptRun(hit.ref, stored);
    log.info('benchmark run taken from the run cache', { ...hit.source });
    return {
      metrics: hit.metrics,
      durationMs: hit.durationMs,
      ref,
      sampleCount: hit.sampleCount,
      caseCount: hit.caseCount,
      reused: hit.source,
    };
  } catch (error) {
    log.warn('the run cache could not serve a run; measuring it', { error: errorMessage(error) });
    return undefined;
  }
}

/** Keeps a measured run for later reviews. */
export async function keepRun(
  caching: RunCaching,
  key: RunCacheKey,
  result: RunBenchmarkResult,
  review: ReviewKey,
): Promise<void> {
  const { metrics, durationMs, ref, sampleCount, caseCount } = result;
  try {
    await caching.cache.record({
      key,
      ref,
      metrics,
      durationMs,
      sampleCount,
      caseCount,
      source: { ...review, measuredAt: new Date((caching.now ?? Date.now)()).toISOString() },
    });
  } catch (error) {
    Context.current().log.warn('could not keep a run in the run cache', {
      error: errorMessage(error),
    });
  }
}
