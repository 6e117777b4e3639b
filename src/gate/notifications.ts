// The gate config's notification routes: their shape (validated with the rest of the config at
// load) and the one rule between fields the shape cannot hold, that a route names existing suites.
import { z } from 'zod';
import { type GateDefinition, NOTIFICATION_EVENTS, type NotificationEvent } from './types';

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

export const notificationsSchema = z.strictObject({
  routes: z
    .array(
      z.strictObject({
        pipelines: z.array(z.string().min(1)).min(1).optional(),
        suites: z.array(z.string().min(1)).min(1).optional(),
        events: z
          .array(
            z.enum(NOTIFICATION_EVENTS as [NotificationEvent, ...NotificationEvent[]], {
              message: `must be one of ${NOTIFICATION_EVENTS.join(', ')}`,
            }),
          )
          .min(1)
          .optional(),
        slack: httpUrl.optional(),
        webhook: z
          .strictObject({
            url: httpUrl,
            secret: z.string().min(16, 'must be at least 16 characters').optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});

/** Routes naming a suite the gate does not declare would never match: a typo, caught at load. */
export function checkNotificationRoutes(gate: GateDefinition, problems: string[]): void {
  const suites = new Set(gate.suites.map((suite) => suite.name));
  gate.notifications?.routes?.forEach((route, index) => {
    for (const suite of route.suites ?? []) {
      if (!suites.has(suite)) {
        problems.push(
          `notifications.routes[${index}].suites: no suite '${suite}' (${[...suites].join(', ')})`,
        );
      }
    }
  });
}
