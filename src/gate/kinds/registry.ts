// The built-in benchmark kinds, by the name plain-object configs use (`kind: 'http'`).

import type { BenchmarkDefinition } from '../types';
import { command } from './command';
import { dataset } from './dataset';
import { http } from './http';
import { pulse } from './pulse';

export { BenchmarkOptionsError } from './kind';

/** A kind's factory as plain-object configs call it: with options not yet checked. */
type BuiltInKind = (input: never) => BenchmarkDefinition;

const BUILT_IN: Record<string, BuiltInKind> = { http, command, dataset, pulse };

export function builtInKind(kind: string): BuiltInKind | undefined {
  return Object.hasOwn(BUILT_IN, kind) ? BUILT_IN[kind] : undefined;
}
