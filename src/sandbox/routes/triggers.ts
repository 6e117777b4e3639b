// Console API: release pipeline triggers (list, read and the six controls) and release pipelines.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { TRIGGER_STATUSES } from '../documents';
import { type IdParams, isoDay, ok, paged, parseInput, pathOf, type SandboxContext } from '../http';

/** ReleasePipelineTriggerActionBodyDto. */
const phaseBodySchema = z.object({ phaseID: z.string().min(1) });

const triggerListQuerySchema = z.object({
  releasePipelineID: z.string().min(1).optional(),
  gateID: z.string().min(1).optional(),
  dynamicConfigID: z.string().min(1).optional(),
  status: z.enum(TRIGGER_STATUSES).optional(),
  startDate: isoDay.optional(),
  endDate: isoDay.optional(),
  // The spec bounds this one list's limit to 1..100.
  limit: z.coerce.number().int().min(1).max(100).default(10),
  page: z.coerce.number().int().positive().default(1),
});

type PhaseControl = 'approve' | 'pause' | 'unpause' | 'skip';

const PHASE_CONTROLS: Array<[PhaseControl, string]> = [
  ['approve', 'Phase approved successfully'],
  ['pause', 'Release pipeline trigger paused successfully'],
  ['unpause', 'Release pipeline trigger unpaused successfully'],
  ['skip', 'Phase skipped successfully'],
];

export function triggerRoutes(context: SandboxContext): FastifyPluginAsync {
  const triggers = () => context.store.triggers;
  return async (api) => {
    api.get('/release_pipeline_triggers', async (request) => {
      const { limit, page, ...filter } = parseInput(
        triggerListQuerySchema,
        request.query,
        'INVALID_QUERY',
      );
      return paged('Pipeline triggers listed correctly.', triggers().list(filter), {
        path: pathOf(request.url),
        limit,
        page,
        filters: filter,
      });
    });

    api.get<IdParams>('/release_pipeline_triggers/:id', async (request) =>
      ok('Pipeline trigger retrieved successfully.', triggers().get(request.params.id)),
    );

    for (const [control, message] of PHASE_CONTROLS) {
      api.put<IdParams>(`/release_pipeline_triggers/:id/${control}`, async (request) => {
        const { phaseID } = parseInput(phaseBodySchema, request.body, 'INVALID_BODY');
        return ok(message, triggers()[control](request.params.id, phaseID));
      });
    }

    api.put<IdParams>('/release_pipeline_triggers/:id/abort', async (request) =>
      ok('Release pipeline trigger aborted successfully', triggers().abort(request.params.id)),
    );

    api.put<IdParams>('/release_pipeline_triggers/:id/rollout', async (request) =>
      ok('Fully rolled out pipeline trigger successfully', triggers().rollout(request.params.id)),
    );

    api.get<IdParams>('/release_pipelines/:id', async (request) =>
      ok('Get pipeline success', context.store.entities.getPipeline(request.params.id)),
    );
  };
}
