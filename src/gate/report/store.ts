// Where per-run outputs (samples, per-case results), review reports and snapshots of the entities
// under review live, outside Temporal's history: a directory (GATE_REPORTS_DIR). The workflow only
// carries references into it. Workers on several hosts need a shared directory, since a review's
// reads, runs and evaluation may land on different workers.

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorCode } from '../../error-message';
import { contentHash } from '../hash';
import type { BenchmarkOutput, Target } from '../types';
import type { RunKey, RunRecord, TargetRef } from '../wire';
import type { StoredReport } from './document';
import { renderMarkdown } from './markdown';

export interface ReviewKey {
  workflowId: string;
  runId: string;
}

/** Where one run's output is stored: the review, its round, and the run within it. */
export interface StoredRunKey extends ReviewKey, RunKey {
  /** The review's rerun (a new version of the entity means new runs). */
  round: number;
}

export interface ReportFiles {
  json: string;
  markdown: string;
}

/** Written once Statsig has answered a review's log_event: the events it was sent, by key. */
export interface EventsMarker {
  recordedAt: string;
  eventKeys: string[];
}

/** The file names the store keeps for a review (its directory also holds run outputs). */
export const REVIEW_FILES = {
  report: 'report.json',
  markdown: 'report.md',
  events: 'events-recorded.json',
} as const;

export class ReportStoreError extends Error {
  readonly code: 'REPORT_STORE_MISSING' | 'SNAPSHOT_MISSING' = 'REPORT_STORE_MISSING';
  constructor(message: string) {
    super(message);
    this.name = 'ReportStoreError';
  }
}

/** A snapshot a reference names is not in the store (or is not what was stored under its hash). */
export class SnapshotMissingError extends ReportStoreError {
  override readonly code = 'SNAPSHOT_MISSING';
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotMissingError';
  }
}

const SNAPSHOT_HASH = /^sha256:([0-9a-f]{64})$/;

/**
 * The store's top-level folders that hold no review: entity snapshots here, runs the run cache
 * keeps (./run-cache.ts). Review folders are named by workflow ID (`review-…`, `precommit-…`).
 */
export const SNAPSHOTS_DIR = 'snapshots';
export const RUN_CACHE_DIR = 'run-cache';

/** A file-system-safe segment; names that had to change get a short hash so they stay distinct. */
export function segment(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 80);
  if (safe === name) return safe;
  return `${safe}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** Written whole or not at all: a worker killed mid-write leaves no half file for a retry to read. */
export async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}

/**
 * The address a person follows to a stored report file: under `reportsUrl` when GATE_REPORTS_DIR is
 * served over HTTP, else the file's own `file://` URL. A file outside the store gets its file URL.
 */
export function reportLink(file: string, dir: string, reportsUrl: string | undefined): string {
  const relative = path.relative(dir, file);
  if (!reportsUrl || relative.startsWith('..') || path.isAbsolute(relative)) {
    return pathToFileURL(file).href;
  }
  return `${reportsUrl.replace(/\/+$/, '')}/${relative.split(path.sep).map(encodeURIComponent).join('/')}`;
}

