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
  run(context: BenchmarkContext): Promise<BenchmarkOutput>;
  /** Start-to-close timeout of one attempt. Default 5 minutes. */
  timeoutMs?: number;
  /** Extra attempts after a thrown error. Default 2. */
  retries?: number;
}

export interface SuiteDefinition {
  name: string;
  benchmarks: BenchmarkDefinition[];
  criteria: Criterion[];
}

export interface GateDefinition {
  suites: SuiteDefinition[];
}

/** A benchmark to run, as the workflow sees it: names and limits only, never code. */
export interface PlannedBenchmark {
  suite: string;
  benchmark: string;
  timeoutMs: number;
  retries: number;
}

export interface ReviewPlan {
  benchmarks: PlannedBenchmark[];
  criteria: Array<Criterion & { suite: string }>;
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
}

export interface Judgement {
  verdict: Verdict;
  criteria: CriterionResult[];
}
