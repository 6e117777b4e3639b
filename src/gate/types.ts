// The vocabulary teams write gate configs in, and the serialisable shapes that cross the
// workflow/activity boundary. No runtime imports: workflow code depends on this file.
import type { EntityKind, GatePulseResults, PulseQuery } from '../statsig/schemas';
import type { AfterRollback, KillSwitchSetting } from './kill-switches';
import type { NotificationSettings } from './notification-types';
import type { ForEach, PhaseThreshold, ReviewPhase, ReviewScope } from './phases';
import type { Aggregation, Spending } from './stats';

export {
  AFTER_ROLLBACK,
  type AfterRollback,
  KILL_SWITCHES,
  type KillSwitch,
  type KillSwitchSetting,
  type RollbackCondition,
  type RollbackScope,
} from './kill-switches';
export {
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  type NotificationRoute,
  type NotificationSettings,
} from './notification-types';
export {
  FOR_EACH,
  type ForEach,
  type PhaseRule,
  type PhaseThreshold,
  type PipelinePhaseRule,
  type ReviewPhase,
  type ReviewScope,
  type RuleCondition,
} from './phases';
export type { Aggregation, Spending } from './stats';

/** What a review is about: the gate or dynamic config a release pipeline is rolling out. */
export interface Target {
  kind: EntityKind;
  id: string;
  name: string;
  /** Statsig's version number; null when Statsig gave none (the report then names the content hash). */
  version: number | null;
  /**
   * What the version serves: a dynamic config's `defaultValue` (where teams keep prompt and model
   * settings), or, in a review of a phase whose rules carry a `returnValue`, the value those rules
   * serve; null for gates.
   */
  value: unknown;
  /**
   * The entity's rules. In a review of a release-pipeline phase, only the rules that phase rolls out
   * (every rule when the phase names none); `raw` keeps them all.
   */
  rules: unknown[];
  /** The entity's Statsig tags (suites can select targets by tag). */
  tags?: string[];
  /** The entity exactly as the Console API returned it. */
  raw: Record<string, unknown>;
}

export type Operator = '>=' | '>' | '<=' | '<' | '==';
export const OPERATORS: readonly Operator[] = ['>=', '>', '<=', '<', '=='];

/**
 * How a criterion's value is formed:
 * - `absolute`: the candidate's value itself (`quality >= 0.8`);
 * - `delta`: candidate minus baseline, in the metric's units (`p95 latency delta <= 50`);
 * - `regression`: how much worse the candidate is than the baseline, as a fraction of the
 *   baseline (`regression of quality <= 0.02`, i.e. 2%); needs `better`.
 */
export type Comparison = 'absolute' | 'delta' | 'regression';
export const COMPARISONS: readonly Comparison[] = ['absolute', 'delta', 'regression'];

/** Whether a comparison draws on the baseline, which then has to be measured too. */
export function isRelative(compare: Comparison | undefined): boolean {
  return compare === 'delta' || compare === 'regression';
}

/**
 * Counts of dataset cases a criterion can cap (`{ metric: 'regressed_cases', op: '<=', threshold: 0 }`),
 * from the per-case pass/fail of every run of both sides:
 * - `regressed_cases`: cases the baseline passed in every run and the candidate failed in every
 *   run (needs the baseline);
 * - `flaky_cases`: cases that passed in some runs and failed in others, on either side.
 * Flaky cases never count as regressions.
 */
export const CASE_METRICS = ['regressed_cases', 'flaky_cases'] as const;
export type CaseMetric = (typeof CASE_METRICS)[number];

export function isCaseMetric(metric: string): metric is CaseMetric {
  return (CASE_METRICS as readonly string[]).includes(metric);
}

/** Whether judging the criterion needs the baseline's runs. */
export function readsBaseline(criterion: Pick<Criterion, 'compare' | 'metric'>): boolean {
  return isRelative(criterion.compare) || criterion.metric === 'regressed_cases';
}

