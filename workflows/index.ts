// What the worker's workflow bundle registers. Messages and types live in ./contract.ts (the review)
// and ./retention-contract.ts (the report store's maintenance).
export { reportRetention } from './report-retention';
export { releasePipelineReview } from './review';
