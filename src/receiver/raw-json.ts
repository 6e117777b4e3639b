// The webhook routes' own JSON handling: the body arrives as the exact bytes Statsig sent (a
// signature covers them; a key is checked before anything is parsed), and an oversized body or a
// non-JSON content type is answered with the route's own error code. Scoped to the plugin that
// calls it, so the other routes keep Fastify's JSON parser.
import type { FastifyError, FastifyInstance } from 'fastify';
import type { ReceiverErrorCode, Replies } from './errors';

export function rawJsonBodies(
  app: FastifyInstance,
  options: {
    fail: Replies['fail'];
    bodyLimitBytes: number;
    codes: { tooLarge: ReceiverErrorCode; notJson: ReceiverErrorCode };
  },
): void {
  const { fail, bodyLimitBytes, codes } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    // Fastify matches against the whole header with its parameters (`; charset=utf-8`).
    /^application\/(?:[\w.+-]+\+)?json(?:;|$)/,
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      request.log.warn({ code: codes.tooLarge }, 'body over the limit');
      return fail(reply, codes.tooLarge, `body over ${bodyLimitBytes} bytes`);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      request.log.warn({ code: codes.notJson }, 'content type is not JSON');
      return fail(reply, codes.notJson, 'content type must be JSON');
    }
    throw error;
  });
}
