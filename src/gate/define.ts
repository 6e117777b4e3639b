// The public API for registering benchmark suites in code. `defineGate` validates at startup, so a
// typo in a criterion fails the worker's boot with the name at fault instead of a review at 3 a.m.
import { z } from 'zod';
import { contentHash } from './hash';
import { BenchmarkOptionsError, builtInKind } from './kinds/registry';
import { resolvePolicy } from './policy';
import { AGGREGATIONS } from './stats';
import {
  type BenchmarkDefinition,
  COMPARISONS,
  type Comparison,
  type Criterion,
  type GateDefinition,
  isRelative,
  KILL_SWITCHES,
  type KillSwitch,
  OPERATORS,
  type PlannedBenchmark,
  type ReviewPlan,
  STATISTICAL_TESTS,
  type SuiteDefinition,
  type Target,
} from './types';

const BENCHMARK_DEFAULTS = {
  timeoutMs: 5 * 60 * 1000,
  heartbeatTimeoutMs: 15_000,
  retries: 2,
  repeats: 1,
  parallelRuns: 2,
} as const;

const killSwitchSchema = z.enum(KILL_SWITCHES as [KillSwitch, ...KillSwitch[]], {
  message: `must be one of ${KILL_SWITCHES.join(', ')}`,
});

const policySchema = z.strictObject({
  onFail: killSwitchSchema.optional(),
  onError: z.enum(['inconclusive', 'fail']).optional(),
  decisionTimeoutMs: z.number().int().positive().optional(),
  onDecisionTimeout: killSwitchSchema.optional(),
  dryRun: z.boolean().optional(),
  maxReruns: z.number().int().min(0).max(10).optional(),
});

const positiveInt = (max: number) => z.number().int().positive().max(max);

const benchmarkSchema = z
  .object({
    name: z.string().min(1),
    kind: z.string().min(1).optional(),
    metrics: z.array(z.string().min(1)).optional(),
    run: z.custom<BenchmarkDefinition['run']>((value) => typeof value === 'function', {
      message:
        'run must be an async function ({ target, heartbeat, signal, log }) => ({ metrics })',
    }),
    timeoutMs: z.number().int().positive().optional(),
    heartbeatTimeoutMs: z.number().int().positive().optional(),
    retries: z.number().int().min(0).max(20).optional(),
    repeats: positiveInt(1000).optional(),
    maxRepeats: positiveInt(1000).optional(),
    parallelRuns: positiveInt(100).optional(),
  })
  .refine(
    (benchmark) =>
      benchmark.maxRepeats === undefined || benchmark.maxRepeats >= (benchmark.repeats ?? 1),
    { message: 'maxRepeats must be at least repeats', path: ['maxRepeats'] },
  );

const criterionSchema = z
  .object({
    metric: z.string().min(1),
    op: z.enum(OPERATORS as [string, ...string[]], {
      message: `op must be one of ${OPERATORS.join(' ')}`,
    }),
    threshold: z.number().refine(Number.isFinite, 'threshold must be a finite number'),
    name: z.string().min(1).optional(),
    benchmark: z.string().min(1).optional(),
    aggregate: z
      .enum(AGGREGATIONS as [string, ...string[]], {
        message: `aggregate must be one of ${AGGREGATIONS.join(', ')}`,
      })
      .optional(),
    compare: z
      .enum(COMPARISONS as [Comparison, ...Comparison[]], {
        message: `compare must be one of ${COMPARISONS.join(', ')}`,
      })
      .optional(),
    better: z
      .enum(['higher', 'lower'], { message: "better must be 'higher' or 'lower'" })
      .optional(),
    test: z
      .enum(STATISTICAL_TESTS as [string, ...string[]], {
        message: `test must be one of ${STATISTICAL_TESTS.join(', ')}`,
      })
      .optional(),
    alpha: z.number().gt(0).lt(0.5).optional(),
    resamples: z.number().int().min(100).max(100_000).optional(),
    minSamples: z.number().int().positive().optional(),
    failureBudget: z.number().int().min(0).optional(),
    errorBudget: z.number().int().min(0).optional(),
    passAt: z.number().refine(Number.isFinite, 'passAt must be a finite number').optional(),
    critical: z.boolean().optional(),
    advisory: z.boolean().optional(),
    weight: z.number().positive().optional(),
  })
  .superRefine((criterion, context) => {
    const problem = (message: string, field: string) =>
      context.addIssue({ code: 'custom', message, path: [field] });
    const relative = isRelative(criterion.compare);
    if (criterion.compare === 'regression') {
      if (criterion.better === undefined) {
        problem("a regression criterion needs better: 'higher' or 'lower'", 'better');
      }
      if (criterion.op !== '<=' && criterion.op !== '<') {
        problem("a regression is capped: op must be '<=' or '<'", 'op');
      }
      if (criterion.threshold < 0) {
        problem('a regression threshold is a fraction of the baseline, 0 or more', 'threshold');
      }
    }
    if (relative && criterion.op === '==') problem("'==' only applies to absolute criteria", 'op');
    if (criterion.op === '==' && criterion.test !== undefined && criterion.test !== 'none') {
      problem("'==' compares exact values: it takes no statistical test", 'test');
    }
    if (!relative && criterion.test === 'mann-whitney') {
      problem(
        'mann-whitney compares with the baseline: use it with compare delta or regression',
        'test',
      );
    }
    if (criterion.failureBudget !== undefined && (criterion.aggregate !== undefined || relative)) {
      problem(
        'failureBudget counts single measurements: it applies only without aggregate',
        'failureBudget',
      );
    }
    if (criterion.critical && criterion.advisory) {
      problem('a criterion is either critical or advisory, not both', 'advisory');
    }
    if (criterion.passAt !== undefined && criterion.aggregate !== 'passRate') {
      problem("passAt applies only to aggregate: 'passRate'", 'passAt');
    }
  });

