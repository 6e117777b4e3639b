// Console API: gates and dynamic configs (read, versions, rules, a rule's partial update and the
// enable/disable kill switches), and a gate rule's Pulse results. The two differ only in paths and messages, listed per kind below.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { EntityKind } from '../documents';
import { CONSOLE_ACTOR, dynamicConfigRulePatchSchema, gateRulePatchSchema } from '../entities';
import {
  type IdParams,
  ok,
  paged,
  pageQuery,
  parseInput,
  pathOf,
  type SandboxContext,
} from '../http';

interface KindRoutes {
  kind: EntityKind;
  /** Path segment of the collection. */
  collection: string;
  /** The rule PATCH path, spelled as the spec spells it for this kind. */
  rulePath: string;
  ruleParam: string;
  patchSchema: z.ZodType<z.infer<typeof dynamicConfigRulePatchSchema>>;
  messages: {
    read: string;
    versions: string;
    rules: string;
    updated: string;
    disabled: string;
    enabled: string;
  };
}

const KINDS: Record<EntityKind, KindRoutes> = {
  gate: {
    kind: 'gate',
    collection: 'gates',
    rulePath: '/gates/:id/rules/:ruleID',
    ruleParam: 'ruleID',
    patchSchema: gateRulePatchSchema,
    messages: {
      read: 'Gate read successfully.',
      versions: 'Gate versions listed successfully.',
      rules: 'Gate rules read successfully.',
      updated: 'Gate updated successfully.',
      disabled: 'Gate disabled successfully.',
      enabled: 'Gate enabled successfully.',
    },
  },
  dynamic_config: {
    kind: 'dynamic_config',
    collection: 'dynamic_configs',
    rulePath: '/dynamic_configs/:id/rule/:ruleId',
    ruleParam: 'ruleId',
    patchSchema: dynamicConfigRulePatchSchema,
    messages: {
      read: 'Dynamic config read successfully.',
      versions: 'Dynamic config versions listed successfully.',
      rules: 'Dynamic Config rules read successfully.',
      updated: 'Dynamic config updated successfully.',
      disabled: 'Dynamic config disabled successfully.',
      enabled: 'Dynamic config enabled successfully.',
    },
  },
};

// `/versions` takes only limit and page in the spec (no date filters, no maximum).
const versionsQuerySchema = z.object(pageQuery);

// The spec's rules list is paginated yet holds one `{ rules }` element; its example reports
// itemsPerPage 20000, which reads like the server's page size, so the sandbox says the same.
const RULES_PAGE = { itemsPerPage: 20000, pageNumber: 1, nextPage: null, previousPage: null };

function entityRoutes(context: SandboxContext, routes: KindRoutes): FastifyPluginAsync {
  const { kind, collection, messages } = routes;
  const entities = () => context.store.entities;
  return async (api) => {
    api.get<IdParams>(`/${collection}/:id`, async (request) =>
      ok(messages.read, entities().get(kind, request.params.id)),
    );

    api.get<IdParams>(`/${collection}/:id/versions`, async (request) => {
      const { limit, page } = parseInput(versionsQuerySchema, request.query, 'INVALID_QUERY');
      return paged(messages.versions, entities().versions(kind, request.params.id), {
        path: pathOf(request.url),
        limit,
        page,
      });
    });

    api.get<IdParams>(`/${collection}/:id/rules`, async (request) => ({
      message: messages.rules,
      data: [{ rules: entities().rules(kind, request.params.id) }],
      pagination: { ...RULES_PAGE, totalItems: 1 },
    }));

    if (kind === 'gate') {
      // Pulse results exist for gate rules only (the spec has no dynamic-config twin). The spec's
      // `cuped` and `confidence` queries are accepted; the results are served as they were set.
      api.get<{ Params: { id: string; ruleID: string } }>(
        '/gates/:id/rules/:ruleID/pulse_results',
        async (request) =>
          ok(
            'Successfully loaded Pulse Results',
            context.store.pulseResults(request.params.id, request.params.ruleID),
          ),
      );
    }

    api.patch<{ Params: Record<string, string> }>(routes.rulePath, async (request) => {
      const patch = parseInput(routes.patchSchema, request.body, 'INVALID_BODY');
      const id = request.params.id ?? '';
      const ruleID = request.params[routes.ruleParam] ?? '';
      return ok(messages.updated, entities().patchRule(kind, id, ruleID, patch, CONSOLE_ACTOR));
    });

    for (const enabled of [false, true]) {
      const action = enabled ? 'enable' : 'disable';
      api.put<IdParams>(`/${collection}/:id/${action}`, async (request) =>
        ok(
          enabled ? messages.enabled : messages.disabled,
          entities().setEnabled(kind, request.params.id, enabled, CONSOLE_ACTOR),
        ),
      );
    }
  };
}

export const gateRoutes = (context: SandboxContext) => entityRoutes(context, KINDS.gate);
export const dynamicConfigRoutes = (context: SandboxContext) =>
  entityRoutes(context, KINDS.dynamic_config);
