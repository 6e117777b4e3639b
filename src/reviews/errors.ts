// The review controls' stable error codes with their HTTP status (the receiver's table spreads them;
// the CLI maps them to exit codes), the error that carries one, and how Temporal's errors map.
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { errorMessage } from '../error-message';

export const REVIEW_ERRORS = {
  REVIEW_NOT_FOUND: 404,
  REVIEW_ALREADY_DECIDED: 409,
  REVIEW_ALREADY_ACTED: 409,
  REVIEW_NOT_RUNNING: 409,
  /** A re-run of a review that approved or killed, was superseded, or still runs. */
  REVIEW_RERUN_REFUSED: 409,
  /** An undo of a review that neither rolled back nor paused, or has not finished. */
  REVIEW_UNDO_REFUSED: 409,
  REVIEW_DECISION_INVALID: 400,
  REVIEW_FILTER_INVALID: 400,
  REVIEW_DECISION_TIMEOUT: 503,
  /** The undo workflow did not finish in time; it goes on. */
  REVIEW_UNDO_TIMEOUT: 503,
  TEMPORAL_UNAVAILABLE: 503,
} as const;

export type ReviewErrorCode = keyof typeof REVIEW_ERRORS;

export class ReviewError extends Error {
  readonly status: number;
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ReviewError';
    this.status = REVIEW_ERRORS[code];
  }
}

// gRPC status codes (from the gRPC spec) the answers depend on.
export const GRPC_INVALID_ARGUMENT = 3;

/** Temporal's ServiceError wraps the gRPC error that says what went wrong. */
export function message(error: unknown): string {
  if (error instanceof ServiceError && error.cause) return message(error.cause);
  return errorMessage(error);
}

export function unavailable(error: unknown): ReviewError {
  return new ReviewError('TEMPORAL_UNAVAILABLE', `Temporal did not answer: ${message(error)}`);
}

export function grpcCode(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (error instanceof ServiceError && isGrpcServiceError(error.cause)) return error.cause.code;
  return undefined;
}
