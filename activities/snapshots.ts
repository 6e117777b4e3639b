// The entity under review as activities receive it: a reference to the snapshot stored when it was
// read from Statsig, resolved here into the whole Target that benchmarks and planning see. Reviews
// started before snapshots were stored pass the whole Target instead, which is used as it is.
import { ApplicationFailure } from '@temporalio/activity';
import { type ReportStore, SnapshotMissingError } from '../src/gate/report/store';
import type { Target } from '../src/gate/types';
import type { TargetRef } from '../src/gate/wire';
import { configHash } from '../src/statsig/targets';
import { FAILURE } from '../workflows/contract';

/** A version as an input carries it: by reference, whole (older histories), or not at all. */
interface Carried {
  targetRef?: TargetRef | null | undefined;
  target?: Target | null | undefined;
}

/**
 * The whole Target, or null when the input carries none. A snapshot missing from this worker's
 * store fails the attempt as SnapshotMissing, retried (another worker may share the store).
 */
export async function resolveVersion(
  reports: ReportStore,
  carried: Carried,
): Promise<Target | null> {
  if (!carried.targetRef) return carried.target ?? null;
  try {
    return await reports.readSnapshot(carried.targetRef);
  } catch (error) {
    if (error instanceof SnapshotMissingError) {
      throw ApplicationFailure.create({ type: FAILURE.snapshotMissing, message: error.message });
    }
    throw error;
  }
}

/** The version under review, whole; an input without one is a bug no retry mends. */
export async function resolveTarget(
  reports: ReportStore,
  carried: Carried,
  activity: string,
): Promise<Target> {
  const target = await resolveVersion(reports, carried);
  if (target === null) {
    throw ApplicationFailure.nonRetryable(`${activity} was given no target (targetRef or target)`);
  }
  return target;
}

/** The candidate and the baseline of a run, whole. */
export async function resolveRunVersions(
  reports: ReportStore,
  input: Carried & { baselineRef?: TargetRef | null; baseline?: Target | null },
): Promise<{ target: Target; baseline: Target | null }> {
  const [target, baseline] = await Promise.all([
    resolveTarget(reports, input, 'runBenchmark'),
    resolveVersion(reports, { targetRef: input.baselineRef, target: input.baseline }),
  ]);
  return { target, baseline };
}

/** What the version serves, hashed: carried by a reference, computed from a whole Target. */
export function configHashOf(carried: Carried): string | undefined {
  if (carried.targetRef) return carried.targetRef.configHash;
  return carried.target ? configHash(carried.target) : undefined;
}
