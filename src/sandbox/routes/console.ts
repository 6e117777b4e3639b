// The Console API (/console/v1): one API key for every route, then the routes by resource.
import type { FastifyPluginAsync } from 'fastify';
import { SandboxError } from '../errors';
import type { SandboxContext } from '../http';
import { changeValidationRoutes } from './change-validation';
import { dynamicConfigRoutes, gateRoutes } from './entities';
import { triggerRoutes } from './triggers';

export function consoleApi(context: SandboxContext): FastifyPluginAsync {
  return async (api) => {
    api.addHook('onRequest', async (request) => {
      const presented = request.headers['statsig-api-key'];
      if (presented !== context.consoleApiKey) {
        // Statsig's own answer (the spec's example) quotes the key it refused back to the caller.
        throw new SandboxError(
          'UNAUTHORIZED',
          401,
          `This endpoint only accepts an active CONSOLE key, but an invalid key was sent. Key: ${String(presented ?? '')}`,
        );
      }
    });
    await api.register(triggerRoutes(context));
    await api.register(gateRoutes(context));
    await api.register(dynamicConfigRoutes(context));
    await api.register(changeValidationRoutes(context));
  };
}
