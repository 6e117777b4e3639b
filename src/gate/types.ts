// The vocabulary teams write gate configs in, and the serialisable shapes that cross the
// workflow/activity boundary. No runtime imports: workflow code depends on this file.

/** What a review is about: the gate or dynamic config a release pipeline is rolling out. */
export interface Target {
  kind: 'gate' | 'dynamic_config';
  id: string;
  name: string;
  version: number;
  /** A dynamic config's `defaultValue` (where teams keep prompt and model settings); null for gates. */
  value: unknown;
  rules: unknown[];
  /** The entity exactly as the Console API returned it. */
  raw: Record<string, unknown>;
}

export type Operator = '>=' | '>' | '<=' | '<' | '==';
export const OPERATORS: readonly Operator[] = ['>=', '>', '<=', '<', '=='];

export interface Criterion {
  metric: string;
  op: Operator;
  threshold: number;
}

export type Metrics = Record<string, number>;

export interface BenchmarkOutput {
  metrics: Metrics;
}

export interface BenchmarkLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface BenchmarkContext {
  target: Target;
  /** Tells Temporal the benchmark is alive; progress shows in the UI's pending activity. */
  heartbeat(progress?: unknown): void;
  /** Aborted when the review is cancelled or the benchmark times out. */
  signal: AbortSignal;
  log: BenchmarkLogger;
}

export interface BenchmarkDefinition {
  name: string;
  /** Longest silence between heartbeats before Temporal retries the benchmark elsewhere. Default 15 s. */
  heartbeatTimeoutMs?: number;
  run(context: BenchmarkContext): Promise<BenchmarkOutput>;
  /** Start-to-close timeout of one attempt. Default 5 minutes. */
  timeoutMs?: number;
  /** Extra attempts after a thrown error. Default 2. */
  retries?: number;
}

/** What to do to Statsig: abort the trigger, disable the gate or dynamic config, or nothing. */
export type KillSwitch = 'abort' | 'disable' | 'none';
export const KILL_SWITCHES: readonly KillSwitch[] = ['abort', 'disable', 'none'];

export interface ReviewPolicy {
  /** On a failing verdict. Default `abort` (halt the rollout; Statsig reverts the entity). */
  onFail?: KillSwitch;
  /** What a benchmark error means. Default `inconclusive`: never approve, ask a person. */
  onError?: 'inconclusive' | 'fail';
  /** How long an inconclusive review waits for a person's decision. Default 24 hours. */
  decisionTimeoutMs?: number;
  /** What happens when nobody decides in time. Default `none`: the phase stays waiting in Statsig. */
  onDecisionTimeout?: KillSwitch;
  /** Record the verdict but never call Statsig. Default false. */
  dryRun?: boolean;
  /** Re-runs when the entity changes while benchmarks run, before giving up as inconclusive. Default 2. */
  maxReruns?: number;
}

export interface SuiteDefinition {
  name: string;
  benchmarks: BenchmarkDefinition[];
  criteria: Criterion[];
  /** Overrides the policy's onFail when this suite fails; the strongest action among failing suites wins. */
  onFail?: KillSwitch;
}

export interface PolicyOverride {
  /** Applies to reviews of this pipeline and/or this entity (name or ID). */
  match: { pipelineID?: string; entity?: string };
  policy: ReviewPolicy;
}

export interface GateDefinition {
  suites: SuiteDefinition[];
  policy?: ReviewPolicy;
  /** Later entries win over earlier ones and over `policy`. */
  policies?: PolicyOverride[];
}

export type ResolvedPolicy = Required<ReviewPolicy>;

/** A benchmark to run, as the workflow sees it: names and limits only, never code. */
export interface PlannedBenchmark {
  suite: string;
  benchmark: string;
  timeoutMs: number;
  heartbeatTimeoutMs: number;
  retries: number;
}

export interface ReviewPlan {
  benchmarks: PlannedBenchmark[];
  criteria: Array<Criterion & { suite: string }>;
  policy: ResolvedPolicy;
  /** Per-suite onFail overrides. */
  suiteOnFail: Record<string, KillSwitch>;
}

export type BenchmarkOutcome =
  | { suite: string; benchmark: string; status: 'completed'; metrics: Metrics; durationMs: number }
  | { suite: string; benchmark: string; status: 'error'; error: string };

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface CriterionResult {
  suite: string;
  metric: string;
  op: Operator;
  threshold: number;
  observed: number | null;
  verdict: Verdict;
  reason: string;
  /** True when the criterion has no measurement because a benchmark errored or timed out. */
  error?: boolean;
}

export interface Judgement {
  verdict: Verdict;
  criteria: CriterionResult[];
}
