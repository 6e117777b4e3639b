// The shape of a gate config, as zod schemas: each field's type, range and the rules between a
// criterion's fields. Cross-references (names, metrics a criterion reads) are checked in define.ts.
import { z } from 'zod';
import { notificationsSchema } from './notifications';
import { AGGREGATIONS, SPENDINGS } from './stats';
import {
  AFTER_ROLLBACK,
  type AfterRollback,
  type BenchmarkDefinition,
  COMPARISONS,
  type Comparison,
  FOR_EACH,
  type ForEach,
  GATE_STAGES,
  type GateStage,
  isCaseMetric,
  isRelative,
  KILL_SWITCHES,
  type KillSwitch,
  OPERATORS,
  STATISTICAL_TESTS,
} from './types';

const killSwitchName = z.enum(KILL_SWITCHES as [KillSwitch, ...KillSwitch[]], {
  message: `must be one of ${KILL_SWITCHES.join(', ')}, or { action: 'rollback', … }`,
});

const nonEmptyNames = z.array(z.string().min(1)).min(1);

/** `{ action: 'rollback', environments?, rules?, condition? }`: a rollback narrowed to some rules. */
const rollbackSettingSchema = z.strictObject({
  action: z.literal('rollback', { message: "a kill switch object is { action: 'rollback', … }" }),
  environments: nonEmptyNames.optional(),
  rules: nonEmptyNames.optional(),
  condition: z
    .strictObject({
      type: z.string().min(1).optional(),
      field: z.string().min(1).optional(),
      values: z
        .array(z.union([z.string(), z.number()]))
        .min(1)
        .optional(),
    })
    .refine(
      (condition) => Object.keys(condition).length > 0,
      'a condition names a type, a field or values',
    )
    .optional(),
});

const killSwitchSchema = z.union([killSwitchName, rollbackSettingSchema], {
  error: (issue) =>
    typeof issue.input === 'object' && issue.input !== null
      ? undefined
      : `must be one of ${KILL_SWITCHES.join(', ')}, or { action: 'rollback', … }`,
});

const policySchema = z.strictObject({
  onFail: killSwitchSchema.optional(),
  afterRollback: z
    .enum(AFTER_ROLLBACK as [AfterRollback, ...AfterRollback[]], {
      message: `must be one of ${AFTER_ROLLBACK.join(', ')}`,
    })
    .optional(),
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

/** Fields that shape a statistic: a count of cases takes none of them. */
const STATISTIC_FIELDS = [
  'aggregate',
  'better',
  'test',
  'alpha',
  'spending',
  'resamples',
  'minSamples',
  'failureBudget',
  'passAt',
] as const;

/** A cap on a count of cases: `regressed_cases <= 0` (none), `flaky_cases < 3`. */
function caseCriterionProblems(
  criterion: Record<string, unknown> & {
    metric: string;
    op: string;
    threshold: number | ((phase: unknown) => number);
  },
  problem: (message: string, field: string) => void,
): void {
  const { metric } = criterion;
  if (criterion.op !== '<=' && criterion.op !== '<') {
    problem(`${metric} is a count to cap: op must be '<=' or '<'`, 'op');
  }
  const { threshold } = criterion;
  if (typeof threshold === 'number' && (!Number.isInteger(threshold) || threshold < 0)) {
    problem(`${metric} counts cases: threshold must be a whole number, 0 or more`, 'threshold');
  }
  if (criterion.compare !== undefined && criterion.compare !== 'absolute') {
    problem(
      `${metric} already compares the candidate's cases with the baseline's: leave compare out`,
      'compare',
    );
  }
  for (const field of STATISTIC_FIELDS) {
    if (criterion[field] !== undefined) {
      problem(`${metric} counts cases: ${field} does not apply`, field);
    }
  }
}

const criterionSchema = z
  .object({
    metric: z.string().min(1),
    op: z.enum(OPERATORS as [string, ...string[]], {
      message: `op must be one of ${OPERATORS.join(' ')}`,
    }),
    // A function picks the threshold per phase when the review is planned (src/gate/plan.ts).
    threshold: z.union([
      z.number().refine(Number.isFinite, 'threshold must be a finite number'),
      z.custom<(phase: unknown) => number>((value) => typeof value === 'function', {
        message: 'threshold must be a finite number or a function of the phase',
      }),
    ]),
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
    spending: z
      .enum(SPENDINGS as [string, ...string[]], {
        message: `spending must be one of ${SPENDINGS.join(', ')}`,
      })
      .optional(),
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
    if (isCaseMetric(criterion.metric)) {
      caseCriterionProblems(criterion, problem);
      return;
    }
    const relative = isRelative(criterion.compare);
    if (criterion.compare === 'regression') {
      if (criterion.better === undefined) {
        problem("a regression criterion needs better: 'higher' or 'lower'", 'better');
      }
      if (criterion.op !== '<=' && criterion.op !== '<') {
        problem("a regression is capped: op must be '<=' or '<'", 'op');
      }
      if (typeof criterion.threshold === 'number' && criterion.threshold < 0) {
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
      stages: z
        .array(
          z.enum(GATE_STAGES as [GateStage, ...GateStage[]], {
            message: `must be one of ${GATE_STAGES.join(', ')}`,
          }),
        )
        .min(1)
        .optional(),
      phases: z
        .array(z.union([z.string().min(1), z.number().int().min(0)]))
        .min(1)
        .optional(),
      passPercentage: z
        .strictObject({
          min: z.number().min(0).max(100).optional(),
          max: z.number().min(0).max(100).optional(),
        })
        .refine(
          (range) => range.min === undefined || range.max === undefined || range.min <= range.max,
          'min must be at most max',
        )
        .optional(),
    })
    .optional(),
  passScore: z.number().min(0).max(100).optional(),
  onFail: killSwitchSchema.optional(),
  fresh: z.boolean().optional(),
  forEach: z
    .enum(FOR_EACH as [ForEach, ...ForEach[]], {
      message: `must be one of ${FOR_EACH.join(', ')}`,
    })
    .optional(),
});

export const gateConfigSchema = z.object({
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
  preCommit: z
    .strictObject({
      // Statsig stops waiting after 2 minutes: an answer later than that reaches nobody.
      deadlineMs: z
        .number()
        .int()
        .min(1_000)
        .max(120_000, 'Statsig waits 2 minutes at most: 120000 ms or less')
        .optional(),
      onDeadline: z
        .enum(['reject', 'approve'], { message: "must be 'reject' or 'approve'" })
        .optional(),
    })
    .optional(),
  notifications: notificationsSchema.optional(),
});
