// What the worker's workflow bundle registers. Messages and types live in ./contract.ts (the review,
// catch-up and notifications), ./pre-commit-contract.ts (pre-commit validation),
// ./retention-contract.ts (the report store's maintenance) and ./rollback-contract.ts (scoped kill
// switches and their undo).
export { catchUpReviews } from './catch-up';
export { deliverReviewNotification } from './notify';
export { preCommitValidation } from './pre-commit';
export { reportRetention } from './report-retention';
export { releasePipelineReview } from './review';
export { undoReviewRollback } from './undo';
