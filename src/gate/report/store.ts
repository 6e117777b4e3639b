// Where per-run outputs (samples, per-case results) and review reports live, outside Temporal's
// history: a directory (GATE_REPORTS_DIR). The workflow only carries references into it. Workers on
// several hosts need a shared directory, since a review's runs and its evaluation may land on
// different workers.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorCode } from '../../error-message';
import type { BenchmarkOutput } from '../types';
import type { RunKey } from '../wire';
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
  readonly code = 'REPORT_STORE_MISSING';
  constructor(message: string) {
    super(message);
    this.name = 'ReportStoreError';
  }
}

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
async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
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

  /** Stores one run's full output; returns the reference the workflow keeps (relative to the store). */
  async writeRun(key: StoredRunKey, output: BenchmarkOutput): Promise<string> {
    const file = path.join(
      this.reviewDir(key),
      `round-${key.round}`,
      segment(key.suite),
      segment(key.benchmark),
      `${key.role}-${key.repeat}.json`,
    );
    await writeAtomically(file, JSON.stringify(output));
    return path.relative(this.dir, file);
  }

  async readRun(ref: string): Promise<BenchmarkOutput> {
    const file = path.resolve(this.dir, ref);
    if (!file.startsWith(`${this.dir}${path.sep}`)) {
      throw new ReportStoreError(`run reference ${ref} points outside the report store`);
    }
    try {
      return JSON.parse(await readFile(file, 'utf8')) as BenchmarkOutput;
    } catch (error) {
      throw new ReportStoreError(
        `run output ${ref} is not in ${this.dir} (${errorCode(error)}); workers on several hosts need a shared GATE_REPORTS_DIR`,
      );
    }
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
    await writeAtomically(files.json, `${JSON.stringify(report, null, 1)}\n`);
    await writeAtomically(files.markdown, renderMarkdown(report));
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
