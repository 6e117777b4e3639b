// Judges every run of the review: reads the stored outputs, runs the statistics (seeded by the
// workflow ID, so the verdict is reproducible), writes report.json and report.md, and returns the
// verdict with per-criterion evidence (small enough for the workflow's history). The runs judged
// are stored too, so the next sampling round sends only its own; the entity comes by reference.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { evaluate, type RunData } from '../src/gate/judge';
import {
  CASES_IN_SUMMARY,
  REPORT_SCHEMA_VERSION,
  type StoredReport,
} from '../src/gate/report/document';
import { type ReportStore, ReportStoreError } from '../src/gate/report/store';
import type { RunRecord } from '../src/gate/wire';
import type { ReusedRunsSummary } from '../workflows/contract';
import {
  type CaseListSummary,
  type EvaluateReviewInput,
  type EvaluateReviewResult,
  FAILURE,
  type ReviewActivities,
  versionOf,
} from '../workflows/contract';
import { reviewKey } from './context';
import { configHashOf } from './snapshots';

function caseList(
  analyses: ReturnType<typeof evaluate>['datasets'],
  pick: 'flaky' | 'regressions' | 'improvements',
): CaseListSummary {
  const all = analyses.flatMap((analysis) =>
    analysis[pick].map((item) => ({
      suite: analysis.suite,
      benchmark: analysis.benchmark,
      ...item,
    })),
  );
  return { count: all.length, cases: all.slice(0, CASES_IN_SUMMARY) };
}

/** The runs taken from the run cache, counted by the review that measured them. */
function reusedRuns(records: readonly RunRecord[]): ReusedRunsSummary | undefined {
  const from = new Map<string, ReusedRunsSummary['from'][number]>();
  for (const run of records) {
    if (run.status !== 'completed' || !run.reused) continue;
    const { workflowId, runId } = run.reused;
    const key = `${workflowId}\u0000${runId}`;
    const entry = from.get(key) ?? { workflowId, runId, runs: 0 };
    entry.runs += 1;
    from.set(key, entry);
  }
  if (from.size === 0) return undefined;
  const sources = [...from.values()];
  return { runs: sources.reduce((sum, source) => sum + source.runs, 0), from: sources };
}

/** Store reads fail as ReportStoreMissing: a retry may land on a worker that shares the store. */
async function fromStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ReportStoreError) {
      throw ApplicationFailure.create({
        type: FAILURE.reportStoreMissing,
        message: error.message,
      });
    }
    throw error;
  }
}

/** Every run of this version: the earlier rounds' from the store, then the ones sent. */
async function allRuns(reports: ReportStore, input: EvaluateReviewInput): Promise<RunRecord[]> {
  const { earlierRuns } = input;
  if (earlierRuns === undefined) return input.runs;
  return [...(await fromStore(() => reports.readJudgedRuns(earlierRuns))), ...input.runs];
}

/** Every run with its full output, read back from the report store. */
async function readRuns(reports: ReportStore, records: readonly RunRecord[]): Promise<RunData[]> {
  const runs: RunData[] = [];
  for (const run of records) {
    if (run.status === 'completed') {
      const { ref, metrics, durationMs, sampleCount, caseCount, ...key } = run;
      runs.push({
        ...key,
        status: 'completed',
        output: await fromStore(() => reports.readRun(ref)),
      });
    } else {
      runs.push(run);
    }
  }
  return runs;
}

/** Judges the review's runs and writes report.json and report.md. */
async function evaluateAndStore(
  reports: ReportStore,
  input: EvaluateReviewInput,
): Promise<EvaluateReviewResult> {
  const { workflowId, runId } = reviewKey();
  const target = versionOf(input);
  const hash = configHashOf(input);
  if (!target || hash === undefined) {
    throw ApplicationFailure.nonRetryable(
      'evaluateReview was given no target (targetRef or target)',
    );
  }
  const baselineHash = configHashOf(input.baseline);
  const records = await allRuns(reports, input);
  const runs = await readRuns(reports, records);
  const result = evaluate({
    criteria: input.plan.criteria,
    suites: input.plan.suites,
    runs,
    baseline: input.baseline.status,
    onError: input.onError,
    seed: workflowId,
    round: input.samplingRounds,
    ...(input.plan.benchmarks ? { benchmarks: input.plan.benchmarks } : {}),
  });
  const key = { workflowId, runId };
  const report: StoredReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    subject: {
      workflowId,
      runId,
      ...(input.request
        ? {
            triggerID: input.request.triggerID,
            phaseID: input.request.phaseID,
            releasePipelineID: input.request.releasePipelineID,
          }
        : {}),
      target: { kind: target.kind, id: target.id, name: target.name, version: target.version },
      ...(input.phase ? { phase: input.phase } : {}),
    },
    generatedAt: new Date().toISOString(),
    gateVersion: input.plan.gateVersion,
    configHash: hash,
    baseline: baselineHash
      ? { ...input.baseline.status, configHash: baselineHash }
      : input.baseline.status,
    verdict: result.judgement.verdict,
    judgement: result.judgement,
    samplingRounds: input.samplingRounds,
    runs: records,
    datasets: result.datasets,
    skippedSuites: input.plan.skippedSuites,
  };
  const files = await reports.writeReport(key, report);
  const reused = reusedRuns(records);
  // Only a round that may be followed by another needs its runs kept for it.
  const judgedRuns =
    result.moreSamples.length > 0 ? await reports.writeJudgedRuns(key, records) : undefined;
  return {
    judgement: result.judgement,
    moreSamples: result.moreSamples,
    ...(judgedRuns ? { judgedRuns } : {}),
    evaluation: {
      report: files,
      gateVersion: report.gateVersion,
      configHash: report.configHash,
      baseline: report.baseline,
      samplingRounds: input.samplingRounds,
      runs: records.length,
      ...(reused ? { reused } : {}),
      skippedSuites: input.plan.skippedSuites,
      flaky: caseList(result.datasets, 'flaky'),
      regressions: caseList(result.datasets, 'regressions'),
      improvements: caseList(result.datasets, 'improvements'),
    },
  };
}

export function createEvaluateReview(reports: ReportStore): ReviewActivities['evaluateReview'] {
  return async function evaluateReview(input) {
    const context = Context.current();
    // Beats between the reads and writes. The judging itself is synchronous (no beats meanwhile);
    // at the sizes tested (5,000 cases, two runs a side) it takes well under the 1 min timeout.
    // A local activity (a review that fits in memory) has no heartbeat: its workflow task is its pulse.
    const beat = context.info.isLocal ? undefined : setInterval(() => context.heartbeat(), 5_000);
    try {
      return await evaluateAndStore(reports, input);
    } finally {
      clearInterval(beat);
    }
  };
}
