// Every error the receiver answers, by stable code with its HTTP status: the answer, the log line
// and the /stats and Prometheus counters all carry the code. The review API's codes come from
// src/reviews/control.ts, which the CLI shares.
import type { FastifyReply } from 'fastify';
import { REVIEW_ERRORS } from '../reviews/control';

export const RECEIVER_ERRORS = {
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_BODY_MALFORMED: 400,
  WEBHOOK_SCHEMA_INVALID: 400,
  WEBHOOK_BODY_TOO_LARGE: 413,
  WEBHOOK_UNSUPPORTED_MEDIA_TYPE: 415,
  WEBHOOK_RATE_LIMITED: 429,
  WEBHOOK_SOURCE_RATE_LIMITED: 429,
  QUERY_INVALID: 400,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REVIEW_API_DISABLED: 404,
  REVIEW_API_UNAUTHORIZED: 401,
  REVIEW_DECISION_MALFORMED: 400,
  REVIEW_DECISION_TOO_LARGE: 413,
  REVIEW_UNSUPPORTED_MEDIA_TYPE: 415,
  PRECOMMIT_DISABLED: 404,
  PRECOMMIT_UNAUTHORIZED: 401,
  PRECOMMIT_BODY_MALFORMED: 400,
  PRECOMMIT_SCHEMA_INVALID: 400,
  PRECOMMIT_BODY_TOO_LARGE: 413,
  PRECOMMIT_UNSUPPORTED_MEDIA_TYPE: 415,
  ...REVIEW_ERRORS,
  INTERNAL_ERROR: 500,
} as const;

export type ReceiverErrorCode = keyof typeof RECEIVER_ERRORS;

/** The body of every error answer. */
export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

/** How the app's plugins answer: `answer` for any reply, `fail` for an error by its code. */
export interface Replies {
  answer(reply: FastifyReply, status: number, body: unknown): FastifyReply;
  fail(
    reply: FastifyReply,
    code: ReceiverErrorCode,
    message: string,
    extra?: Record<string, unknown>,
  ): FastifyReply;
  /** For errors Fastify raises with their own code and status (FST_ERR_…). */
  failWithStatus(
    reply: FastifyReply,
    status: number,
    code: string,
    message: string,
    extra?: Record<string, unknown>,
  ): FastifyReply;
}
