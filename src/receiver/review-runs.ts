// The review API's routes beyond reading and deciding one review: POST /reviews/:id/rerun starts a
// fresh run of a review that failed or ended inconclusive without acting, POST /reviews/:id/undo
// puts back what its rollback changed, and GET /reviews/stuck lists what needs a person.
// Authenticated like the rest of the API (review-api.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ReviewControl } from '../reviews/control';
import { firstIssue } from '../zod-issues';
import type { Replies } from './errors';

/** A re-run's or an undo's body: who asks and why, both optional. */
const actorBody = z
  .strictObject({
    actor: z.string().trim().min(1).max(200, 'must be at most 200 characters').optional(),
    reason: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  })
  .optional();

const stuckQuery = z.strictObject({
  retryingMinutes: z.coerce.number().positive().max(10_000).default(10),
});

/** Bodies of a re-run are a few hundred bytes at most. */
const RERUN_BODY_LIMIT = 16 * 1024;

export function reviewRunRoutes(
  app: FastifyInstance,
  options: {
    control: ReviewControl;
    replies: Replies;
    authenticate: (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;
    answerError: (request: FastifyRequest, reply: FastifyReply, error: unknown) => unknown;
  },
): void {
  const { control, replies, authenticate, answerError } = options;

  /** The body of a re-run or an undo; undefined once it has been answered 400. */
  const parseActorBody = (raw: unknown, reply: FastifyReply) => {
    const body = actorBody.safeParse(raw ?? undefined);
    if (body.success) return body.data ?? {};
    const issue = firstIssue(body.error, '(body)');
    replies.fail(reply, 'REVIEW_DECISION_INVALID', issue.message, { path: issue.path });
    return undefined;
  };

  app.get('/reviews/stuck', { onRequest: authenticate }, async (request, reply) => {
    const query = stuckQuery.safeParse(request.query);
    if (!query.success) {
      const issue = firstIssue(query.error, '(query)');
      return replies.fail(reply, 'REVIEW_FILTER_INVALID', issue.message, { path: issue.path });
    }
    try {
      return await control.stuck({ retryingOverMs: query.data.retryingMinutes * 60_000 });
    } catch (error) {
      return answerError(request, reply, error);
    }
  });

  // Undo: puts back what the review's rollback changed (rules nobody changed since) and unpauses.
  app.post<{ Params: { id: string } }>(
    '/reviews/:id/undo',
    { onRequest: authenticate, bodyLimit: RERUN_BODY_LIMIT },
    async (request, reply) => {
      const body = parseActorBody(request.body, reply);
      if (body === undefined) return reply;
      const { actor, reason } = body;
      try {
        const undone = await control.undo(request.params.id, {
          actor: actor ?? 'review API',
          ...(reason ? { reason } : {}),
        });
        request.log.info(
          {
            workflowId: request.params.id,
            restored: undone.restored.length,
            refused: undone.refused.map((entry) => entry.reason),
            unpaused: undone.unpaused,
          },
          'review rollback undone',
        );
        return undone;
      } catch (error) {
        return answerError(request, reply, error);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/reviews/:id/rerun',
    { onRequest: authenticate, bodyLimit: RERUN_BODY_LIMIT },
    async (request, reply) => {
      const body = parseActorBody(request.body, reply);
      if (body === undefined) return reply;
      try {
        const started = await control.rerun(request.params.id, body);
        // Who asked is in the new run's memo; the log keeps no names.
        request.log.info(
          { workflowId: started.workflowId, runId: started.runId, previous: started.previous },
          'review re-run started',
        );
        return { rerun: true, ...started };
      } catch (error) {
        return answerError(request, reply, error);
      }
    },
  );
}