export class ReportStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** A review's directory: `<store>/<workflow ID>/<run ID>`, each a safe segment. */
  reviewDir(key: ReviewKey): string {
    return path.join(this.dir, segment(key.workflowId), segment(key.runId));
  }

  private runFile(key: StoredRunKey): string {
    return path.join(
      this.reviewDir(key),
      `round-${key.round}`,
      segment(key.suite),
      segment(key.benchmark),
      `${key.role}-${key.repeat}.json`,
    );
  }

  /** Stores one run's full output; returns the reference the workflow keeps (relative to the store). */
  async writeRun(key: StoredRunKey, output: BenchmarkOutput): Promise<string> {
    const file = this.runFile(key);
    await writeAtomically(file, JSON.stringify(output));
    return path.relative(this.dir, file);
  }

  /**
   * Files another review's stored run output as this review's run `key` (a run reused from the run
   * cache): a hard link, or a copy where the store cannot link, so the review keeps its evidence
   * when the review that measured it is pruned. Returns the new reference.
   */
  async adoptRun(ref: string, key: StoredRunKey): Promise<string> {
    const source = this.inside(ref, 'run output');
    const file = this.runFile(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await link(source, temporary).catch(() => copyFile(source, temporary));
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new ReportStoreError(
        `run output ${ref} is not in ${this.dir} (${errorCode(error)}); it may have been pruned`,
      );
    }
    return path.relative(this.dir, file);
  }

  async readRun(ref: string): Promise<BenchmarkOutput> {
    return (await this.readStored(ref, 'run output')) as BenchmarkOutput;
  }

  /**
   * Stores the runs an evaluation judged, under their content hash, so the next sampling round's
   * evaluation receives a reference to them instead of the whole list again.
   */
  async writeJudgedRuns(key: ReviewKey, runs: readonly RunRecord[]): Promise<string> {
    const file = path.join(
      this.reviewDir(key),
      'judged-runs',
      `${contentHash(runs).replace('sha256:', '')}.json`,
    );
    await writeAtomically(file, JSON.stringify(runs));
    return path.relative(this.dir, file);
  }

  async readJudgedRuns(ref: string): Promise<RunRecord[]> {
    return (await this.readStored(ref, 'judged run list')) as RunRecord[];
  }

  /** The file a reference names, which must lie inside the store. */
  private inside(ref: string, what: string): string {
    const file = path.resolve(this.dir, ref);
    if (!file.startsWith(`${this.dir}${path.sep}`)) {
      throw new ReportStoreError(`${what} reference ${ref} points outside the report store`);
    }
    return file;
  }

  private async readStored(ref: string, what: string): Promise<unknown> {
    const file = this.inside(ref, what);
    try {
      return JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new ReportStoreError(
        `${what} ${ref} is not in ${this.dir} (${errorCode(error)}); workers on several hosts need a shared GATE_REPORTS_DIR`,
      );
    }
  }

  private snapshotFile(ref: Pick<TargetRef, 'kind' | 'id' | 'snapshot'>): string {
    const hex = SNAPSHOT_HASH.exec(ref.snapshot)?.[1];
    if (hex === undefined) {
      throw new SnapshotMissingError(`snapshot reference ${ref.snapshot} is not a sha256 hash`);
    }
    return path.join(this.dir, SNAPSHOTS_DIR, segment(ref.kind), segment(ref.id), `${hex}.json`);
  }

  /**
   * Stores a version of an entity once, under the hash of its whole content, and returns the small
   * reference the workflow passes around instead. The address covers everything a benchmark sees
   * (version, tags, the entity as read), not only the configHash of value and rules: two versions
   * that serve the same value are still two snapshots. Same content, same file: a retry or another
   * review of the same version finds it there and writes nothing.
   */
  async writeSnapshot(target: Target, configHash: string): Promise<TargetRef> {
    const ref: TargetRef = {
      kind: target.kind,
      id: target.id,
      name: target.name,
      version: target.version,
      configHash,
      snapshot: contentHash(target),
    };
    const file = this.snapshotFile(ref);
    const present = await stat(file).then(
      () => true,
      () => false,
    );
    if (!present) await writeAtomically(file, JSON.stringify(target));
    return ref;
  }

  /** The whole Target a reference names, checked against its hash. */
  async readSnapshot(ref: TargetRef): Promise<Target> {
    const file = this.snapshotFile(ref);
    let target: Target;
    try {
      target = JSON.parse(await readFile(file, 'utf8')) as Target;
    } catch (error) {
      throw new SnapshotMissingError(
        `the snapshot of ${ref.kind} ${ref.id} version ${ref.version ?? 'unnumbered'} (${ref.snapshot}) is not in ${this.dir} (${errorCode(error)}); workers on several hosts need a shared GATE_REPORTS_DIR`,
      );
    }
    if (contentHash(target) !== ref.snapshot) {
      throw new SnapshotMissingError(
        `the snapshot file ${file} does not hold ${ref.snapshot}: it was changed after it was stored`,
      );
    }
    return target;
  }

  reportFiles(key: ReviewKey): ReportFiles {
    const dir = this.reviewDir(key);
    return {
      json: path.join(dir, REVIEW_FILES.report),
      markdown: path.join(dir, REVIEW_FILES.markdown),
    };
  }

  async writeReport(key: ReviewKey, report: StoredReport): Promise<ReportFiles> {
    const files = this.reportFiles(key);
    // Side by side: judging waits for both, and the review's decision waits for judging.
    await Promise.all([
      writeAtomically(files.json, `${JSON.stringify(report, null, 1)}\n`),
      writeAtomically(files.markdown, renderMarkdown(report)),
    ]);
    return files;
  }

  async readReport(key: ReviewKey): Promise<StoredReport | undefined> {
    try {
      return JSON.parse(await readFile(this.reportFiles(key).json, 'utf8')) as StoredReport;
    } catch {
      return undefined;
    }
  }

  /** The review's events marker, when log_event has been answered for it. */
  async readEventsMarker(key: ReviewKey): Promise<EventsMarker | undefined> {
    try {
      const file = path.join(this.reviewDir(key), REVIEW_FILES.events);
      return JSON.parse(await readFile(file, 'utf8')) as EventsMarker;
    } catch {
      return undefined;
    }
  }

  async writeEventsMarker(key: ReviewKey, marker: EventsMarker): Promise<void> {
    await writeAtomically(
      path.join(this.reviewDir(key), REVIEW_FILES.events),
      `${JSON.stringify(marker)}\n`,
    );
  }
}
