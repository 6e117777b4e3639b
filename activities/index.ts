// Activities: every piece of I/O a review does, assembled by a factory so production passes real
// clients and tests pass a Statsig client pointed at the sandbox. Each concern lives in its own file:
// Statsig reads, Statsig writes (made at most once), benchmark runs, judging, recording.
import { DEFAULT_REPORTS_DIR } from '../src/config';
import { planReview } from '../src/gate/plan';
import { RunCache } from '../src/gate/report/run-cache';
import { ReportStore } from '../src/gate/report/store';
import type { GateDefinition, Target } from '../src/gate/types';
import { notifiesAny } from '../src/notify/routing';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import type { StatsigEventsClient } from '../src/statsig/events-client';
import {
  type PlannedReview,
  type PlanReviewInput,
  type ReviewActivities,
  waitsForReview,
} from '../workflows/contract';
import type { PreCommitActivities } from '../workflows/pre-commit-contract';
import type { RetentionActivities } from '../workflows/retention-contract';
import type { RollbackActivities, UndoActivities } from '../workflows/rollback-contract';
import type { SideActivities } from '../workflows/side-contract';
import { createCatchUp, type ReviewDirectory } from './catch-up';
import { createEvaluateReview } from './evaluate-review';
import { createNotify, type NotifyDependencies } from './notify';
import { createPreCommitActivities, type PreCommitLinks } from './pre-commit';
import { createRecordResult } from './record-result';
import { withRedactedFailures } from './redaction';
import { createReportRetention } from './report-retention';
import { createRollbackActivities, createUndoActivities } from './rollback';
import { createRunBenchmark } from './run-benchmark';
import { resolveTarget } from './snapshots';
import { createStatsigReads, createTriggerReader } from './statsig-reads';
import { createStatsigWrites } from './statsig-writes';

export interface ActivityDependencies {
  statsig: StatsigConsoleClient;
  /** Present when STATSIG_SERVER_SECRET is set. */
  events?: StatsigEventsClient;
  gate: GateDefinition;
  /** Where run outputs and review reports are stored (GATE_REPORTS_DIR). */
  reportsDir?: string;
  /**
   * The worker's own secrets (its Statsig keys, Temporal API key, review API token): never shown in
   * a benchmark run's failure, whatever the benchmark printed.
   */
  secrets?: readonly string[];
  /** Where a pre-commit answer's debug links point (the Temporal UI, GATE_REPORTS_URL). */
  links?: PreCommitLinks;
  /** Starts reviews for the catch-up; without it the catch-up activity refuses to run. */
  reviews?: ReviewDirectory;
  /** Notification targets and links (NOTIFY_*); without targets, reviews notify nobody. */
  notify?: NotifyDependencies;
  /** How long a Statsig call may keep retrying before the review counts as stuck (default 10 min). */
  stuckAfterMs?: number;
  /**
   * The run cache (GATE_CACHE_MAX_AGE): benchmark runs measured within `maxAgeMs` are reused
   * instead of measured again. Absent, every run is measured and none is kept.
   */
  runCache?: { maxAgeMs: number; now?: () => number };
}

export function createActivities(
  deps: ActivityDependencies,
): ReviewActivities &
  RollbackActivities &
  UndoActivities &
  SideActivities &
  RetentionActivities &
  PreCommitActivities {
  const { statsig, events, gate } = deps;
  const reportsDir = deps.reportsDir ?? DEFAULT_REPORTS_DIR;
  const reports = new ReportStore(reportsDir);
  const triggers = createTriggerReader(statsig);
  const notify = { reportsDir, ...deps.notify };
  const { loadTarget, ...reads } = createStatsigReads(statsig, triggers, reports);
  const evaluateReview = createEvaluateReview(reports);
  const planFor = (target: Target, input: PlanReviewInput): PlannedReview => {
    const planned = planReview(gate, target, input.releasePipelineID, 'phase', input.phase ?? null);
    const review = {
      request: { releasePipelineID: input.releasePipelineID },
      suites: planned.suites.map((suite) => suite.name),
    };
    // The review starts no notification workflow when nobody would be told.
    return {
      ...planned,
      policy: { ...planned.policy, notify: notifiesAny(review, gate.notifications, notify) },
    };
  };
  return {
    ...reads,
    async planReview(input) {
      // Suites select targets by tag: the tags are in the snapshot, not in the reference.
      return planFor(await resolveTarget(reports, input, 'planReview'), input);
    },
    async loadAndPlanReview(request) {
      // Planned from the entity just read, not read back from the snapshot it was stored as.
      const { loaded, target } = await loadTarget(request);
      // A trigger that no longer waits for this review is superseded: nothing to plan.
      if (!waitsForReview(loaded.trigger, request.phaseID)) return loaded;
      const { phase } = loaded;
      const input = {
        releasePipelineID: loaded.trigger.releasePipelineID,
        ...(phase ? { phase } : {}),
      };
      return { ...loaded, plan: planFor(target, input) };
    },
    runBenchmark: withRedactedFailures(
      createRunBenchmark(
        gate,
        reports,
        statsig,
        deps.runCache && { ...deps.runCache, cache: new RunCache(reports) },
      ),
      deps.secrets ?? [],
    ),
    evaluateReview,
    async judgeAndReconcileReview({ evaluate, reconcile }) {
      // Side by side, as the two steps it merges ran: the reads wait on Statsig while judging
      // computes. A half that fails waits for the other to end, so the ordinary fallback does not
      // start beside a leftover half (unless the whole step timed out). The fallback redoes both
      // halves: a judging that fits in memory is cheap to redo, and a Statsig blip is rare.
      const [evaluated, reconciled] = await Promise.allSettled([
        evaluateReview(evaluate),
        reads.reconcileReview(reconcile),
      ]);
      if (evaluated.status === 'rejected') throw evaluated.reason;
      if (reconciled.status === 'rejected') throw reconciled.reason;
      return { evaluated: evaluated.value, reconciled: reconciled.value };
    },
    ...createStatsigWrites(statsig, triggers),
    ...createRollbackActivities(statsig, triggers, reports),
    ...createUndoActivities(statsig, triggers),
    recordReviewResult: createRecordResult(reports, events),
    // The report store's retention pass, run by its own Schedule (workflows/report-retention.ts).
    ...createReportRetention(reports),
    ...createPreCommitActivities({ statsig, gate, reports, links: deps.links }),
    ...createCatchUp(statsig, triggers, deps.reviews, {
      stuckAfterMs: deps.stuckAfterMs ?? 10 * 60 * 1000,
    }),
    ...createNotify(gate, notify),
  };
}
