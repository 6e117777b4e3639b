// The public API for registering benchmark suites in code. `defineGate` validates at startup, so a
// typo in a criterion fails the worker's boot with the name at fault instead of a review at 3 a.m.
import { z } from 'zod';
import { resolvePolicy } from './policy';
import {
  type BenchmarkDefinition,
  type GateDefinition,
  KILL_SWITCHES,
  type KillSwitch,
  OPERATORS,
  type PlannedBenchmark,
  type ReviewPlan,
  type SuiteDefinition,
  type Target,
} from './types';

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 15_000;
const DEFAULT_RETRIES = 2;

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

const benchmarkSchema = z.object({
  name: z.string().min(1),
  run: z.custom<BenchmarkDefinition['run']>((value) => typeof value === 'function', {
    message: 'run must be an async function ({ target, heartbeat, signal, log }) => ({ metrics })',
  }),
  timeoutMs: z.number().int().positive().optional(),
  heartbeatTimeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(20).optional(),
});

const criterionSchema = z.object({
  metric: z.string().min(1),
  op: z.enum(OPERATORS as [string, ...string[]], {
    message: `op must be one of ${OPERATORS.join(' ')}`,
  }),
  threshold: z.number().refine(Number.isFinite, 'threshold must be a finite number'),
});

const suiteSchema = z.object({
  name: z.string().min(1),
  benchmarks: z.array(benchmarkSchema).min(1, 'a suite needs at least one benchmark'),
  criteria: z.array(criterionSchema).min(1, 'a suite needs at least one criterion'),
  onFail: killSwitchSchema.optional(),
});

const gateSchema = z.object({
  suites: z.array(suiteSchema).min(1, 'declare at least one suite'),
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

function describePath(value: unknown, path: ReadonlyArray<PropertyKey>): string {
  // Name suites and benchmarks rather than giving array indexes: "suites[prompt-quality]".
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

/** Validates a gate definition (typed or plain object); throws GateConfigError listing every problem. */
export function validateGate(value: unknown, source = 'gate config'): GateDefinition {
  const parsed = gateSchema.safeParse(value);
  if (!parsed.success) {
    throw new GateConfigError(
      source,
      parsed.error.issues.map((issue) => `${describePath(value, issue.path)}: ${issue.message}`),
    );
  }
  const gate = value as GateDefinition;
  const problems: string[] = [];
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
  }
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

/**
 * What the workflow needs to schedule a review of one target: benchmark names and limits, criteria
 * and the policy that applies to this pipeline and entity.
 */
export function planReview(
  gate: GateDefinition,
  target: Pick<Target, 'id' | 'name'>,
  pipelineID: string,
): ReviewPlan {
  const benchmarks: PlannedBenchmark[] = gate.suites.flatMap((suite) =>
    suite.benchmarks.map((benchmark) => ({
      suite: suite.name,
      benchmark: benchmark.name,
      timeoutMs: benchmark.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      heartbeatTimeoutMs: benchmark.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
      retries: benchmark.retries ?? DEFAULT_RETRIES,
    })),
  );
  const criteria = gate.suites.flatMap((suite) =>
    suite.criteria.map((criterion) => ({ ...criterion, suite: suite.name })),
  );
  const suiteOnFail = Object.fromEntries(
    gate.suites.flatMap((suite) => (suite.onFail ? [[suite.name, suite.onFail]] : [])),
  );
  return { benchmarks, criteria, policy: resolvePolicy(gate, target, pipelineID), suiteOnFail };
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