/**
 * `auto` picks for relative criteria: a paired bootstrap when both sides scored the same dataset
 * cases, Mann-Whitney U for the mean or median of independent samples, an unpaired bootstrap for
 * other aggregations. `none` compares point values.
 */
export type StatisticalTest = 'auto' | 'none' | 'mann-whitney' | 'bootstrap';
export const STATISTICAL_TESTS: readonly StatisticalTest[] = [
  'auto',
  'none',
  'mann-whitney',
  'bootstrap',
];

export interface Criterion {
  /** A metric a benchmark reports, or a count of cases (`regressed_cases`, `flaky_cases`). */
  metric: string;
  op: Operator;
  threshold: number;
  /** Shown in reports; defaults to a description built from the fields. Unique within a suite. */
  name?: string;
  /** Judge only this benchmark's measurements (by default every benchmark of the suite that reports the metric). */
  benchmark?: string;
  /**
   * Reduce all samples to one value. Without it, every measurement is judged on its own against
   * the threshold (see failureBudget).
   */
  aggregate?: Aggregation;
  /** Default `absolute`. */
  compare?: Comparison;
  /** Which direction is an improvement. Required for `regression`; inferred from `op` otherwise. */
  better?: 'higher' | 'lower';
  /** Default `auto` for relative criteria, `none` for absolute ones. */
  test?: StatisticalTest;
  /**
   * Significance level of each one-sided conclusion, over all the looks adaptive sampling takes
   * (see `spending`). Default 0.05.
   */
  alpha?: number;
  /**
   * How a test spends `alpha` over the looks its benchmarks' `repeats`…`maxRepeats` allow:
   * `pocock` (default) nearly evenly, so a clear result stops early; `obrien-fleming` almost all at
   * the last look. Irrelevant when `maxRepeats` is `repeats` (a single look at `alpha`).
   */
  spending?: Spending;
  /** Bootstrap resamples. Default 2000. */
  resamples?: number;
  /** Fewer samples than this (on either side) is inconclusive, never a pass. Default 1. */
  minSamples?: number;
  /** Measurements allowed to miss the threshold when there is no aggregate. Default 0. */
  failureBudget?: number;
  /** Benchmark runs allowed to error (after their retries) before the criterion has no verdict. Default 0. */
  errorBudget?: number;
  /** For `passRate`: a sample passes at or above this value. Default 1. */
  passAt?: number;
  /** A failing critical criterion fails its suite whatever the score. */
  critical?: boolean;
  /** Reported, never blocking. */
  advisory?: boolean;
  /** Weight in the suite's score. Default 1. */
  weight?: number;
}

/**
 * A criterion as a gate config writes it: its threshold a number, or chosen per phase
 * (`(phase) => (phase?.passPercentage === 100 ? 0.9 : 0.8)`), resolved when the review is planned.
 */
export type CriterionDefinition = Omit<Criterion, 'threshold'> & {
  threshold: number | PhaseThreshold;
};

export type Metrics = Record<string, number>;

/** One scored case of a dataset (or any benchmark that judges items one by one). */
export interface CaseResult {
  id: string;
  /** Whether the case passed; its `pass` metric is 1 or 0. */
  passed?: boolean;
  /** Per-case numbers (scorer results, latency…): each is a sample of the metric of that name. */
  scores?: Record<string, number>;
  /** What the model produced, kept in the stored report (trimmed). */
  output?: unknown;
  /** Set when producing or scoring the case failed. */
  error?: string;
}

/**
 * What one run of a benchmark returns. `metrics` are single numbers for the run; `samples` are
 * many observations of a metric (e.g. per-request latency); `cases` are per-case results.
 */
export interface BenchmarkOutput {
  metrics: Metrics;
  samples?: Record<string, number[]>;
  cases?: CaseResult[];
  /**
   * Metrics no criterion may decide on from this run, each with the reason (e.g. too little live
   * data): criteria on them are inconclusive with it.
   */
  inconclusive?: Record<string, string>;
  /** How far each calibrated scorer agreed with people's labels this run. */
  calibration?: CalibrationResult[];
}

