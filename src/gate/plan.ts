// Planning a review: which suites select the target, their benchmarks' names and limits, the
// criteria and the policy. Also the gate's version (recorded in every report). Pure.
import { contentHash } from './hash';
import { resolvePolicy } from './policy';
import {
  type BenchmarkDefinition,
  type Criterion,
  type GateDefinition,
  type GateStage,
  isCaseMetric,
  readsBaseline,
  type SuiteDefinition,
  type Target,
} from './types';
import type { PlannedBenchmark, ReviewPlan } from './wire';

const BENCHMARK_DEFAULTS = {
  timeoutMs: 5 * 60 * 1000,
  heartbeatTimeoutMs: 15_000,
  retries: 2,
  repeats: 1,
  parallelRuns: 2,
} as const;
/** The benchmarks a criterion draws from: the one it names, else every one in its suite. */
export function sourcesOf(suite: SuiteDefinition, criterion: Criterion): BenchmarkDefinition[] {
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

/** Whether a suite's `targets` select this review. */
function selects(
  suite: SuiteDefinition,
  target: Pick<Target, 'id' | 'name' | 'tags'>,
  pipelineID: string,
  stage: GateStage,
): boolean {
  const { entities, pipelines, tags, stages } = suite.targets ?? {};
  if (stages && !stages.includes(stage)) return false;
  if (entities && !entities.includes(target.id) && !entities.includes(target.name)) return false;
  if (pipelines && !pipelines.includes(pipelineID)) return false;
  if (tags && !tags.some((tag) => (target.tags ?? []).includes(tag))) return false;
  return true;
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
): ReviewPlan {
  const selected = gate.suites.filter((suite) => selects(suite, target, pipelineID, stage));
  const benchmarks: PlannedBenchmark[] = selected.flatMap((suite) =>
    suite.benchmarks.map((benchmark) => {
      const repeats = benchmark.repeats ?? BENCHMARK_DEFAULTS.repeats;
      return {
        suite: suite.name,
        benchmark: benchmark.name,
        kind: benchmark.kind ?? 'custom',
        timeoutMs: benchmark.timeoutMs ?? BENCHMARK_DEFAULTS.timeoutMs,
        heartbeatTimeoutMs: benchmark.heartbeatTimeoutMs ?? BENCHMARK_DEFAULTS.heartbeatTimeoutMs,
        retries: benchmark.retries ?? BENCHMARK_DEFAULTS.retries,
        repeats,
        maxRepeats: Math.max(repeats, benchmark.maxRepeats ?? repeats),
        parallelRuns: benchmark.parallelRuns ?? BENCHMARK_DEFAULTS.parallelRuns,
        baseline: needsBaselineRun(suite, benchmark),
      };
    }),
  );
  const criteria = selected.flatMap((suite) =>
    suite.criteria.map((criterion) => ({ ...criterion, suite: suite.name })),
  );
  const suiteOnFail = Object.fromEntries(
    selected.flatMap((suite) => (suite.onFail ? [[suite.name, suite.onFail]] : [])),
  );
  return {
    benchmarks,
    criteria,
    suites: selected.map((suite) => ({ name: suite.name, passScore: suite.passScore ?? 100 })),
    skippedSuites: gate.suites.filter((suite) => !selected.includes(suite)).map((s) => s.name),
    needsBaseline: benchmarks.some((benchmark) => benchmark.baseline),
    gateVersion: gateVersionOf(gate),
    policy: resolvePolicy(gate, target, pipelineID),
    suiteOnFail,
  };
}

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
