// Planning a review: which suites select the target, their benchmarks' names and limits, the
// criteria and the policy. Also the gate's version (recorded in every report). Pure.

import { scopesOf } from '../statsig/phase-rules';
import { contentHash } from './hash';
import { resolvePolicy } from './policy';
import {
  type BenchmarkDefinition,
  type Criterion,
  type CriterionDefinition,
  type GateDefinition,
  type GateStage,
  isCaseMetric,
  type KillSwitchSetting,
  type RollbackScope,
  readsBaseline,
  type SuiteDefinition,
  type Target,
} from './types';
import type { PhaseSummary, PlannedBenchmark, PlannedScope, ReviewPlan } from './wire';

/**
 * Copies of a `forEach` suite one review runs at most (one per environment or rule of the phase). A
 * phase with more scopes runs the suite once, as itself (checked by ./limits.ts): a failure then rolls
 * back the whole phase, never less than a per-scope verdict would.
 */
export const MAX_FOR_EACH_SCOPES = 20;

const BENCHMARK_DEFAULTS = {
  timeoutMs: 5 * 60 * 1000,
  heartbeatTimeoutMs: 15_000,
  retries: 2,
  repeats: 1,
  parallelRuns: 2,
} as const;
/** The benchmarks a criterion draws from: the one it names, else every one in its suite. */
export function sourcesOf(
  suite: SuiteDefinition,
  criterion: Pick<Criterion, 'benchmark'>,
): BenchmarkDefinition[] {
  return suite.benchmarks.filter(
    (benchmark) => criterion.benchmark === undefined || benchmark.name === criterion.benchmark,
  );
}

// Hashing walks every benchmark's code and options: once per gate object is enough.
const hashedVersions = new WeakMap<GateDefinition, string>();

/**
 * The gate config's version for reports: the one it declares, else a hash of its content (the
 * benchmarks' code and their kinds' options included).
 */
export function gateVersionOf(gate: GateDefinition): string {
  if (gate.version) return gate.version;
  let version = hashedVersions.get(gate);
  if (version === undefined) {
    version = contentHash(gate, 16);
    hashedVersions.set(gate, version);
  }
  return version;
}

const hashedBenchmarks = new WeakMap<BenchmarkDefinition, string>();

/**
 * A benchmark's own version for the run cache: the hash of its definition (its `run` code, its
 * kind's options, its limits). Code it imports from elsewhere is not in it: the gate's version is.
 */
export function benchmarkVersionOf(benchmark: BenchmarkDefinition): string {
  let version = hashedBenchmarks.get(benchmark);
  if (version === undefined) {
    version = contentHash(benchmark);
    hashedBenchmarks.set(benchmark, version);
  }
  return version;
}

/** Whether a suite's `phases` and `passPercentage` select the phase (none at pre-commit). */
function selectsPhase(suite: SuiteDefinition, phase: PhaseSummary | null): boolean {
  const { phases, passPercentage } = suite.targets ?? {};
  if (phases === undefined && passPercentage === undefined) return true;
  if (phase === null) return false;
  const named = (entry: string | number) =>
    typeof entry === 'number' ? entry === phase.index : entry === phase.id || entry === phase.name;
  if (phases && !phases.some(named)) return false;
  if (passPercentage) {
    const percentage = phase.passPercentage;
    if (percentage === null) return false;
    if (passPercentage.min !== undefined && percentage < passPercentage.min) return false;
    if (passPercentage.max !== undefined && percentage > passPercentage.max) return false;
  }
  return true;
}

/** Whether a suite's `targets` select this review. */
function selects(
  suite: SuiteDefinition,
  target: Pick<Target, 'id' | 'name' | 'tags'>,
  pipelineID: string,
  stage: GateStage,
  phase: PhaseSummary | null,
): boolean {
  const { entities, pipelines, tags, stages } = suite.targets ?? {};
  if (stages && !stages.includes(stage)) return false;
  if (entities && !entities.includes(target.id) && !entities.includes(target.name)) return false;
  if (pipelines && !pipelines.includes(pipelineID)) return false;
  if (tags && !tags.some((tag) => (target.tags ?? []).includes(tag))) return false;
  return selectsPhase(suite, phase);
}

/** A criterion with its threshold chosen for the phase. */
export function resolveCriterion(
  criterion: CriterionDefinition,
  phase: PhaseSummary | null,
): Criterion {
  const { threshold } = criterion;
  return {
    ...criterion,
    threshold: typeof threshold === 'function' ? threshold(phase) : threshold,
  };
}

/** One suite as the review runs it: the suite itself, or one copy per scope of a `forEach`. */
interface SuiteRun {
  suite: SuiteDefinition;
  name: string;
  scope?: PlannedScope;
}

/**
 * A `forEach` suite's copies, one per scope of the phase; the suite itself when the phase has none,
 * or more than a review can hold (MAX_FOR_EACH_SCOPES: then a failure rolls back the whole phase).
 */
