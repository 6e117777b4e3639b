// Everything the worker's workflow bundle registers.
export { progressQuery, releasePipelineReview } from './review';