const suiteSchema = z.object({
  name: z.string().min(1),
  benchmarks: z.array(benchmarkSchema).min(1, 'a suite needs at least one benchmark'),
  criteria: z.array(criterionSchema).min(1, 'a suite needs at least one criterion'),
  targets: z
    .strictObject({
      entities: z.array(z.string().min(1)).min(1).optional(),
      pipelines: z.array(z.string().min(1)).min(1).optional(),
      tags: z.array(z.string().min(1)).min(1).optional(),
    })
    .optional(),
  passScore: z.number().min(0).max(100).optional(),
  onFail: killSwitchSchema.optional(),
});

const gateSchema = z.object({
  suites: z.array(suiteSchema).min(1, 'declare at least one suite'),
  version: z.string().min(1).optional(),
  policy: policySchema.optional(),
  policies: z
    .array(
      z.object({
        match: z
          .object({
            pipelineID: z.string().min(1).optional(),
            entity: z.string().min(1).optional(),
          })
          .refine(
            (match) => match.pipelineID || match.entity,
            'match needs a pipelineID or an entity',
          ),
        policy: policySchema,
      }),
    )
    .optional(),
});

export class GateConfigError extends Error {
  readonly code = 'GATE_CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Gate config ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'GateConfigError';
  }
}

/** Names suites, benchmarks and criteria rather than giving array indexes: "suites[prompt-quality]". */
function describePath(value: unknown, path: ReadonlyArray<PropertyKey>): string {
  let node: unknown = value;
  return path
    .map((segment) => {
      const current = node;
      node = (current as Record<PropertyKey, unknown> | undefined)?.[segment];
      if (typeof segment === 'number') {
        const name = (node as { name?: unknown } | undefined)?.name;
        return typeof name === 'string' ? `[${name}]` : `[${segment}]`;
      }
      return `.${String(segment)}`;
    })
    .join('')
    .replace(/^\./, '');
}

/**
 * Plain-object benchmarks may name a built-in kind instead of giving `run`:
 * `{ name: 'latency', kind: 'http', url: '…', requests: 100 }`. Those are built here; a kind's own
 * option errors become problems with the benchmark's path.
 */
function buildKinds(value: unknown, problems: string[], unbuilt: Set<unknown>): unknown {
  if (!value || typeof value !== 'object' || !Array.isArray((value as GateDefinition).suites)) {
    return value;
  }
  const gate = value as { suites: Array<Record<string, unknown>> };
  return {
    ...gate,
    suites: gate.suites.map((suite) => {
      if (!suite || typeof suite !== 'object' || !Array.isArray(suite.benchmarks)) return suite;
      return {
        ...suite,
        benchmarks: (suite.benchmarks as Array<Record<string, unknown>>).map((benchmark) => {
          if (!benchmark || typeof benchmark !== 'object' || benchmark.run !== undefined) {
            return benchmark;
          }
          const where = `suites[${String(suite.name)}].benchmarks[${String(benchmark.name)}]`;
          if (typeof benchmark.kind !== 'string') return benchmark;
          const factory = builtInKind(benchmark.kind);
          if (!factory) {
            problems.push(
              `${where}.kind: unknown kind '${benchmark.kind}' (built in: http, command, dataset; or give run)`,
            );
            unbuilt.add(benchmark);
            return benchmark;
          }
          try {
            return factory(benchmark as never);
          } catch (error) {
            if (error instanceof BenchmarkOptionsError) {
              problems.push(...error.problems.map((problem) => `${where}.${problem}`));
              unbuilt.add(benchmark);
              return benchmark;
            }
            throw error;
          }
        }),
      };
    }),
  };
}

/** The benchmarks a criterion draws from: the one it names, else every one in its suite. */
function sourcesOf(suite: SuiteDefinition, criterion: Criterion): BenchmarkDefinition[] {
  return suite.benchmarks.filter(
    (benchmark) => criterion.benchmark === undefined || benchmark.name === criterion.benchmark,
  );
}

function criterionLabel(criterion: Criterion, index: number): string {
  return criterion.name ?? String(index);
}