/**
 * A scorer (e.g. an LLM judge) checked against cases people labelled: the judge pools these over
 * every run of the benchmark and, below `minAgreement`, sets aside the metrics its scores decide.
 */
export interface CalibrationResult {
  scorer: string;
  /** Labelled cases on which the scorer's pass or fail matched the people's. */
  agreed: number;
  cases: number;
  minAgreement: number;
  /** The metrics its scores decide (its own, the case pass/fail and the pass rate). */
  metrics: string[];
  /** Labelled cases it disagreed on (IDs, the first 20). */
  disagreements?: string[];
}

export interface BenchmarkLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Read access to Statsig's Console API that a worker may hand its benchmarks (the `pulse` kind reads
 * what the live phase measured through it). The worker's StatsigConsoleClient is one.
 */
export interface StatsigReader {
  getGatePulseResults(
    gateID: string,
    ruleID: string,
    query?: PulseQuery,
    signal?: AbortSignal,
  ): Promise<GatePulseResults>;
}

/** Whether a run measures the version under review or the released one it is compared with. */
export type RunRole = 'candidate' | 'baseline';

export interface BenchmarkContext {
  /** The version this run measures: the candidate, or the baseline on a baseline run. */
  target: Target;
  /** The released version the candidate is compared with; null when there is none. */
  baseline: Target | null;
  role: RunRole;
  /** 0-based repeat index; the candidate and baseline runs of one repeat share it. */
  repeat: number;
  /**
   * A seed for any randomness: the same for the candidate and baseline runs of one repeat, and in
   * every review (it follows the suite, benchmark and repeat), so a run taken from the run cache
   * drew what this review's own run would have.
   */
  seed: number;
  /** Tells Temporal the benchmark is alive; progress shows in the UI's pending activity. */
  heartbeat(progress?: unknown): void;
  /**
   * Aborted when the review is cancelled or the benchmark times out (a little before `timeoutMs`).
   * Honour it: a run still going a short grace later is abandoned as having ignored it.
   */
  signal: AbortSignal;
  log: BenchmarkLogger;
  /** An empty directory for this run, removed when the run ends. */
  scratchDir: string;
  /** Statsig, read with the worker's own client and key, when the worker provides it. */
  statsig?: StatsigReader;
  /** The release-pipeline phase under review; absent at pre-commit and in `gate run`. */
  phase?: ReviewPhase;
  /** The environment or rule this run judges, for a suite with `forEach`. */
  scope?: ReviewScope;
}

export interface BenchmarkDefinition {
  name: string;
  /** The kind that built it (`http`, `command`, `dataset`, your own); `custom` for a bare `run`. */
  kind?: string;
  /** Metric names the benchmark reports, so criteria naming others fail at startup. */
  metrics?: readonly string[];
  run(context: BenchmarkContext): Promise<BenchmarkOutput>;
  /**
   * The options its kind built it from, defaults applied (set by `defineBenchmarkKind`). `run` is
   * the same for every benchmark of a kind: these make the gate's version follow a changed URL or
   * request count.
   */
  options?: object;
  /** Start-to-close timeout of one run. Default 5 minutes. */
  timeoutMs?: number;
  /** Longest silence between heartbeats before Temporal retries the run elsewhere. Default 15 s. */
  heartbeatTimeoutMs?: number;
  /** Extra attempts of a run after a thrown error. Default 2. */
  retries?: number;
  /** Runs per side to start with. Default 1. */
  repeats?: number;
  /** Upper bound on runs per side when an inconclusive verdict asks for more. Default `repeats`. */
  maxRepeats?: number;
  /** Runs of this benchmark in flight at once (repeats × candidate/baseline). Default 2. */
  parallelRuns?: number;
}

