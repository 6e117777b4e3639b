// POST /webhooks/statsig/pre-commit as a Fastify plugin: Statsig's pre-commit webhook for a config
// review. The static key in x-statsig-webhook-key is checked before the body is read; the body is
// parsed here (this plugin's own parser); the answer comes once Temporal has durably started the
// validation, which answers Statsig through change_validation. Off (404) without a key configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Replies } from './errors';
import { PreCommitBodyError, readPreCommitBody } from './pre-commit-body';
import type { PreCommitStarter } from './pre-commit-starter';
import { rawJsonBodies } from './raw-json';
import { TemporalUnavailableError } from './review-starter';

export const PRE_COMMIT_PATH = '/webhooks/statsig/pre-commit';
export const PRE_COMMIT_KEY_HEADER = 'x-statsig-webhook-key';

export interface PreCommitOptions {
  /** Accepted keys (several while one is rotated); undefined turns the route off. */
  keys?: readonly string[] | undefined;
  starter?: PreCommitStarter | undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares the presented key with every configured one: both sides hashed, so each comparison is
 * constant-time over equal lengths, and every key is compared, matched or not.
 */
function keyMatches(header: string | string[] | undefined, keys: readonly Buffer[]): boolean {
  if (typeof header !== 'string' || header === '') return false;
  const presented = digest(header);
  let matched = false;
  for (const key of keys) {
    if (timingSafeEqual(presented, key)) matched = true;
  }
  return matched;
}

function tryParse(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** The route answers 404 before any body is read: the handler is never reached. */
function registerDisabled(app: FastifyInstance, { fail }: Replies): void {
  const disabled = (request: FastifyRequest, reply: FastifyReply) => {
    request.log.info({ code: 'PRECOMMIT_DISABLED' }, 'pre-commit webhook while disabled');
    fail(
      reply,
      'PRECOMMIT_DISABLED',
      'pre-commit validation is off: set STATSIG_PRECOMMIT_WEBHOOK_KEY on the receiver',
    );
  };
  app.post(PRE_COMMIT_PATH, { onRequest: disabled }, async () => undefined);
}

export async function preCommitRoutes(
  app: FastifyInstance,
  options: PreCommitOptions & { replies: Replies; bodyLimitBytes: number; now: () => number },
): Promise<void> {
  const { replies, starter, now } = options;
  const { answer, fail } = replies;
  if (options.keys === undefined || starter === undefined) {
    registerDisabled(app, replies);
    return;
  }
  const keys = options.keys.map(digest);

  // The body is parsed here, after the key check, and not by Fastify's shared JSON parser.
  rawJsonBodies(app, {
    fail,
    bodyLimitBytes: options.bodyLimitBytes,
    codes: { tooLarge: 'PRECOMMIT_BODY_TOO_LARGE', notJson: 'PRECOMMIT_UNSUPPORTED_MEDIA_TYPE' },
  });

  // onRequest: the key is checked before a body is read or parsed.
  const authenticate = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (keyMatches(request.headers[PRE_COMMIT_KEY_HEADER], keys)) return done();
    request.log.warn({ code: 'PRECOMMIT_UNAUTHORIZED' }, 'pre-commit webhook without a valid key');
    fail(reply, 'PRECOMMIT_UNAUTHORIZED', `a valid ${PRE_COMMIT_KEY_HEADER} header is required`);
  };

  app.post(
    PRE_COMMIT_PATH,
    { onRequest: authenticate, bodyLimit: options.bodyLimitBytes },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const json = tryParse(raw);
      if (!json.ok) {
        request.log.warn({ code: 'PRECOMMIT_BODY_MALFORMED' }, 'pre-commit body is not JSON');
        return fail(reply, 'PRECOMMIT_BODY_MALFORMED', 'body is not valid JSON');
      }
      let validation: ReturnType<typeof readPreCommitBody>;
      try {
        validation = readPreCommitBody(json.value, now());
      } catch (error) {
        if (!(error instanceof PreCommitBodyError)) throw error;
        const path = error.path || '(body)';
        request.log.warn({ code: error.code, path }, 'pre-commit body failed validation');
        return fail(reply, 'PRECOMMIT_SCHEMA_INVALID', error.message, { path });
      }
      try {
        const started = await starter.start(validation);
        request.log.info(
          {
            workflowId: started.workflowId,
            status: started.status,
            change: validation.change.kind,
          },
          'pre-commit validation started',
        );
        return answer(reply, 200, { reviewID: validation.reviewID, ...started });
      } catch (error) {
        if (!(error instanceof TemporalUnavailableError)) throw error;
        request.log.error({ code: error.code, err: error.message }, 'could not start validation');
        // Nothing is acknowledged without a durable start; Statsig may deliver again.
        reply.header('retry-after', '5');
        return fail(reply, 'TEMPORAL_UNAVAILABLE', 'validation could not be started; retry later');
      }
    },
  );
}
