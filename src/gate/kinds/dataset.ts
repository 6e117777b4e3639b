// `dataset`: cases × a model function × scorers. Every case keeps its own result (output, scores,
// pass or fail), so criteria can compare the candidate with the baseline case by case, and repeats
// show which cases are flaky. A scorer with `calibration` also grades its labelled cases every run.
import { z } from 'zod';
import { errorMessage } from '../../error-message';
import { aggregate } from '../stats';
import type { BenchmarkContext, CaseResult } from '../types';
import { calibrate } from './calibration';
import {
  defineBenchmarkKind,
  forEachIndex,
  InvalidBenchmarkOutputError,
  progressHeartbeat,
  type WithDefaults,
} from './kind';
import type { Scorer } from './scorers';

export interface DatasetCase {
  /** Stable across runs and versions: results are paired by it. Default: the case's position. */
  id?: string;
  input: unknown;
  expected?: unknown;
  [field: string]: unknown;
}

export interface CaseContext {
  target: BenchmarkContext['target'];
  baseline: BenchmarkContext['baseline'];
  role: BenchmarkContext['role'];
  repeat: number;
  seed: number;
  signal: AbortSignal;
  case: DatasetCase;
  /** Attaches a per-case metric (e.g. the model's token count); overrides the measured latency_ms. */
  record(metric: string, value: number): void;
}

export interface DatasetOptions {
  cases: DatasetCase[] | ((context: BenchmarkContext) => DatasetCase[] | Promise<DatasetCase[]>);
  /** Produces the output for one case from the version under review (`context.target`). */
  model: (input: unknown, context: CaseContext) => unknown | Promise<unknown>;
  scorers: Scorer[];
  /** Cases evaluated at once. Default 4. */
  concurrency?: number;
  /** Per-case metrics your model records, so criteria may name them. */
  caseMetrics?: string[];
  /** Characters of each output kept in the stored report. Default 500. */
  keepOutputChars?: number;
}

type CheckedDatasetOptions = WithDefaults<DatasetOptions, 'concurrency' | 'keepOutputChars'>;

const calibrationSchema = z
  .object({
    cases: z
      .array(
        z
          .object({
            id: z.string().min(1).optional(),
            input: z.unknown(),
            output: z.unknown(),
            label: z.union([z.boolean(), z.number().min(0).max(1)], {
              message: 'label must be true, false or a score in [0, 1]',
            }),
          })
          .loose(),
      )
      .min(1, 'calibration needs at least one labelled case'),
    minAgreement: z
      .number()
      .gt(0, 'minAgreement is a share above 0')
      .max(1, 'minAgreement is a share, at most 1'),
  })
  .refine(
    (calibration) => {
      const ids = calibration.cases.map((item, index) => item.id ?? `calibration-${index + 1}`);
      return new Set(ids).size === ids.length;
    },
    { message: 'calibration case ids must be unique', path: ['cases'] },
  );

const scorerSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'scorer names use letters, digits, _ . -'),
  score: z.custom<Scorer['score']>((v) => typeof v === 'function', 'score must be a function'),
  passAt: z.number().optional(),
  calibration: calibrationSchema.optional(),
});

const datasetOptionsSchema = z
  .object({
    cases: z.union([
      z.array(z.object({ id: z.string().min(1).optional(), input: z.unknown() }).loose()).min(1),
      z.custom<() => unknown>((v) => typeof v === 'function'),
    ]),
    model: z.custom<DatasetOptions['model']>(
      (v) => typeof v === 'function',
      'model must be a function',
    ),
    scorers: z.array(scorerSchema).min(1, 'a dataset needs at least one scorer'),
    concurrency: z.number().int().positive().max(1000).default(4),
    caseMetrics: z.array(z.string().min(1)).optional(),
    keepOutputChars: z.number().int().min(0).default(500),
  })
  .superRefine((options, context) => {
    const names = options.scorers.map((scorer) => scorer.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) {
      context.addIssue({
        code: 'custom',
        path: ['scorers'],
        message: `two scorers are named '${duplicate}'`,
      });
    }
  }) as unknown as z.ZodType<CheckedDatasetOptions, DatasetOptions>;

function trimOutput(output: unknown, keep: number): unknown {
  if (typeof output === 'string')
    return output.length > keep ? `${output.slice(0, keep)}…` : output;
  if (output === undefined) return null;
  const json = JSON.stringify(output) ?? '';
  return json.length > keep ? `${json.slice(0, keep)}…` : output;
}

