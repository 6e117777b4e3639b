// Activities: every piece of I/O a review does, assembled by a factory so production passes real
// clients and tests pass a Statsig client pointed at the sandbox. Each concern lives in its own file:
// Statsig reads, Statsig writes (made at most once), benchmark runs, judging, recording.
import { DEFAULT_REPORTS_DIR } from '../src/config';
import { planReview } from '../src/gate/plan';
import { ReportStore } from '../src/gate/report/store';
import type { GateDefinition } from '../src/gate/types';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import type { StatsigEventsClient } from '../src/statsig/events-client';
import type { ReviewActivities } from '../workflows/contract';
import type { PreCommitActivities } from '../workflows/pre-commit-contract';
import { createEvaluateReview } from './evaluate-review';
import { createPreCommitActivities, type PreCommitLinks } from './pre-commit';
import { createRecordResult } from './record-result';
import { createRunBenchmark } from './run-benchmark';
import { createStatsigReads, createTriggerReader } from './statsig-reads';
import { createStatsigWrites } from './statsig-writes';

export interface ActivityDependencies {
  statsig: StatsigConsoleClient;
  /** Present when STATSIG_SERVER_SECRET is set. */
  events?: StatsigEventsClient;
  gate: GateDefinition;
  /** Where run outputs and review reports are stored (GATE_REPORTS_DIR). */
  reportsDir?: string;
  /** Where a pre-commit answer's debug links point (the Temporal UI, GATE_REPORTS_URL). */
  links?: PreCommitLinks;
}

export function createActivities(
  deps: ActivityDependencies,
): ReviewActivities & PreCommitActivities {
  const { statsig, events, gate } = deps;
  const reports = new ReportStore(deps.reportsDir ?? DEFAULT_REPORTS_DIR);
  const triggers = createTriggerReader(statsig);
  return {
    ...createStatsigReads(statsig, triggers),
    async planReview(input) {
      return planReview(gate, input.target, input.releasePipelineID);
    },
    runBenchmark: createRunBenchmark(gate, reports),
    evaluateReview: createEvaluateReview(reports),
    ...createStatsigWrites(statsig, triggers),
    recordReviewResult: createRecordResult(reports, events),
    ...createPreCommitActivities({ statsig, gate, reports, links: deps.links }),
  };
}
