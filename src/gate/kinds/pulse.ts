// `pulse`: what the live phase measured. Reads Statsig's Pulse results for the gate's rules that
// the earlier phases rolled out (`GET /gates/{id}/rules/{ruleID}/pulse_results`) and reports, per
// metric, its lift and the lift's confidence interval, so a review before the next phase judges
// production evidence, not only offline benchmarks. A metric with too little data (too few units in
// either group, no interval, not measured yet) is marked inconclusive with the reason.
import { z } from 'zod';
import { StatsigConsoleClient } from '../../statsig/console-client';
import type { GatePulseResults, PulseMetric } from '../../statsig/schemas';
import type { BenchmarkContext, BenchmarkOutput, StatsigReader } from '../types';
import {
  defineBenchmarkKind,
  type FromContext,
  fromContext,
  InvalidBenchmarkOutputError,
  resolve,
  type WithDefaults,
} from './kind';

export interface PulseOptions {
  /** Statsig metric IDs to read (Pulse's `metricID`); criteria name `<id>.lift` and so on. */
  metricIDs: string[];
  /** The gate whose rules carry the rollout. Default: the version under review, when it is a gate. */
  gate?: FromContext<string>;
  /**
   * Rule IDs to read. Default: every rule of the gate under review rolled out to part of its
   * traffic (0 < passPercentage < 100), which is what Pulse can compare.
   */
  rules?: FromContext<string[]>;
  /** Fewer units than this in the test or the control group: too little data. Default 100. */
  minUnits?: number;
  /**
   * Which interval bounds `lift_low`/`lift_high`: Pulse's `fixed` one (default), or its `sequential`
   * testing one, which stays valid however often the results are looked at.
   */
  interval?: 'fixed' | 'sequential';
  /** Pulse's `confidence` query (e.g. 95): the level of its intervals. */
  confidence?: number;
  /** Pulse's `cuped` query: CUPED variance reduction. */
  cuped?: boolean;
  /**
   * Where to read when the worker gives benchmarks no Statsig client (`context.statsig`): this,
   * else STATSIG_CONSOLE_API_URL and STATSIG_CONSOLE_API_KEY from the environment.
   */
  console?: { consoleApiUrl: string; apiKey: string; timeoutMs?: number };
}

type CheckedPulseOptions = WithDefaults<PulseOptions, 'minUnits' | 'interval'>;

/** What each metric ID reports, e.g. `conversion_rate.lift`. */
export const PULSE_FIELDS = ['lift', 'lift_low', 'lift_high', 'harm', 'p_value', 'units'] as const;
type PulseField = (typeof PULSE_FIELDS)[number];

const pulseOptionsSchema = z.object({
  metricIDs: z
    .array(z.string().min(1))
    .min(1, 'name the Statsig metrics to read (metricIDs), so criteria on them are checked'),
  gate: fromContext(z.string().min(1)).optional(),
  rules: fromContext(z.array(z.string().min(1)).min(1)).optional(),
  minUnits: z.number().int().min(0).default(100),
  interval: z.enum(['fixed', 'sequential']).default('fixed'),
  confidence: z.number().gt(0).lt(100).optional(),
  cuped: z.boolean().optional(),
  console: z
    .object({
      consoleApiUrl: z.url(),
      apiKey: z.string().min(1),
      timeoutMs: z.number().int().positive().optional(),
    })
    .optional(),
}) as unknown as z.ZodType<CheckedPulseOptions, PulseOptions>;

const clients = new Map<string, StatsigConsoleClient>();

/** The Statsig reader for this run: the worker's, the options', or one from the environment. */
function readerFor(options: CheckedPulseOptions, context: BenchmarkContext): StatsigReader {
  if (context.statsig) return context.statsig;
  const given = options.console;
  const baseUrl =
    given?.consoleApiUrl ??
    process.env.STATSIG_CONSOLE_API_URL ??
    'https://statsigapi.net/console/v1';
  const apiKey = given?.apiKey ?? process.env.STATSIG_CONSOLE_API_KEY;
  if (!apiKey) {
    throw new InvalidBenchmarkOutputError(
      'pulse reads Statsig: give it console: { consoleApiUrl, apiKey }, set STATSIG_CONSOLE_API_KEY, or run it on a worker that passes its Statsig client',
    );
  }
  const timeoutMs = given?.timeoutMs ?? (Number(process.env.STATSIG_TIMEOUT_MS) || 10_000);
  const key = `${baseUrl}\u0000${apiKey}\u0000${timeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    client = new StatsigConsoleClient({ baseUrl, apiKey, timeoutMs });
    clients.set(key, client);
  }
  return client;
}

/** The gate and rules to read, or why there are none. */
function selection(
  options: CheckedPulseOptions,
  context: BenchmarkContext,
): { gate: string; rules: string[] } | { gate: string; none: string } {
  const { target } = context;
  const gate = options.gate === undefined ? undefined : resolve(options.gate, context);
  if (gate === undefined && target.kind !== 'gate') {
    throw new InvalidBenchmarkOutputError(
      `pulse reads a gate's rules, and ${target.name} is a dynamic config: name the gate with \`gate\``,
    );
  }
  const gateID = gate ?? target.id;
  if (options.rules !== undefined) return { gate: gateID, rules: resolve(options.rules, context) };
  if (gateID !== target.id) {
    throw new InvalidBenchmarkOutputError(
      `pulse reads gate ${gateID}, not the one under review: name its rules with \`rules\``,
    );
  }
  const partial = (target.rules as Array<{ id?: unknown; passPercentage?: unknown }>).filter(
    (rule) =>
      typeof rule.id === 'string' &&
      typeof rule.passPercentage === 'number' &&
      rule.passPercentage > 0 &&
      rule.passPercentage < 100,
  );
  if (partial.length === 0) {
    return {
      gate: gateID,
      none: `gate ${gateID} has no rule rolled out to part of its traffic (0 < passPercentage < 100), so Pulse has nothing to compare yet`,
    };
  }
  return { gate: gateID, rules: partial.map((rule) => rule.id as string) };
}

