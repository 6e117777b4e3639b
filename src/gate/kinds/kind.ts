// How a benchmark kind turns its options into a benchmark: the built-in kinds (http, command,
// dataset) use this, and so can a team's own (`defineBenchmarkKind('grpc', …)`).
import { z } from 'zod';
import type { BenchmarkContext, BenchmarkDefinition } from '../types';

/**
 * Keys of a kind's input that are not the kind's own options: the settings every benchmark has
 * (`metrics` adds to the names the kind declares), and `kind`, which the kind itself sets.
 */
const SETTINGS = [
  'name',
  'timeoutMs',
  'heartbeatTimeoutMs',
  'retries',
  'repeats',
  'maxRepeats',
  'parallelRuns',
  'metrics',
  'kind',
] as const;

/** The settings every benchmark has, whatever its kind. */
export type BenchmarkSettings = Pick<
  BenchmarkDefinition,
  Exclude<(typeof SETTINGS)[number], 'kind'>
>;

/** Options a kind rejected, each as `field: problem`; startup reports them with the benchmark's path. */
export class BenchmarkOptionsError extends Error {
  readonly code = 'BENCHMARK_OPTIONS_INVALID';
  constructor(
    readonly benchmark: string,
    readonly problems: string[],
  ) {
    super(`Benchmark '${benchmark}' is invalid: ${problems.join('; ')}`);
    this.name = 'BenchmarkOptionsError';
  }
}

/**
 * A benchmark's output that cannot be read (a command printed no JSON, a scorer returned NaN…).
 * Running it again would not help, so the activity does not retry it.
 */
export class InvalidBenchmarkOutputError extends Error {
  readonly code = 'BENCHMARK_OUTPUT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBenchmarkOutputError';
  }
}

export interface KindImplementation {
  run: BenchmarkDefinition['run'];
  /** Metric names this benchmark reports; omit when they cannot be known before it runs. */
  metrics?: readonly string[];
}

/** Options once their schema has filled in the defaults of `Keys`. */
export type WithDefaults<Options, Keys extends keyof Options> = Options &
  Required<Pick<Options, Keys>>;

/**
 * Calls `task` for every index in [from, to), in order, at most `concurrency` at once; stops taking
 * new indexes once the run is aborted. The http and dataset kinds run their requests and cases so.
 */
export async function forEachIndex(
  from: number,
  to: number,
  concurrency: number,
  signal: AbortSignal,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = from;
  const lane = async () => {
    for (let index = next++; index < to; index = next++) {
      signal.throwIfAborted();
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/**
 * Counts units of work done and heartbeats about 20 times over `total` of them, so a long run shows
 * its progress in the Temporal UI (`{ cases: 40, of: 200 }`) without a heartbeat per unit.
 */
export function progressHeartbeat(
  context: BenchmarkContext,
  total: number,
  unit: string,
): () => void {
  const every = Math.max(1, Math.floor(total / 20));
  let done = 0;
  return () => {
    done += 1;
    if (done % every === 0) context.heartbeat({ [unit]: done, of: total });
  };
}

/** A value, or a function computing it from the run (e.g. a URL from the version under review). */
export type FromContext<T> = T | ((context: BenchmarkContext) => T);

/** The schema of a FromContext option: a value `schema` accepts, or a function. */
export const fromContext = <T extends z.ZodType>(schema: T) =>
  z.union([
    schema,
    z.custom<(context: BenchmarkContext) => unknown>((v) => typeof v === 'function'),
  ]);

/** The value of a FromContext option for this run. */
export function resolve<T>(value: FromContext<T>, context: BenchmarkContext): T {
  return typeof value === 'function' ? (value as (context: BenchmarkContext) => T)(context) : value;
}

/** A benchmark a kind built: its `options` are the validated ones, defaults applied. */
export type KindBenchmark<Validated extends object> = BenchmarkDefinition & {
  readonly options: Validated;
};

export type BenchmarkKind<Options extends object, Validated extends Options = Options> = ((
  options: Options & BenchmarkSettings,
) => KindBenchmark<Validated>) & {
  readonly kind: string;
};

/**
 * Declares a benchmark kind. `schema` (zod) checks the kind's own options at startup and fills in
 * their defaults (`Validated`, e.g. `WithDefaults<Options, 'requests'>`); `build` turns valid
 * options into the run function.
 */
export function defineBenchmarkKind<Options extends object, Validated extends Options = Options>(
  kind: string,
  build: (options: Validated, name: string) => KindImplementation,
  schema?: z.ZodType<Validated, Options>,
): BenchmarkKind<Options, Validated> {
  const factory = (input: Options & BenchmarkSettings): KindBenchmark<Validated> => {
    const name = typeof input?.name === 'string' ? input.name : '(unnamed)';
    const own: Record<string, unknown> = {};
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input ?? {})) {
      if ((SETTINGS as readonly string[]).includes(key)) settings[key] = value;
      else own[key] = value;
    }
    let options = own as Validated;
    if (schema) {
      const parsed = schema.safeParse(own);
      if (!parsed.success) {
        throw new BenchmarkOptionsError(
          name,
          parsed.error.issues.map(
            (issue) => `${issue.path.map(String).join('.') || '(options)'}: ${issue.message}`,
          ),
        );
      }
      options = { ...own, ...(parsed.data as object) } as Validated;
    }
    const implementation = build(options, name);
    const extra = (settings.metrics as readonly string[] | undefined) ?? [];
    const metrics = implementation.metrics && [...new Set([...implementation.metrics, ...extra])];
    delete settings.kind;
    delete settings.metrics;
    return {
      ...(settings as unknown as BenchmarkSettings),
      kind,
      run: implementation.run,
      options,
      ...(metrics ? { metrics } : extra.length > 0 ? { metrics: extra } : {}),
    };
  };
  return Object.assign(factory, { kind });
}