function suiteRuns(suite: SuiteDefinition, phase: PhaseSummary | null): SuiteRun[] {
  const scopes = suite.forEach && phase ? scopesOf(phase, suite.forEach) : [];
  if (!suite.forEach || scopes.length === 0 || scopes.length > MAX_FOR_EACH_SCOPES) {
    return [{ suite, name: suite.name }];
  }
  const forEach = suite.forEach;
  return scopes.map((scope) => ({
    suite,
    name: `${suite.name}@${scope.name}`,
    scope: { ...scope, suite: suite.name, forEach },
  }));
}

/**
 * The kill switch of a `forEach` suite's copy: its own (or the policy's), and a rollback narrowed
 * to the copy's scope, so that only where it failed is rolled back.
 */
function scopedKillSwitch(setting: KillSwitchSetting, scope: PlannedScope): KillSwitchSetting {
  if (setting !== 'rollback' && (typeof setting === 'string' || setting.action !== 'rollback')) {
    return setting;
  }
  const { action: _action, ...narrowed }: RollbackScope & { action?: string } =
    typeof setting === 'string' ? {} : setting;
  if (scope.kind === 'rule') return { ...narrowed, action: 'rollback', rules: scope.ruleIDs };
  const environments = narrowed.environments
    ? narrowed.environments.filter((environment) => environment === scope.name)
    : [scope.name];
  // A configured narrowing that excludes this environment leaves nothing to roll back here.
  return { ...narrowed, action: 'rollback', environments, rules: scope.ruleIDs };
}

/** Whether a benchmark must also run on the baseline: a relative criterion may draw from it. */
export function needsBaselineRun(suite: SuiteDefinition, benchmark: BenchmarkDefinition): boolean {
  return suite.criteria.some(
    (criterion) =>
      readsBaseline(criterion) &&
      sourcesOf(suite, criterion).includes(benchmark) &&
      (benchmark.metrics === undefined ||
        benchmark.metrics.includes(isCaseMetric(criterion.metric) ? 'pass' : criterion.metric)),
  );
}

/**
 * What the workflow needs to schedule a review of one target: the suites that select it, their
 * benchmarks' names and limits, the criteria, and the policy for this pipeline and entity. A
 * release-pipeline phase is the `phase` stage; a pre-commit validation (or `gate run`) the other.
 */
export function planReview(
  gate: GateDefinition,
  target: Pick<Target, 'id' | 'name'> & { tags?: string[] },
  pipelineID: string,
  stage: GateStage = 'phase',
  phase: PhaseSummary | null = null,
): ReviewPlan {
  const selected = gate.suites.filter((suite) => selects(suite, target, pipelineID, stage, phase));
  const runs = selected.flatMap((suite) => suiteRuns(suite, phase));
  const policy = resolvePolicy(gate, target, pipelineID);
  const benchmarks: PlannedBenchmark[] = runs.flatMap(({ suite, name, scope }) =>
    suite.benchmarks.map((benchmark) => {
      const repeats = benchmark.repeats ?? BENCHMARK_DEFAULTS.repeats;
      return {
        suite: name,
        benchmark: benchmark.name,
        kind: benchmark.kind ?? 'custom',
        timeoutMs: benchmark.timeoutMs ?? BENCHMARK_DEFAULTS.timeoutMs,
        heartbeatTimeoutMs: benchmark.heartbeatTimeoutMs ?? BENCHMARK_DEFAULTS.heartbeatTimeoutMs,
        retries: benchmark.retries ?? BENCHMARK_DEFAULTS.retries,
        repeats,
        maxRepeats: Math.max(repeats, benchmark.maxRepeats ?? repeats),
        parallelRuns: benchmark.parallelRuns ?? BENCHMARK_DEFAULTS.parallelRuns,
        baseline: needsBaselineRun(suite, benchmark),
        ...(scope ? { scope } : {}),
      };
    }),
  );
  const criteria = runs.flatMap(({ suite, name }) =>
    suite.criteria.map((criterion) => ({ ...resolveCriterion(criterion, phase), suite: name })),
  );
  const suiteOnFail: Record<string, KillSwitchSetting> = Object.fromEntries(
    runs.flatMap(({ suite, name, scope }) => {
      if (scope) return [[name, scopedKillSwitch(suite.onFail ?? policy.onFail, scope)]];
      return suite.onFail ? [[name, suite.onFail]] : [];
    }),
  );
  return {
    benchmarks,
    criteria,
    suites: runs.map(({ suite, name, scope }) => ({
      name,
      passScore: suite.passScore ?? 100,
      ...(scope ? { scope } : {}),
    })),
    skippedSuites: gate.suites.filter((suite) => !selected.includes(suite)).map((s) => s.name),
    needsBaseline: benchmarks.some((benchmark) => benchmark.baseline),
    gateVersion: gateVersionOf(gate),
    policy,
    suiteOnFail,
  };
}

/** A planned benchmark's definition; a `forEach` copy's is its suite's (`scope.suite`). */
export function findBenchmark(
  gate: GateDefinition,
  suiteName: string,
  benchmarkName: string,
): BenchmarkDefinition | undefined {
  return findSuite(gate, suiteName)?.benchmarks.find(
    (benchmark) => benchmark.name === benchmarkName,
  );
}

export function findSuite(gate: GateDefinition, suiteName: string): SuiteDefinition | undefined {
  return gate.suites.find((suite) => suite.name === suiteName);
}
