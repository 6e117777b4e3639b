// What the worker's workflow bundle registers. Messages and types live in ./contract.ts.
export { catchUpReviews } from './catch-up';
export { deliverReviewNotification } from './notify';
export { releasePipelineReview } from './review';
