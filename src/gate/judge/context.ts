// What judging one criterion works with: the criterion, both sides' samples, and how to finish.
import type { Criterion } from '../types';
import type { CriterionResult, SequentialEvidence } from '../wire';
import type { Side } from './samples';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_RESAMPLES = 2_000;

export interface Judged {
  result: CriterionResult;
  /** Benchmarks whose further runs could settle it. */
  sampleFrom: string[];
}

/** Finishes a judgement: the criterion's base result with these fields, and what could settle it. */
export type Done = (fields: Partial<CriterionResult>, sampleFrom?: string[]) => Judged;

/** Everything the absolute and relative judges need about one criterion, gathered once. */
export interface CriterionContext {
  criterion: Criterion & { suite: string };
  candidate: Side;
  /** The baseline's samples, when the baseline ran and reported the metric. */
  baseline: Side | undefined;
  samples: CriterionResult['samples'];
  /** The criterion's α over every look. */
  alpha: number;
  /** The one-sided level this look tests at: α itself on a single look, less when α is spent over several. */
  level: number;
  /** This look, when adaptive sampling may take several. */
  sequential: SequentialEvidence | undefined;
  /** Whether more runs could still be taken (false at the plan's last look). */
  canSampleMore: boolean;
  /** Seeded per review and criterion, so a bootstrap verdict is reproducible. */
  random: () => number;
  done: Done;
  /** Benchmarks that reported the metric: more of their runs could settle an open verdict. */
  reporting: string[];
}
