// The package's public API: what a team imports to write a gate config.
export {
  defineBenchmark,
  defineGate,
  defineSuite,
  GateConfigError,
  validateGate,
} from './gate/define';
export { type CommandOptions, command } from './gate/kinds/command';
export {
  type CaseContext,
  type DatasetCase,
  type DatasetOptions,
  dataset,
} from './gate/kinds/dataset';
export { type HttpOptions, http } from './gate/kinds/http';
export {
  type BenchmarkKind,
  BenchmarkOptionsError,
  type BenchmarkSettings,
  defineBenchmarkKind,
  type FromContext,
  InvalidBenchmarkOutputError,
  type KindBenchmark,
  type KindImplementation,
  type WithDefaults,
} from './gate/kinds/kind';
export { type PulseOptions, pulse } from './gate/kinds/pulse';
export type {
  Calibration,
  CalibrationCase,
  JudgeAnswer,
  JudgeRequest,
  ScoreInput,
  Scorer,
} from './gate/kinds/scorers';
export * as scorers from './gate/kinds/scorers';
export type {
  Aggregation,
  BenchmarkContext,
  BenchmarkDefinition,
  BenchmarkOutput,
  CalibrationResult,
  CaseResult,
  Comparison,
  Criterion,
  GateDefinition,
  Metrics,
  Operator,
  ReviewPolicy,
  Spending,
  StatisticalTest,
  StatsigReader,
  SuiteDefinition,
  SuiteTargets,
  Target,
} from './gate/types';
export type {
  CriterionResult,
  SequentialEvidence,
  StatisticEvidence,
  SuiteResult,
  Verdict,
} from './gate/wire';
