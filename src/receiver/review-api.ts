// The review API as a Fastify plugin: people read reviews and send their decision over HTTP, with a
// bearer token from REVIEW_API_TOKEN. Without a token configured the routes exist but answer 404
// REVIEW_API_DISABLED, so nobody mistakes a missing setting for a missing review.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  decisionSchema,
  MAX_REVIEWS_LISTED,
  type ReviewControl,
  ReviewError,
} from '../reviews/control';
import { firstIssue } from '../zod-issues';
import type { Replies } from './errors';
import { reviewRunRoutes } from './review-runs';

/** Why a request was not authenticated; logged, never sent back. */
export type AuthFailure = 'TOKEN_MISSING' | 'TOKEN_MALFORMED' | 'TOKEN_MISMATCH';

export interface ReviewApiOptions {
  /** Accepted bearer tokens (several while one is rotated); undefined turns the API off. */
  tokens?: readonly string[] | undefined;
  control?: ReviewControl;
}

export const REVIEW_PATHS = {
  list: '/reviews',
  stuck: '/reviews/stuck',
  show: '/reviews/:id',
  decision: '/reviews/:id/decision',
  rerun: '/reviews/:id/rerun',
  undo: '/reviews/:id/undo',
} as const;

/** Decision bodies are a few hundred bytes; anything much larger is not one. */
const DECISION_BODY_LIMIT = 16 * 1024;

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` against every configured token. Both sides are hashed first
 * so the comparison is constant-time over equal lengths, and every token is compared, matched or not.
 */
function checkBearer(
  header: string | undefined,
  tokens: readonly Buffer[],
): { ok: true } | { ok: false; reason: AuthFailure } {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'TOKEN_MISSING' };
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return { ok: false, reason: 'TOKEN_MALFORMED' };
  const presented = digest(match[1]);
  let matched = false;
  for (const token of tokens) {
    if (timingSafeEqual(presented, token)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'TOKEN_MISMATCH' };
}

const listQuery = z.strictObject({
  pipelineID: z.string().min(1).optional(),
  triggerID: z.string().min(1).optional(),
  phaseID: z.string().min(1).optional(),
  entity: z.string().min(1).optional(),
  verdict: z.string().min(1).optional(),
  decision: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_REVIEWS_LISTED).default(20),
});

/** The routes answer 404 before any body is read: the handler is never reached. */
function registerDisabled(app: FastifyInstance, { fail }: Replies): void {
  const disabled = (request: FastifyRequest, reply: FastifyReply) => {
    request.log.info({ code: 'REVIEW_API_DISABLED' }, 'review API called while disabled');
    fail(
      reply,
      'REVIEW_API_DISABLED',
      'the review API is off: set REVIEW_API_TOKEN on the receiver',
    );
  };
  const unreachable = async () => undefined;
  app.get(REVIEW_PATHS.list, { onRequest: disabled }, unreachable);
  app.get(REVIEW_PATHS.stuck, { onRequest: disabled }, unreachable);
  app.get(REVIEW_PATHS.show, { onRequest: disabled }, unreachable);
  app.post(REVIEW_PATHS.decision, { onRequest: disabled }, unreachable);
  app.post(REVIEW_PATHS.rerun, { onRequest: disabled }, unreachable);
  app.post(REVIEW_PATHS.undo, { onRequest: disabled }, unreachable);
}

/** Fastify's own body errors on a decision, answered with the review API's codes. */
function bodyErrors(app: FastifyInstance, { fail }: Replies): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      request.log.warn({ code: 'REVIEW_DECISION_TOO_LARGE' }, 'body over the limit');
      return fail(reply, 'REVIEW_DECISION_TOO_LARGE', `body over ${DECISION_BODY_LIMIT} bytes`);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      request.log.warn({ code: 'REVIEW_UNSUPPORTED_MEDIA_TYPE' }, 'content type is not JSON');
      return fail(reply, 'REVIEW_UNSUPPORTED_MEDIA_TYPE', 'content type must be JSON');
    }
    // Invalid JSON, an empty body, or a body carrying __proto__: not a decision anyone sent.
    if (error.statusCode === 400 && error.code?.startsWith('FST_ERR_CTP_')) {
      request.log.info({ code: 'REVIEW_DECISION_MALFORMED' }, 'decision body is not JSON');
      return fail(reply, 'REVIEW_DECISION_MALFORMED', 'body is not valid JSON');
    }
    throw error;
  });
}

export async function reviewApi(
  app: FastifyInstance,
  options: ReviewApiOptions & { replies: Replies },
): Promise<void> {
  const { control, replies } = options;
  const { fail } = replies;
  if (control === undefined || options.tokens === undefined) {
    registerDisabled(app, replies);
    return;
  }
  const tokens = options.tokens.map(digest);
  // Decisions are JSON; Fastify's plain-text parser would hand a text body on as a string.
  app.removeContentTypeParser('text/plain');
  bodyErrors(app, replies);

  // onRequest: the token is checked before a body is read or parsed.
  const authenticate = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const result = checkBearer(request.headers.authorization, tokens);
    if (result.ok) return done();
    request.log.warn(
      { code: 'REVIEW_API_UNAUTHORIZED', reason: result.reason },
      'review API request without a valid token',
    );
    reply.header('www-authenticate', 'Bearer realm="rollout-gate reviews"');
    fail(reply, 'REVIEW_API_UNAUTHORIZED', 'a valid bearer token is required');
  };

  function answerError(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    if (!(error instanceof ReviewError)) throw error;
    const level = error.status >= 500 ? 'error' : 'info';
    request.log[level]({ code: error.code, ...error.details }, error.message);
    if (error.code === 'TEMPORAL_UNAVAILABLE' || error.code === 'REVIEW_DECISION_TIMEOUT') {
      reply.header('retry-after', '5');
    }
    return fail(reply, error.code, error.message, error.details);
  }

  app.get(REVIEW_PATHS.list, { onRequest: authenticate }, async (request, reply) => {
    const query = listQuery.safeParse(request.query);
    if (!query.success) {
      const issue = firstIssue(query.error, '(query)');
      request.log.info({ code: 'REVIEW_FILTER_INVALID', path: issue.path }, 'invalid filter');
      return fail(reply, 'REVIEW_FILTER_INVALID', issue.message, { path: issue.path });
    }
    const { limit, ...filter } = query.data;
    try {
      return { reviews: await control.list(filter, limit) };
    } catch (error) {
      return answerError(request, reply, error);
    }
  });

  reviewRunRoutes(app, { control, replies, authenticate, answerError });

  app.get<{ Params: { id: string } }>(
    REVIEW_PATHS.show,
    { onRequest: authenticate },
    async (request, reply) => {
      try {
        return await control.show(request.params.id);
      } catch (error) {
        return answerError(request, reply, error);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    REVIEW_PATHS.decision,
    { onRequest: authenticate, bodyLimit: DECISION_BODY_LIMIT },
    async (request, reply) => {
      if (request.body === undefined) {
        request.log.info({ code: 'REVIEW_DECISION_MALFORMED' }, 'decision without a body');
        return fail(reply, 'REVIEW_DECISION_MALFORMED', 'body is not valid JSON');
      }
      const body = decisionSchema.safeParse(request.body);
      if (!body.success) {
        const issue = firstIssue(body.error, '(body)');
        request.log.info({ code: 'REVIEW_DECISION_INVALID', path: issue.path }, 'invalid decision');
        return fail(reply, 'REVIEW_DECISION_INVALID', issue.message, { path: issue.path });
      }
      try {
        const accepted = await control.decide(request.params.id, body.data);
        // The actor is in the review's history; the log keeps no names or emails.
        request.log.info(
          { workflowId: accepted.workflowId, decision: accepted.decision, stage: accepted.stage },
          'review decision accepted',
        );
        return { accepted: true, ...accepted };
      } catch (error) {
        return answerError(request, reply, error);
      }
    },
  );
}
