// Console API: the answers to a config review's pre-commit webhook (POST /change_validation and
// PATCH /change_validation/message), recorded in order. Statsig answers them without an envelope.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseInput, type SandboxContext } from '../http';

/** ChangeValidationDto. */
const validationBodySchema = z.object({
  reviewID: z.string(),
  validated: z.boolean(),
  message: z.string().optional(),
  debugLinks: z.array(z.object({ title: z.string(), url: z.string() })).optional(),
});

/** ChangeValidationUpdateMessageDto: even the message is optional. */
const messageBodySchema = z.object({
  reviewID: z.string(),
  message: z.string().optional(),
});

export function changeValidationRoutes(context: SandboxContext): FastifyPluginAsync {
  return async (api) => {
    api.post('/change_validation', async (request) => {
      const body = parseInput(validationBodySchema, request.body, 'INVALID_BODY');
      context.changeValidations.push({ kind: 'validation', ...body, timeMs: context.now() });
      return { message: 'Validation status updated successfully' };
    });

    api.patch('/change_validation/message', async (request) => {
      const body = parseInput(messageBodySchema, request.body, 'INVALID_BODY');
      context.changeValidations.push({ kind: 'message', ...body, timeMs: context.now() });
      return { message: 'Validation message updated successfully' };
    });
  };
}