export interface ReviewPolicy {
  /** On a failing verdict. Default `abort` (halt the rollout; Statsig reverts the entity). */
  onFail?: KillSwitchSetting;
  /**
   * After a rollback of the failing scopes: `approve` the phase for the rest (default, when every
   * other scope passed), `pause` the trigger, or `none` (leave the phase waiting in Statsig).
   */
  afterRollback?: AfterRollback;
  /** What a benchmark error means. Default `inconclusive`: never approve, ask a person. */
  onError?: 'inconclusive' | 'fail';
  /** How long an inconclusive review waits for a person's decision. Default 24 hours. */
  decisionTimeoutMs?: number;
  /** What happens when nobody decides in time. Default `none`: the phase stays waiting in Statsig. */
  onDecisionTimeout?: KillSwitchSetting;
  /** Record the verdict but never call Statsig. Default false. */
  dryRun?: boolean;
  /** Re-runs when the entity changes while benchmarks run, before giving up as inconclusive. Default 2. */
  maxReruns?: number;
}

/** Which reviews a suite runs for; every given field must match. Default: all. */
export interface SuiteTargets {
  /** Entity names or IDs. */
  entities?: string[];
  /** Release pipeline IDs. */
  pipelines?: string[];
  /** Statsig tags; the entity needs at least one of them. */
  tags?: string[];
  /**
   * Where the suite gates: `pre-commit` (Statsig's pre-commit webhook and `gate run` in CI) and/or
   * `phase` (a release-pipeline phase waiting for review). Default: both.
   */
  stages?: GateStage[];
  /**
   * Release-pipeline phases, by name, ID or 0-based index (`['Staging (50%)', 2]`). A suite that
   * names phases never runs at pre-commit, where there is no phase.
   */
  phases?: Array<string | number>;
  /**
   * Phases by how far they roll out: the highest pass percentage among the phase's rules (light
   * checks at 10%, strict ones from 100%). A phase whose rules give no percentage matches neither.
   */
  passPercentage?: { min?: number; max?: number };
}

/** The two places a gate runs: before a change is committed, and before a phase rolls on. */
export type GateStage = 'pre-commit' | 'phase';
export const GATE_STAGES: readonly GateStage[] = ['pre-commit', 'phase'];

/** How a pre-commit validation answers Statsig, which stops waiting after 2 minutes. */
export interface PreCommitSettings {
  /** Answer by this long after the webhook arrived, judged or not. Default 100 s. */
  deadlineMs?: number;
  /** The answer when the deadline comes first. Default `reject`. */
  onDeadline?: 'reject' | 'approve';
}

export interface SuiteDefinition {
  name: string;
  benchmarks: BenchmarkDefinition[];
  criteria: CriterionDefinition[];
  targets?: SuiteTargets;
  /** Score (0–100, by weight of passing criteria) the suite needs to pass. Default 100: all. */
  passScore?: number;
  /**
   * Overrides the policy's onFail when this suite fails; the strongest action among failing suites
   * wins (none < rollback < pause < abort < disable).
   */
  onFail?: KillSwitchSetting;
  /**
   * Measure every run anew: never take one from the run cache (GATE_CACHE_MAX_AGE), e.g. latency
   * of a live service whose speed drifts over hours. Default false.
   */
  fresh?: boolean;
  /**
   * Judge each environment (`environment`) or each rule (`rule`, e.g. one per region) the phase
   * rolls out on its own: the suite runs once per scope, named `<suite>@<scope>`, and a rollback
   * after it fails changes only the failing scope's rules. Without scopes in the phase, it runs once.
   */
  forEach?: ForEach;
}

export interface PolicyOverride {
  /** Applies to reviews of this pipeline and/or this entity (name or ID). */
  match: { pipelineID?: string; entity?: string };
  policy: ReviewPolicy;
}

export interface GateDefinition {
  suites: SuiteDefinition[];
  /** Your version of the gate config, recorded in every report. Default: a hash of the config. */
  version?: string;
  policy?: ReviewPolicy;
  /** Later entries win over earlier ones and over `policy`. */
  policies?: PolicyOverride[];
  /** Statsig's pre-commit webhook: the deadline and what it answers then. */
  preCommit?: PreCommitSettings;
  /** Per-suite or per-pipeline notification routes (src/notify/routing.ts). */
  notifications?: NotificationSettings;
}
