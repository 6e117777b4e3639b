// What the worker's workflow bundle registers. Messages and types live in ./contract.ts.
export { releasePipelineReview } from './review';