/** Checks that need the whole suite: names, references between criteria and benchmarks. */
function checkSuites(gate: GateDefinition, problems: string[]): void {
  const suiteNames = new Set<string>();
  for (const suite of gate.suites) {
    if (suiteNames.has(suite.name)) problems.push(`suites[${suite.name}]: duplicate suite name`);
    suiteNames.add(suite.name);
    const benchmarkNames = new Set<string>();
    for (const benchmark of suite.benchmarks) {
      if (benchmarkNames.has(benchmark.name)) {
        problems.push(
          `suites[${suite.name}].benchmarks[${benchmark.name}]: duplicate benchmark name`,
        );
      }
      benchmarkNames.add(benchmark.name);
    }
    const criterionNames = new Set<string>();
    suite.criteria.forEach((criterion, index) => {
      const where = `suites[${suite.name}].criteria[${criterionLabel(criterion, index)}]`;
      if (criterion.name !== undefined) {
        if (criterionNames.has(criterion.name)) problems.push(`${where}: duplicate criterion name`);
        criterionNames.add(criterion.name);
      }
      if (criterion.benchmark !== undefined && !benchmarkNames.has(criterion.benchmark)) {
        problems.push(
          `${where}.benchmark: no benchmark '${criterion.benchmark}' in this suite (${[...benchmarkNames].join(', ')})`,
        );
        return;
      }
      const sources = sourcesOf(suite, criterion);
      // Only when every source declares its metrics can an unknown name be told from a late one.
      if (sources.length > 0 && sources.every((benchmark) => benchmark.metrics !== undefined)) {
        const known = new Set(sources.flatMap((benchmark) => benchmark.metrics ?? []));
        if (!known.has(criterion.metric)) {
          problems.push(
            `${where}.metric: unknown metric '${criterion.metric}'; the benchmarks report ${[...known].sort().join(', ')}`,
          );
        }
      }
    });
  }
}

/** Validates a gate definition (typed or plain object); throws GateConfigError listing every problem. */
export function validateGate(value: unknown, source = 'gate config'): GateDefinition {
  const problems: string[] = [];
  // Benchmarks whose kind could not build them have no run; that follows from problems already named.
  const unbuilt = new Set<unknown>();
  const built = buildKinds(value, problems, unbuilt);
  const parsed = gateSchema.safeParse(built);
  if (!parsed.success) {
    const followsFromKind = (issue: z.core.$ZodIssue) => {
      if (issue.path.at(-1) !== 'run') return false;
      let node: unknown = built;
      for (const segment of issue.path.slice(0, -1)) {
        node = (node as Record<PropertyKey, unknown> | undefined)?.[segment];
      }
      return unbuilt.has(node);
    };
    problems.push(
      ...parsed.error.issues
        .filter((issue) => !followsFromKind(issue))
        .map((issue) => `${describePath(built, issue.path)}: ${issue.message}`),
    );
  }
  if (problems.length > 0) throw new GateConfigError(source, problems);
  const gate = built as GateDefinition;
  checkSuites(gate, problems);
  if (problems.length > 0) throw new GateConfigError(source, problems);
  return gate;
}

export function defineGate(gate: GateDefinition): GateDefinition {
  return validateGate(gate, 'defineGate()');
}

export function defineSuite(suite: SuiteDefinition): SuiteDefinition {
  return suite;
}

export function defineBenchmark(benchmark: BenchmarkDefinition): BenchmarkDefinition {
  return benchmark;
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

/** Whether a suite's `targets` select this review. */
function selects(
  suite: SuiteDefinition,
  target: Pick<Target, 'id' | 'name' | 'tags'>,
  pipelineID: string,
): boolean {
  const { entities, pipelines, tags } = suite.targets ?? {};
  if (entities && !entities.includes(target.id) && !entities.includes(target.name)) return false;
  if (pipelines && !pipelines.includes(pipelineID)) return false;
  if (tags && !tags.some((tag) => (target.tags ?? []).includes(tag))) return false;
  return true;
}

/** Whether a benchmark must also run on the baseline: a relative criterion may draw from it. */
function needsBaselineRun(suite: SuiteDefinition, benchmark: BenchmarkDefinition): boolean {
  return suite.criteria.some(
    (criterion) =>
      isRelative(criterion.compare) &&
      sourcesOf(suite, criterion).includes(benchmark) &&
      (benchmark.metrics === undefined || benchmark.metrics.includes(criterion.metric)),
  );
}

/**
 * What the workflow needs to schedule a review of one target: the suites that select it, their
 * benchmarks' names and limits, the criteria, and the policy for this pipeline and entity.
 */
export function planReview(
  gate: GateDefinition,
  target: Pick<Target, 'id' | 'name'> & { tags?: string[] },
  pipelineID: string,
): ReviewPlan {
  const selected = gate.suites.filter((suite) => selects(suite, target, pipelineID));
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
  return gate.suites
    .find((suite) => suite.name === suiteName)
    ?.benchmarks.find((benchmark) => benchmark.name === benchmarkName);
}
