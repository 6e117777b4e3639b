// The package's public API: what a team imports to write a gate config.
export {
  defineBenchmark,
  defineGate,
  defineSuite,
  GateConfigError,
  validateGate,
} from './gate/define';
export type {
  BenchmarkContext,
  BenchmarkDefinition,
  BenchmarkOutput,
  Criterion,
  GateDefinition,
  Metrics,
  Operator,
  SuiteDefinition,
  Target,
  Verdict,
} from './gate/types';
