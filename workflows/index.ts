// What the worker's workflow bundle registers. Messages and types live in ./contract.ts (the review,
// catch-up and notifications), ./pre-commit-contract.ts (pre-commit validation) and
// ./retention-contract.ts (the report store's maintenance).
export { catchUpReviews } from './catch-up';
export { deliverReviewNotification } from './notify';
export { preCommitValidation } from './pre-commit';
export { reportRetention } from './report-retention';
export { releasePipelineReview } from './review';
