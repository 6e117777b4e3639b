// The review's state while it runs: one object that the message handlers and the stages share.
import type { PhaseSummary, ResolvedPolicy, RollbackRecord } from '../src/gate/wire';
import type {
  BaselineResult,
  Override,
  ReviewProgress,
  ReviewRequest,
  TargetSummary,
} from './contract';

/** Everything the review knows while it runs; handlers and stages read and write this one object. */
export interface ReviewState {
  readonly request: ReviewRequest;
  readonly startedAtMs: number;
  /** What the `progress` query answers. */
  readonly progress: ReviewProgress;
  /** A person's decision, once the `decide` update has been accepted. */
  override?: Override;
  /** Set by the configChanged signal: a version saved after the release started. */
  entityChanged: boolean;
  target?: TargetSummary;
  /** When the release started (Statsig's clock): config changes up to then are the release itself. */
  releaseStartedAtMs: number;
  policy?: ResolvedPolicy;
  /** The phase under review as last loaded (absent in histories from before it was read). */
  phase?: PhaseSummary;
  /** The baseline the review compared with; a rollback gives a dynamic config's rules back to it. */
  baseline?: BaselineResult;
  /** What a rollback changed, once it has: the report carries it, and `review undo` reads it. */
  rollback?: RollbackRecord;
}

/**
 * What the measuring stages (./measure.ts) read and write of a review's state. A pre-commit
 * validation measures with the same stages and has no release request or person deciding.
 */
export type MeasuringState = Pick<ReviewState, 'progress' | 'override'> & {
  readonly request?: ReviewRequest;
};