/** One rule's reading of one metric: its fields, or why it has none. */
function readMetric(
  options: CheckedPulseOptions,
  where: string,
  ds: string,
  metric: PulseMetric | undefined,
  metricID: string,
): Record<PulseField, number> | string {
  if (!metric) return `${where}: Pulse has no results for ${metricID} yet (${ds})`;
  const units = Math.min(metric.testUnits ?? 0, metric.controlUnits ?? 0);
  if (units < options.minUnits) {
    return `${where}: too little data for ${metricID}: ${metric.testUnits ?? 0} test and ${metric.controlUnits ?? 0} control units in Pulse (${ds}); needs ${options.minUnits} in each`;
  }
  const lift = metric.percentChange;
  const half =
    options.interval === 'sequential'
      ? metric.percentSequentialTestingConfidenceIntervalDelta
      : metric.percentConfidenceIntervalDelta;
  if (typeof lift !== 'number' || typeof half !== 'number' || !(half >= 0)) {
    return `${where}: Pulse gave ${metricID} no usable ${options.interval} confidence interval (${ds}): percentChange ${String(lift)}, interval half-width ${String(half)}`;
  }
  const low = lift - half;
  const high = lift + half;
  // Harm: how much worse than control the metric may plausibly be, in percent of control.
  const harm = metric.directionality === 'decrease' ? high : -low;
  return {
    lift,
    lift_low: low,
    lift_high: high,
    harm,
    p_value: metric.pValue ?? Number.NaN,
    units,
  };
}

/** The worst of several rules' values of one field, for the run's single-number metrics. */
function worst(field: PulseField, values: number[], decreaseIsGood: boolean): number {
  if (field === 'harm' || field === 'p_value') return Math.max(...values);
  if (field === 'units') return Math.min(...values);
  return decreaseIsGood ? Math.max(...values) : Math.min(...values);
}

function summarise(
  options: CheckedPulseOptions,
  readings: Array<{ where: string; ds: string; results: GatePulseResults }>,
): BenchmarkOutput {
  const output: Required<Pick<BenchmarkOutput, 'metrics' | 'samples' | 'inconclusive'>> = {
    metrics: { rules: readings.length },
    samples: {},
    inconclusive: {},
  };
  for (const metricID of options.metricIDs) {
    const reasons: string[] = [];
    let decreaseIsGood = false;
    for (const { where, ds, results } of readings) {
      const metric = results.monitoringMetrics.find((item) => item.metricID === metricID);
      if (metric?.directionality === 'decrease') decreaseIsGood = true;
      const read = readMetric(options, where, ds, metric, metricID);
      if (typeof read === 'string') {
        reasons.push(read);
        continue;
      }
      for (const field of PULSE_FIELDS) {
        if (!Number.isFinite(read[field])) continue;
        const name = `${metricID}.${field}`;
        output.samples[name] = [...(output.samples[name] ?? []), read[field]];
      }
    }
    for (const field of PULSE_FIELDS) {
      const name = `${metricID}.${field}`;
      const values = output.samples[name];
      if (values) output.metrics[name] = worst(field, values, decreaseIsGood);
      if (reasons.length > 0) output.inconclusive[name] = reasons.join('; ');
    }
  }
  return output;
}

export const pulse = defineBenchmarkKind<PulseOptions, CheckedPulseOptions>(
  'pulse',
  (options) => ({
    metrics: [
      'rules',
      ...options.metricIDs.flatMap((metricID) =>
        PULSE_FIELDS.map((field) => `${metricID}.${field}`),
      ),
    ],
    async run(context) {
      const chosen = selection(options, context);
      if ('none' in chosen) {
        const inconclusive = Object.fromEntries(
          options.metricIDs.flatMap((metricID) =>
            PULSE_FIELDS.map((field) => [`${metricID}.${field}`, chosen.none]),
          ),
        );
        return { metrics: { rules: 0 }, inconclusive };
      }
      const reader = readerFor(options, context);
      const query = {
        ...(options.confidence === undefined ? {} : { confidence: options.confidence }),
        ...(options.cuped === undefined ? {} : { cuped: options.cuped }),
      };
      const readings = [];
      for (const rule of chosen.rules) {
        const results = await reader.getGatePulseResults(chosen.gate, rule, query, context.signal);
        context.heartbeat({ rules: readings.length + 1, of: chosen.rules.length });
        readings.push({
          where: `rule ${rule} of gate ${chosen.gate}`,
          ds: results.ds ?? 'no date',
          results,
        });
      }
      return summarise(options, readings);
    },
  }),
  pulseOptionsSchema,
);
