// `rollout-gate backtest --gate new-gate.ts [--since 30d]`: re-judges the reviews stored under
// GATE_REPORTS_DIR with a changed gate config's criteria, over the runs each stored (no benchmark
// runs again), and lists the decisions that would flip and why: tighten a threshold knowing what
// it would have blocked.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_REPORTS_DIR } from '../config';
import { errorMessage } from '../error-message';
import type { RunData } from '../gate/judge';
import { versionText } from '../gate/judge/format';
import { loadGateConfig } from '../gate/load';
import { gateVersionOf } from '../gate/plan';
import type { StoredReport } from '../gate/report/document';
import { ReportStore } from '../gate/report/store';
import { CliError, UsageError } from './errors';
import { type Rejudged, rejudge } from './rejudge';
import type { Output } from './webhook';

export const BACKTEST_OPTIONS = {
  gate: { type: 'string' },
  since: { type: 'string' },
  reports: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export interface BacktestArgs {
  gate?: string;
  since?: string;
  reports?: string;
  json: boolean;
}

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `30d`, `12h`, `2w`, `90m`: how far back to look. */
export function parseSince(value: string): number {
  const match = /^(\d+)\s*([mhdw])$/.exec(value.trim());
  if (!match) {
    throw new UsageError(
      `--since is a number and a unit (m, h, d, w), e.g. 30d, not '${value}'.`,
      'backtest',
    );
  }
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

interface Found {
  file: string;
  report: StoredReport;
}

/** Every report.json the store holds: <dir>/<review>/<run>/report.json. */
async function storedReports(dir: string): Promise<Found[]> {
  const found: Found[] = [];
  const entries = (where: string) =>
    readdir(where, { withFileTypes: true }).then(
      (list) => list.filter((entry) => entry.isDirectory()).map((entry) => entry.name),
      () => [] as string[],
    );
  for (const review of await entries(dir)) {
    for (const run of await entries(path.join(dir, review))) {
      const file = path.join(dir, review, run, 'report.json');
      try {
        found.push({ file, report: JSON.parse(await readFile(file, 'utf8')) as StoredReport });
      } catch {
        // Not a review (the answer ledger), or a review that never got to judging.
      }
    }
  }
  return found;
}

/** The stored runs with their full outputs, read back as judging read them. */
async function runsOf(store: ReportStore, report: StoredReport): Promise<RunData[]> {
  const runs: RunData[] = [];
  for (const run of report.runs) {
    if (run.status === 'completed') {
      const { ref, metrics, durationMs, sampleCount, caseCount, ...key } = run;
      runs.push({ ...key, status: 'completed', output: await store.readRun(ref) });
    } else {
      runs.push(run);
    }
  }
  return runs;
}

interface Outcome {
  review: string;
  entity: string;
  generatedAt: string;
  decision?: string;
  result?: Rejudged;
  skipped?: string;
}

function describe(outcome: Outcome): string {
  return `${outcome.review} (${outcome.entity}, ${outcome.generatedAt})`;
}

export async function backtestCommand(
  args: BacktestArgs,
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<number> {
  if (!args.gate) throw new UsageError('Name the changed gate config: --gate FILE.', 'backtest');
  const sinceMs = args.since === undefined ? undefined : parseSince(args.since);
  const dir = path.resolve(args.reports ?? env.GATE_REPORTS_DIR ?? DEFAULT_REPORTS_DIR);
  const gate = await loadGateConfig(args.gate);
  const cutoff = sinceMs === undefined ? Number.NEGATIVE_INFINITY : Date.now() - sinceMs;
  const store = new ReportStore(dir);
  const all = await storedReports(dir);
  if (all.length === 0) {
    throw new CliError(`No stored reviews in ${dir}: set GATE_REPORTS_DIR or pass --reports DIR.`);
  }
  const outcomes: Outcome[] = [];
  for (const { report } of all) {
    const at = Date.parse(report.generatedAt);
    if (!(at >= cutoff)) continue;
    const target = report.subject.target;
    const outcome: Outcome = {
      review: report.subject.workflowId,
      entity: `${target.name}, ${versionText(target.version)}`,
      generatedAt: report.generatedAt,
      ...(report.decision ? { decision: report.decision.action } : {}),
    };
    try {
      outcome.result = rejudge(report, gate, await runsOf(store, report));
    } catch (error) {
      outcome.skipped = errorMessage(error);
    }
    outcomes.push(outcome);
  }
  const flips = outcomes.filter((o) => o.result && o.result.before !== o.result.after);
  if (args.json) {
    io.out(
      JSON.stringify(
        { gateVersion: gateVersionOf(gate), reportsDir: dir, reviews: outcomes },
        null,
        2,
      ),
    );
    return 0;
  }
  const window = args.since ? ` from the last ${args.since}` : '';
  io.out(
    `Backtest of ${args.gate} (gate version ${gateVersionOf(gate)}) over ${outcomes.length} stored review(s)${window} in ${dir}`,
  );
  io.out(flips.length === 1 ? '1 decision would flip:' : `${flips.length} decisions would flip:`);
  for (const outcome of flips) {
    const result = outcome.result as Rejudged;
    const was = outcome.decision ? ` (${outcome.decision})` : '';
    io.out(`  ${describe(outcome)}: ${result.before}${was} → ${result.after}`);
    for (const change of result.changes) io.out(`    - ${change}`);
  }
  const unchanged = outcomes.filter((o) => o.result && o.result.before === o.result.after);
  io.out(`${unchanged.length} unchanged.`);
  for (const outcome of outcomes.filter((o) => o.skipped)) {
    io.out(`  not re-judged: ${describe(outcome)}: ${outcome.skipped}`);
  }
  return 0;
}
