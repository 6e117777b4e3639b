// The serialisable shapes that cross the workflow/activity boundary and land in reports: plans,
// run records, verdicts and their evidence. The workflow imports these types only.
import type {
  Aggregation,
  Comparison,
  Criterion,
  ForEach,
  KillSwitchSetting,
  Metrics,
  Operator,
  ReviewPhase,
  ReviewPolicy,
  ReviewScope,
  RollbackScope,
  RunRole,
  Spending,
  Target,
} from './types';

/**
 * A policy with every default applied. `afterRollback` is optional only because plans recorded
 * before it existed lack it (read it through `afterRollbackOf`).
 */
export type ResolvedPolicy = Required<Omit<ReviewPolicy, 'afterRollback'>> &
  Pick<ReviewPolicy, 'afterRollback'>;

/**
 * The one environment or rule a `forEach` suite's copy judges: the suite it was planned from and the
 * scope. Its copy's name is `<suite>@<scope name>`.
 */
export interface PlannedScope extends ReviewScope {
  suite: string;
  forEach: ForEach;
}

/**
 * A version of a gate or dynamic config as it travels through the review's history: who it is and
 * where its snapshot lies, never its value or rules. Its size does not grow with the entity's (a
 * prompt config can weigh megabytes; Temporal refuses payloads over 2 MiB). Activities read the
 * whole Target back from the snapshot store (src/gate/report/store.ts) under `snapshot`, and give
 * it to benchmarks as `target` and `baseline`.
 */
export interface TargetRef {
  kind: Target['kind'];
  id: string;
  name: string;
  version: number | null;
  /** sha256 of the value and rules: identifies what the version serves (see configHash). */
  configHash: string;
  /** sha256 of the whole snapshot (value, rules, tags, the entity as read): its address in the store. */
  snapshot: string;
}

/**
 * The phase under review as the review's history carries it (activities/statsig-reads.ts reads it
 * with the trigger): a ReviewPhase whose rules carry no `returnValue` (values can weigh megabytes).
 * Activities put the values back from the version they give a benchmark (src/statsig/phase-rules.ts).
 */
export type PhaseSummary = ReviewPhase;

/** A benchmark to run, as the workflow sees it: names and limits only, never code. */
export interface PlannedBenchmark {
  suite: string;
  benchmark: string;
  kind: string;
  timeoutMs: number;
  heartbeatTimeoutMs: number;
  retries: number;
  repeats: number;
  maxRepeats: number;
  parallelRuns: number;
  /** Whether it also runs on the baseline (its suite has a relative criterion). */
  baseline: boolean;
  /** For a copy of a `forEach` suite: the scope it measures (its `suite` is the copy's name). */
  scope?: PlannedScope;
}

export interface PlannedSuite {
  name: string;
  passScore: number;
  /** For a copy of a `forEach` suite: the scope it judges. */
  scope?: PlannedScope;
}

export interface ReviewPlan {
  benchmarks: PlannedBenchmark[];
  criteria: Array<Criterion & { suite: string }>;
  suites: PlannedSuite[];
  /** Suites whose `targets` leave this review out. */
  skippedSuites: string[];
  /** Whether any planned benchmark runs on the baseline, so the baseline must be loaded. */
  needsBaseline: boolean;
  gateVersion: string;
  policy: ResolvedPolicy;
  /**
   * Per-suite onFail overrides. A `forEach` suite's copies always have one, a rollback narrowed to
   * their scope when the action is `rollback`.
   */
  suiteOnFail: Record<string, KillSwitchSetting>;
}

/** Which run: the benchmark, the side of the comparison, and the repeat. */
export interface RunKey {
  suite: string;
  benchmark: string;
  role: RunRole;
  repeat: number;
}

/** A run that threw or timed out: the same in the workflow's record and in the judge's input. */
export type FailedRun = RunKey & { status: 'error'; error: string };

/**
 * Where a run served from the run cache was measured: the review that ran the benchmark (its
 * workflow ID names the trigger and phase) and when. Reused, a run is not measured again.
 */
export interface ReusedRun {
  workflowId: string;
  runId: string;
  /** When the run that measured it ended (ISO 8601). */
  measuredAt: string;
}

/** What the workflow keeps of one run: small numbers and a reference to the stored output. */
export type RunRecord =
  | (RunKey & {
      status: 'completed';
      metrics: Metrics;
      durationMs: number;
      /** Where the full output (samples, cases) is stored. */
      ref: string;
      sampleCount: number;
      caseCount: number;
      /** Set when the run came from the run cache instead of being measured by this review. */
      reused?: ReusedRun;
    })
  | FailedRun;

/** One benchmark's result in a review: the candidate's metrics (mean over its runs) and counts. */
export type BenchmarkOutcome =
  | {
      suite: string;
      benchmark: string;
      status: 'completed';
      metrics: Metrics;
      durationMs: number;
      runs?: RunCounts;
    }
  | { suite: string; benchmark: string; status: 'error'; error: string; runs?: RunCounts };

