// The Events API (/v1/log_event): accepts every body Statsig's HTTP spec accepts (LogEventRequest)
// and keeps the events, each attributed to its own user or else the request's.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { LoggedEvent } from '../documents';
import { SandboxError } from '../errors';
import { parseInput, type SandboxContext } from '../http';

const statsigUserSchema = z.looseObject({
  userID: z.string().optional(),
  email: z.string().optional(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  country: z.string().optional(),
  locale: z.string().optional(),
  appVersion: z.string().optional(),
  custom: z.record(z.string(), z.unknown()).optional(),
  privateAttributes: z.record(z.string(), z.unknown()).optional(),
  customIDs: z.record(z.string(), z.string()).optional(),
  statsigEnvironment: z
    .looseObject({ tier: z.enum(['production', 'staging', 'development']).optional() })
    .optional(),
});

const statsigMetadataSchema = z.looseObject({
  sdkType: z.string().optional(),
  sdkVersion: z.string().optional(),
  exposureLoggingDisabled: z.boolean().optional(),
});

/** StatsigEvent: only eventName is required; time is int64 ms or an ISO date-time. */
const statsigEventSchema = z.looseObject({
  eventName: z.string().min(1),
  value: z.union([z.string(), z.number()]).optional(),
  time: z.union([z.number().int(), z.iso.datetime({ offset: true })]).optional(),
  user: statsigUserSchema.optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  secondaryExposures: z
    .array(z.object({ gate: z.string(), gateValue: z.string(), ruleID: z.string() }))
    .optional(),
  statsigMetadata: statsigMetadataSchema.optional(),
});

const logEventRequestSchema = z.looseObject({
  events: z.array(statsigEventSchema).min(1),
  user: statsigUserSchema.optional(),
  statsigMetadata: statsigMetadataSchema.optional(),
});

export function eventsApi(context: SandboxContext): FastifyPluginAsync {
  return async (events) => {
    events.addHook('onRequest', async (request) => {
      const key = request.headers['statsig-api-key'];
      if (context.serverSecret === undefined || key !== context.serverSecret) {
        throw new SandboxError(
          'UNAUTHORIZED',
          401,
          'Invalid or missing statsig-api-key header: a server secret is required',
        );
      }
    });

    events.post('/log_event', async (request, reply) => {
      const body = parseInput(logEventRequestSchema, request.body, 'INVALID_BODY');
      for (const event of body.events) {
        const user = event.user ?? body.user;
        context.loggedEvents.push((user ? { ...event, user } : event) as LoggedEvent);
      }
      return reply.code(202).send({ success: true });
    });
  };
}
