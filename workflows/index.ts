// What the worker's workflow bundle registers. Messages and types live in ./contract.ts.

export { preCommitValidation } from './pre-commit';
export { releasePipelineReview } from './review';
