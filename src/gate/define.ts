// The public API for registering benchmark suites in code. `defineGate` validates at startup, so a
// typo in a criterion fails the worker's boot with the name at fault instead of a review at 3 a.m.
import type { z } from 'zod';
import { BenchmarkOptionsError, builtInKind } from './kinds/registry';
import { checkReviewLoad } from './limits';
import { checkNotificationRoutes } from './notifications';
import { sourcesOf } from './plan';
import { gateConfigSchema } from './schema';
import {
  type BenchmarkDefinition,
  type Criterion,
  type GateDefinition,
  isCaseMetric,
  type SuiteDefinition,
} from './types';

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
              `${where}.kind: unknown kind '${benchmark.kind}' (built in: http, command, dataset, pulse; or give run)`,
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

function criterionLabel(criterion: Pick<Criterion, 'name'>, index: number): string {
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
        if (isCaseMetric(criterion.metric)) {
          if (!known.has('pass')) {
            problems.push(
              `${where}.metric: ${criterion.metric} counts cases by their pass or fail; no benchmark it reads reports cases (a dataset does)`,
            );
          }
        } else if (!known.has(criterion.metric)) {
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
  const parsed = gateConfigSchema.safeParse(built);
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
  checkReviewLoad(gate, problems);
  checkNotificationRoutes(gate, problems);
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
