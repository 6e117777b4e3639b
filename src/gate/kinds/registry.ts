// The built-in benchmark kinds, by the name plain-object configs use (`kind: 'http'`).
import { command } from './command';
import { dataset } from './dataset';
import { http } from './http';
import type { BenchmarkKind } from './kind';

export { BenchmarkOptionsError } from './kind';

const BUILT_IN: Record<string, BenchmarkKind<never>> = {
  http: http as BenchmarkKind<never>,
  command: command as BenchmarkKind<never>,
  dataset: dataset as BenchmarkKind<never>,
};

export function builtInKind(kind: string): BenchmarkKind<never> | undefined {
  return Object.hasOwn(BUILT_IN, kind) ? BUILT_IN[kind] : undefined;
}
