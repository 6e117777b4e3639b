// Retention of the report store (GATE_REPORTS_DIR): what each review's directory holds and when it
// was last written, which of them a pass removes, and the removing. The store is a tree of
// `<workflow ID>/<run ID>/…`, one directory per review execution (src/gate/report/store.ts); a review
// is kept or removed whole, so a report never loses the run outputs it refers to. The snapshots and
// the run cache beside them are no reviews and are left alone.
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { RUN_CACHE_DIR, SNAPSHOTS_DIR } from './store';

/**
 * Not reviews: a running review reads its snapshots, and a pass must never take them as an old
 * review to remove. They are not pruned here.
 */
const NOT_REVIEWS = new Set([SNAPSHOTS_DIR, RUN_CACHE_DIR]);

export interface StoredReview {
  /** `<workflow segment>/<run segment>`, relative to the store. */
  dir: string;
  bytes: number;
  /** The newest modification time of anything inside it (ms). */
  lastWrittenMs: number;
}

/** Sums a directory's file sizes and finds its newest modification; symlinks are not followed. */
async function measure(dir: string): Promise<{ bytes: number; lastWrittenMs: number }> {
  const own = await lstat(dir);
  let bytes = 0;
  let lastWrittenMs = own.mtimeMs;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await measure(full);
      bytes += inner.bytes;
      lastWrittenMs = Math.max(lastWrittenMs, inner.lastWrittenMs);
    } else {
      const stat = await lstat(full);
      bytes += stat.size;
      lastWrittenMs = Math.max(lastWrittenMs, stat.mtimeMs);
    }
  }
  return { bytes, lastWrittenMs };
}

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Every review directory in the store; `onReview` is called after each (for heartbeats). */
export async function scanReviews(
  storeDir: string,
  onReview: () => void = () => {},
): Promise<StoredReview[]> {
  const reviews: StoredReview[] = [];
  let workflows: string[];
  try {
    workflows = (await readdir(storeDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !NOT_REVIEWS.has(entry.name))
      .map((entry) => entry.name);
  } catch (error) {
    if (missing(error)) return [];
    throw error;
  }
  for (const workflow of workflows) {
    const runs = await readdir(path.join(storeDir, workflow), { withFileTypes: true }).catch(
      (error: unknown) => {
        if (missing(error)) return [];
        throw error;
      },
    );
    for (const run of runs.filter((entry) => entry.isDirectory())) {
      const dir = `${workflow}/${run.name}`;
      try {
        reviews.push({ dir, ...(await measure(path.join(storeDir, workflow, run.name))) });
      } catch (error) {
        // Removed by another pass meanwhile: nothing to decide about.
        if (!missing(error)) throw error;
      }
      onReview();
    }
  }
  return reviews;
}

export interface PrunePolicy {
  maxAgeMs?: number | undefined;
  maxBytes?: number | undefined;
  nowMs: number;
  /** Reviews never removed, whatever their age or size: running ones, or just written. */
  isProtected(review: StoredReview): boolean;
}

export interface PrunePlan {
  remove: Array<StoredReview & { reason: 'age' | 'size' }>;
  keptBytes: number;
  protectedReviews: number;
  overBudget: boolean;
}

/** Too old first; then, while over the size cap, the reviews written longest ago. */
export function planPrune(reviews: readonly StoredReview[], policy: PrunePolicy): PrunePlan {
  const oldestFirst = [...reviews].sort((a, b) => a.lastWrittenMs - b.lastWrittenMs);
  const remove: PrunePlan['remove'] = [];
  const removable: StoredReview[] = [];
  let protectedReviews = 0;
  for (const review of oldestFirst) {
    if (policy.isProtected(review)) {
      protectedReviews += 1;
    } else if (
      policy.maxAgeMs !== undefined &&
      policy.nowMs - review.lastWrittenMs > policy.maxAgeMs
    ) {
      remove.push({ ...review, reason: 'age' });
    } else {
      removable.push(review);
    }
  }
  let keptBytes = reviews.reduce((sum, review) => sum + review.bytes, 0);
  for (const review of remove) keptBytes -= review.bytes;
  if (policy.maxBytes !== undefined) {
    for (const review of removable) {
      if (keptBytes <= policy.maxBytes) break;
      remove.push({ ...review, reason: 'size' });
      keptBytes -= review.bytes;
    }
  }
  const overBudget = policy.maxBytes !== undefined && keptBytes > policy.maxBytes;
  return { remove, keptBytes, protectedReviews, overBudget };
}

/** Removes review directories, then workflow directories left empty. */
export async function removeReviews(
  storeDir: string,
  reviews: readonly Pick<StoredReview, 'dir'>[],
): Promise<void> {
  const parents = new Set<string>();
  for (const review of reviews) {
    const target = path.resolve(storeDir, review.dir);
    // Only ever inside the store, however a directory is named.
    if (!target.startsWith(`${path.resolve(storeDir)}${path.sep}`)) continue;
    await rm(target, { recursive: true, force: true });
    parents.add(path.dirname(target));
  }
  for (const parent of parents) {
    // Fails when another run of the same workflow is still there: then it stays.
    await rmdir(parent).catch(() => undefined);
  }
}