/** Runs per side; `reused` (when any) counts the completed ones served from the run cache. */
export interface RunCounts {
  candidate: { completed: number; errored: number; reused?: number };
  baseline: { completed: number; errored: number; reused?: number };
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface StatisticEvidence {
  test: 'mann-whitney' | 'bootstrap' | 'paired-bootstrap';
  /** Mann-Whitney U of the candidate's (shifted) samples against the baseline's. */
  u?: number;
  /** p-value of the one-sided conclusion named by `hypothesis`. */
  pValue?: number;
  /** What the p-value tests: that the candidate meets the threshold, or that it misses it. */
  hypothesis?: 'meets' | 'misses';
  /** Bootstrap percentile interval of the judged value. */
  interval?: [number, number];
  /** Coverage of the interval (1 − 2α, or 1 − 2 × this look's nominal α: each one-sided conclusion at that level). */
  confidence?: number;
  /** The criterion's α: each one-sided conclusion's error rate over every look. */
  alpha: number;
  /** Present when adaptive sampling may look more than once: how this look shares α with the others. */
  sequential?: SequentialEvidence;
}

/**
 * Alpha spending over the looks adaptive sampling takes: look k of K (K from the benchmarks'
 * repeats and maxRepeats) tests at a nominal level such that the chance of a false conclusion at
 * any look is at most α.
 */
export interface SequentialEvidence {
  method: 'alpha-spending';
  spending: Spending;
  /** This look (1-based), by the runs its benchmarks have had so far. */
  look: number;
  /** The most looks the plan allows. */
  looks: number;
  /** The review's sampling round this judging belongs to. */
  round?: number;
  /** Share of the plan's largest sample that this look has (runs so far / maxRepeats). */
  information: number;
  /** α spent by this look and those before it, per one-sided conclusion. */
  spent: number;
  /** The level this look's p-value (or interval) was judged at. */
  nominalAlpha: number;
  /** `exact` boundaries from the looks' joint distribution; `bonferroni` beyond 50 looks. */
  boundary: 'exact' | 'bonferroni';
}

export interface CriterionResult {
  suite: string;
  metric: string;
  op: Operator;
  threshold: number;
  /** The candidate's value (aggregate, or the decisive measurement); null without one. */
  observed: number | null;
  verdict: Verdict;
  reason: string;
  /** True when the criterion has no measurement because a benchmark errored or timed out. */
  error?: boolean;
  name?: string;
  compare?: Comparison;
  aggregate?: Aggregation;
  /** The baseline's value, when the baseline ran. */
  baselineValue?: number | null;
  /** For relative criteria: the judged delta or regression. */
  difference?: number | null;
  samples?: { candidate: number; baseline?: number };
  statistic?: StatisticEvidence;
  critical?: boolean;
  advisory?: boolean;
  weight?: number;
  /** True when more runs could settle an inconclusive verdict (adaptive sampling). */
  needsSamples?: boolean;
  /**
   * True when the measurements were set aside (a scorer that disagrees with people's labels, too
   * little live data): inconclusive, with the reason.
   */
  withheld?: boolean;
}

export interface SuiteResult {
  suite: string;
  verdict: Verdict;
  /** Weighted share (0–100) of passing criteria among the blocking ones. */
  score: number;
  passScore: number;
  reason: string;
}

export interface Judgement {
  verdict: Verdict;
  criteria: CriterionResult[];
  suites?: SuiteResult[];
}

/**
 * Whether the review has a baseline to compare with, and if not, why. A baseline Statsig gave no
 * version number has `version: null` and no reason.
 */
export type BaselineStatus =
  | { version: number | null; reason?: undefined }
  | { version: null; reason: string };

/** Whether a baseline was found (a versionless one included). */
export function hasBaseline(status: BaselineStatus): boolean {
  return status.reason === undefined;
}

// ---------------------------------------------------------------------------------------------
// Rollbacks: the rules a scoped kill switch changed, kept in the review's report so that they can
// be undone (`rollout-gate review undo`).

/** The fields of a rule a rollback changes, as they were (`before`) or as it set them (`after`). */
export interface RuleState {
  passPercentage?: number;
  returnValue?: unknown;
}

/** Which rule: enough to find it again (its ID may change with its percentage) and to show it. */
export interface RuleIdentity {
  id: string | null;
  baseID: string | null;
  name: string | null;
  environments: string[] | null;
}

/** One rule a rollback changes, with its changed fields before and after. */
export interface RuleChange {
  rule: RuleIdentity;
  before: RuleState;
  after: RuleState;
}

/** A failing suite's rollback: what it asked for, and how many of the phase's rules that matched. */
export type RollbackRequest = RollbackScope & { suite?: string; matched?: number };

export interface RollbackRecord {
  entity: { kind: Target['kind']; id: string };
  /** One per failing suite (or the policy's, for a person's rejection or a timeout). */
  scopes: RollbackRequest[];
  /**
   * Every rule written, in order: `done` (this review changed it) or `already-done` (it already
   * showed the rollback, or an earlier attempt's call had landed).
   */
  rules: Array<RuleChange & { status: 'done' | 'already-done' }>;
  /** What followed: the phase approved for the rest, the trigger paused, or nothing. */
  afterwards: 'approved' | 'paused' | 'none';
  /** Why nothing followed, or why the planned step was not taken. */
  afterwardsReason?: string;
}
