// Admin routes (/_sandbox): drive and inspect the sandbox from another process (the demo, a test,
// a person with curl). Never faulted, never recorded, no key.
import type { FastifyPluginAsync } from 'fastify';
import type {
  ChangeValidationRecord,
  LoggedEvent,
  SandboxPulseResults,
  SandboxTrigger,
} from '../documents';
import { type FaultRule, faultRuleSchema } from '../faults';
import { type IdParams, parseInput } from '../http';
import { type SandboxSeed, sandboxSeedSchema, startReleaseInputSchema } from '../seed';
import type { RecordedCall } from '../traffic';
import type { ReleasePipelineWaitingForReviewEvent } from '../webhook-sender';

/** The parts of the programmatic Sandbox the admin routes expose. */
export interface AdminHandle {
  calls: RecordedCall[];
  successfulWrites(): RecordedCall[];
  loggedEvents: LoggedEvent[];
  changeValidations: ChangeValidationRecord[];
  addFault(rule: FaultRule): FaultRule;
  clearFaults(): void;
  startRelease(input: unknown): SandboxTrigger;
  advanceTrigger(id: string): SandboxTrigger;
  reviewEvent(id: string): ReleasePipelineWaitingForReviewEvent;
  /** Sets what `GET /gates/{id}/rules/{ruleID}/pulse_results` serves. */
  setPulseResults(gateID: string, ruleID: string, results: unknown): SandboxPulseResults;
  reset(seed?: SandboxSeed): void;
}

export function adminRoutes(handle: AdminHandle): FastifyPluginAsync {
  return async (admin) => {
    admin.get('/calls', async () => handle.calls);
    admin.get('/writes', async () => handle.successfulWrites());
    admin.get('/events', async () => handle.loggedEvents);
    admin.get('/change_validations', async () => handle.changeValidations);
    admin.post('/faults', async (request, reply) => {
      const rule = parseInput(faultRuleSchema, request.body, 'INVALID_BODY');
      return reply.code(201).send(handle.addFault(rule));
    });
    admin.delete('/faults', async (_request, reply) => {
      handle.clearFaults();
      return reply.code(204).send();
    });
    admin.post('/releases', async (request, reply) => {
      const input = parseInput(startReleaseInputSchema, request.body, 'INVALID_BODY');
      return reply.code(201).send(handle.startRelease(input));
    });
    admin.post<IdParams>('/triggers/:id/advance', async (request) =>
      handle.advanceTrigger(request.params.id),
    );
    // The event Statsig would post for the phase that waits: for processes that drive the sandbox
    // over HTTP and must not guess the phase from currentPhaseID.
    admin.get<IdParams>('/triggers/:id/review-event', async (request) =>
      handle.reviewEvent(request.params.id),
    );
    // What the live phase "measured": the Pulse results a gate rule serves from now on.
    admin.put<{ Params: { id: string; ruleID: string } }>(
      '/gates/:id/rules/:ruleID/pulse_results',
      async (request) =>
        handle.setPulseResults(request.params.id, request.params.ruleID, request.body),
    );
    admin.post('/reset', async (request, reply) => {
      if (request.body === undefined) handle.reset();
      else {
        // Validated here for a 400; the store parses (and copies) the seed itself.
        parseInput(sandboxSeedSchema, request.body, 'INVALID_BODY');
        handle.reset(request.body as SandboxSeed);
      }
      return reply.code(204).send();
    });
  };
}