/** Runs the model on one case and scores its output; a thrown model or scorer fails only the case. */
async function evaluateCase(
  options: CheckedDatasetOptions,
  context: BenchmarkContext,
  item: DatasetCase,
  id: string,
): Promise<CaseResult> {
  const keep = options.keepOutputChars;
  const recorded: Record<string, number> = {};
  const caseContext: CaseContext = {
    target: context.target,
    baseline: context.baseline,
    role: context.role,
    repeat: context.repeat,
    seed: context.seed,
    signal: context.signal,
    case: item,
    record(metric, value) {
      if (!Number.isFinite(value)) {
        throw new InvalidBenchmarkOutputError(`case ${id}: ${metric} must be a finite number`);
      }
      recorded[metric] = value;
    },
  };
  const started = performance.now();
  let output: unknown;
  try {
    output = await options.model(item.input, caseContext);
  } catch (error) {
    if (context.signal.aborted) throw error;
    return { id, passed: false, scores: {}, error: `model: ${errorMessage(error)}` };
  }
  const scores: Record<string, number> = {
    latency_ms: Math.round((performance.now() - started) * 100) / 100,
    ...recorded,
  };
  let passed = true;
  for (const scorer of options.scorers) {
    let value: number | boolean;
    try {
      value = await scorer.score({
        output,
        expected: item.expected,
        case: item,
        signal: context.signal,
      });
    } catch (error) {
      if (context.signal.aborted) throw error;
      return {
        id,
        passed: false,
        scores,
        output: trimOutput(output, keep),
        error: `${scorer.name}: ${errorMessage(error)}`,
      };
    }
    const score = typeof value === 'boolean' ? Number(value) : value;
    if (!Number.isFinite(score)) {
      throw new InvalidBenchmarkOutputError(
        `scorer '${scorer.name}' returned ${String(value)} for case ${id}`,
      );
    }
    scores[scorer.name] = score;
    if (score < (scorer.passAt ?? 1)) passed = false;
  }
  return { id, passed, scores, output: trimOutput(output, keep) };
}

export const dataset = defineBenchmarkKind<DatasetOptions, CheckedDatasetOptions>(
  'dataset',
  (options) => ({
    metrics: [
      'cases',
      'passed',
      'errors',
      'pass_rate',
      'pass',
      'latency_ms',
      'latency_p50_ms',
      'latency_p95_ms',
      ...options.scorers.flatMap((scorer) => [
        scorer.name,
        `score_${scorer.name}`,
        ...(scorer.calibration ? [`calibration_${scorer.name}`] : []),
      ]),
      ...(options.caseMetrics ?? []),
    ],
    async run(context) {
      const cases =
        typeof options.cases === 'function' ? await options.cases(context) : options.cases;
      if (!Array.isArray(cases) || cases.length === 0) {
        throw new InvalidBenchmarkOutputError('the dataset has no cases');
      }
      const ids = cases.map((item, index) => item.id ?? String(index + 1));
      if (new Set(ids).size !== ids.length) {
        throw new InvalidBenchmarkOutputError('dataset case ids must be unique');
      }
      const results: CaseResult[] = new Array(cases.length);

      const caseDone = progressHeartbeat(context, cases.length, 'cases');
      await forEachIndex(0, cases.length, options.concurrency, context.signal, async (index) => {
        results[index] = await evaluateCase(
          options,
          context,
          cases[index] as DatasetCase,
          ids[index] as string,
        );
        caseDone();
      });

      const passedCount = results.filter((result) => result.passed).length;
      const errors = results.filter((result) => result.error !== undefined).length;
      const latencies = results.flatMap((result) =>
        result.scores?.latency_ms === undefined ? [] : [result.scores.latency_ms],
      );
      const calibration = await calibrate(options.scorers, context, options.concurrency);
      const agreement = Object.fromEntries(
        calibration.map((result) => [`calibration_${result.scorer}`, result.agreed / result.cases]),
      );
      const scoreMeans = Object.fromEntries(
        options.scorers.map((scorer) => {
          const values = results.map((result) => result.scores?.[scorer.name] ?? 0);
          return [`score_${scorer.name}`, aggregate(values, 'mean')];
        }),
      );
      return {
        metrics: {
          cases: cases.length,
          passed: passedCount,
          errors,
          pass_rate: passedCount / cases.length,
          ...(latencies.length > 0
            ? {
                latency_p50_ms: aggregate(latencies, 'p50'),
                latency_p95_ms: aggregate(latencies, 'p95'),
              }
            : {}),
          ...scoreMeans,
          ...agreement,
        },
        cases: results,
        ...(calibration.length > 0 ? { calibration } : {}),
      };
    },
  }),
  datasetOptionsSchema,
);
