// The Statsig sandbox: a Fastify app serving the Console API and Events API endpoints rollout-gate
// uses, over an in-memory project, with fault injection, a record of every call, and admin routes
// (under /_sandbox) to drive it from tests, the demo or another process.
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type DynamicConfig,
  type Gate,
  type LogEventBody,
  logEventBodySchema,
  type ReleasePipelineTrigger,
  TRIGGER_STATUSES,
} from '../statsig/schemas';
import { SandboxError } from './errors';
import { FaultInjector, type FaultRule, faultRuleSchema } from './faults';
import {
  type SandboxSeed,
  SandboxStore,
  type StartReleaseInput,
  sandboxSeedSchema,
  startReleaseInputSchema,
  type VersionFilter,
} from './store';

export { SandboxError, type SandboxErrorCode } from './errors';
export type { FaultRule } from './faults';
export type {
  ReleaseEntityChange,
  SandboxSeed,
  StartReleaseInput,
} from './store';

export const CONSOLE_PREFIX = '/console/v1';
export const EVENTS_PREFIX = '/v1';
export const ADMIN_PREFIX = '/_sandbox';

export interface SandboxOptions {
  consoleApiKey: string;
  /** Server secret the Events API accepts; without one, log_event answers 401 to every request. */
  serverSecret?: string;
  seed?: SandboxSeed;
  logger?: boolean;
  /** Source of the fault probability rolls; Math.random by default. */
  random?: () => number;
  /** Clock for every timestamp the sandbox writes; Date.now by default. */
  now?: () => number;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** The parsed body; null when there was none or a fault answered before it was read. */
  requestBody: unknown;
  /** When the request arrived. */
  timeMs: number;
  /** True when a fault rule answered instead of the API (the state was not touched). */
  faulted: boolean;
}

export interface Sandbox {
  app: FastifyInstance;
  /** Every Console and Events API request, in the order they were answered; admin ones excluded. */
  calls: RecordedCall[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Console API mutations (PUT/POST/PATCH/DELETE) that were handled and answered 2xx. */
  successfulWrites(): RecordedCall[];
  /** Every event log_event accepted, flattened, in order. */
  loggedEvents: LogEventBody['events'];
  getTrigger(id: string): ReleasePipelineTrigger | undefined;
  getGate(id: string): Gate | undefined;
  getDynamicConfig(id: string): DynamicConfig | undefined;
  /** Simulates a person saving a change to an entity with a release pipeline; throws SandboxError. */
  startRelease(input: StartReleaseInput): ReleasePipelineTrigger;
  /** Simulates the current phase's time interval elapsing; throws SandboxError. */
  advanceTrigger(triggerID: string): ReleasePipelineTrigger;
  /** Back to the given seed (or the one from the options); clears calls, events and faults. */
  reset(seed?: SandboxSeed): void;
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);
const DEFAULT_PAGE_SIZE = 100; // Statsig's documented default for list endpoints.

const phaseBodySchema = z.object({ phaseID: z.string().min(1) });
const triggerListQuerySchema = z.object({
  releasePipelineID: z.string().min(1).optional(),
  gateID: z.string().min(1).optional(),
  dynamicConfigID: z.string().min(1).optional(),
  status: z.enum(TRIGGER_STATUSES).optional(),
  limit: z.coerce.number().int().positive().default(DEFAULT_PAGE_SIZE),
  page: z.coerce.number().int().positive().default(1),
});
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date in the form YYYY-MM-DD')
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'not a valid date');
// GET /gates|dynamic_configs/{id}/versions: documented default page size 10.
const versionListQuerySchema = z.object({
  limit: z.coerce.number().int().positive().default(10),
  page: z.coerce.number().int().positive().default(1),
  startDate: isoDay.optional(),
  endDate: isoDay.optional(),
});

type IdParams = { Params: { id: string } };

/** GET …/{id}/versions for either entity: the documented query, then one page of versions. */
function listVersions<T>(
  request: FastifyRequest<IdParams>,
  message: string,
  versions: (id: string, filter: VersionFilter) => T[],
) {
  const { limit, page, ...filter } = parseInput(
    versionListQuerySchema,
    request.query,
    'INVALID_QUERY',
  );
  return paged(message, versions(request.params.id, filter), limit, page);
}

/** One page of a list answer, with Statsig's pagination object. */
function paged<T>(message: string, items: T[], limit: number, page: number) {
  const start = (page - 1) * limit;
  return {
    message,
    data: items.slice(start, start + limit),
    pagination: {
      itemsPerPage: limit,
      pageNumber: page,
      nextPage: start + limit < items.length ? page + 1 : null,
      previousPage: page > 1 ? page - 1 : null,
      totalItems: items.length,
    },
  };
}

function pathOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

function queryOf(url: string): Record<string, string> {
  const index = url.indexOf('?');
  return index === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(index + 1)));
}

function isAdmin(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  code: 'INVALID_BODY' | 'INVALID_QUERY',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  const where = code === 'INVALID_BODY' ? 'request body' : 'query string';
  throw new SandboxError(code, 400, `Invalid ${where}: ${problems}`);
}

function ok<T>(message: string, data: T): { message: string; data: T } {
  return { message, data };
}

function buildSandbox(options: SandboxOptions): Sandbox {
  const now = options.now ?? Date.now;
  const store = new SandboxStore(now);
  const faults = new FaultInjector(options.random ?? Math.random, now);
  const calls: RecordedCall[] = [];
  const loggedEvents: LogEventBody['events'] = [];
  const arrivals = new WeakMap<FastifyRequest, { timeMs: number; faulted: boolean }>();
  const heldAnswers = new WeakMap<FastifyRequest, number>();
  store.load(options.seed ?? {});

  // Closing drops every connection: a held answer (responseDelayMs) can leave a kept-alive socket
  // whose client gave up, and a graceful close would wait out the keep-alive timeout for it.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  // Clients may send `content-type: application/json` with no body on /abort or /rollout; Statsig
  // accepts that, while Fastify's default parser would answer 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    async (_request: FastifyRequest, body: string | Buffer) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return undefined;
      try {
        // Dropping __proto__ keys keeps a crafted body from reaching an object's prototype.
        return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
      } catch {
        throw new SandboxError('INVALID_BODY', 400, 'Request body is not valid JSON');
      }
    },
  );

  // Faults come first, before authentication and handlers, so a faulted request never changes state.
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (isAdmin(path)) return;
    const arrival = { timeMs: now(), faulted: false };
    arrivals.set(request, arrival);
    const rule = faults.take(request.method, path);
    if (!rule) return;
    if (rule.delayMs) await sleep(rule.delayMs);
    if (rule.status === undefined) {
      if (rule.responseDelayMs) heldAnswers.set(request, rule.responseDelayMs);
      return;
    }
    arrival.faulted = true;
    reply.code(rule.status);
    if (rule.headers) reply.headers(rule.headers);
    return reply.send(
      rule.body === undefined
        ? { status: rule.status, message: `Injected fault: HTTP ${rule.status}` }
        : rule.body,
    );
  });

  // Recorded at onSend, not onResponse: a client that gives up on a held answer closes the socket,
  // and onResponse never runs for it, yet the call did reach "Statsig" and changed its state.
  app.addHook('onSend', async (request, reply) => {
    const arrival = arrivals.get(request);
    if (arrival) {
      calls.push({
        method: request.method,
        path: pathOf(request.url),
        query: queryOf(request.url),
        status: reply.statusCode,
        requestBody: request.body ?? null,
        timeMs: arrival.timeMs,
        faulted: arrival.faulted,
      });
    }
    // The handler has already changed state by now; only the answer is late.
    const holdMs = heldAnswers.get(request);
    if (holdMs) await sleep(holdMs);
  });

  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error instanceof SandboxError) {
      return reply.code(error.status).send({ status: error.status, message: error.message });
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 400 && statusCode < 500) {
      return reply.code(statusCode).send({ status: statusCode, message: error.message });
    }
    // 5xx detail stays in the log; the client sees the same generic shape Statsig would send.
    request.log.error({ err: error }, 'sandbox handler failed');
    return reply.code(500).send({ status: 500, message: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    return reply
      .code(404)
      .send({ status: 404, message: `Route ${request.method} ${path} not found` });
  });

  app.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        if (request.headers['statsig-api-key'] !== options.consoleApiKey) {
          throw new SandboxError(
            'UNAUTHORIZED',
            401,
            'Invalid or missing STATSIG-API-KEY header: a Console API key is required',
          );
        }
      });

      api.get('/release_pipeline_triggers', async (request) => {
        const query = parseInput(triggerListQuerySchema, request.query, 'INVALID_QUERY');
        const { limit, page, ...filter } = query;
        return paged(
          'Release pipeline triggers listed successfully',
          store.listTriggers(filter),
          limit,
          page,
        );
      });

      api.get<IdParams>('/release_pipeline_triggers/:id', async (request) =>
        ok('Release pipeline trigger read successfully', store.getTrigger(request.params.id)),
      );

      api.put<IdParams>('/release_pipeline_triggers/:id/approve', async (request) => {
        const { phaseID } = parseInput(phaseBodySchema, request.body, 'INVALID_BODY');
        return ok('Phase approved successfully', store.approve(request.params.id, phaseID));
      });

      api.put<IdParams>('/release_pipeline_triggers/:id/abort', async (request) =>
        ok('Release pipeline trigger aborted successfully', store.abort(request.params.id)),
      );

      api.put<IdParams>('/release_pipeline_triggers/:id/pause', async (request) => {
        const { phaseID } = parseInput(phaseBodySchema, request.body, 'INVALID_BODY');
        return ok(
          'Release pipeline trigger paused successfully',
          store.pause(request.params.id, phaseID),
        );
      });

      api.put<IdParams>('/release_pipeline_triggers/:id/unpause', async (request) => {
        const { phaseID } = parseInput(phaseBodySchema, request.body, 'INVALID_BODY');
        return ok(
          'Release pipeline trigger unpaused successfully',
          store.unpause(request.params.id, phaseID),
        );
      });

      api.put<IdParams>('/release_pipeline_triggers/:id/skip', async (request) => {
        const { phaseID } = parseInput(phaseBodySchema, request.body, 'INVALID_BODY');
        return ok('Phase skipped successfully', store.skip(request.params.id, phaseID));
      });

      api.put<IdParams>('/release_pipeline_triggers/:id/rollout', async (request) =>
        ok('Fully rolled out pipeline trigger successfully', store.rollout(request.params.id)),
      );

      api.get<IdParams>('/release_pipelines/:id', async (request) =>
        ok('Release pipeline read successfully', store.getPipeline(request.params.id)),
      );

      api.get<IdParams>('/gates/:id', async (request) =>
        ok('Gate read successfully', store.getGate(request.params.id)),
      );
      api.get<IdParams>('/gates/:id/versions', async (request) =>
        listVersions(request, 'Gate versions listed successfully', (id, filter) =>
          store.getGateVersions(id, filter),
        ),
      );
      api.put<IdParams>('/gates/:id/disable', async (request) =>
        ok('Gate disabled successfully', store.setGateEnabled(request.params.id, false)),
      );
      api.put<IdParams>('/gates/:id/enable', async (request) =>
        ok('Gate enabled successfully', store.setGateEnabled(request.params.id, true)),
      );

      api.get<IdParams>('/dynamic_configs/:id', async (request) =>
        ok('Dynamic config read successfully', store.getDynamicConfig(request.params.id)),
      );
      api.get<IdParams>('/dynamic_configs/:id/versions', async (request) =>
        listVersions(request, 'Dynamic config versions listed successfully', (id, filter) =>
          store.getDynamicConfigVersions(id, filter),
        ),
      );
      api.put<IdParams>('/dynamic_configs/:id/disable', async (request) =>
        ok(
          'Dynamic config disabled successfully',
          store.setDynamicConfigEnabled(request.params.id, false),
        ),
      );
      api.put<IdParams>('/dynamic_configs/:id/enable', async (request) =>
        ok(
          'Dynamic config enabled successfully',
          store.setDynamicConfigEnabled(request.params.id, true),
        ),
      );
    },
    { prefix: CONSOLE_PREFIX },
  );

  app.register(
    async (events) => {
      events.addHook('onRequest', async (request) => {
        const key = request.headers['statsig-api-key'];
        if (options.serverSecret === undefined || key !== options.serverSecret) {
          throw new SandboxError(
            'UNAUTHORIZED',
            401,
            'Invalid or missing statsig-api-key header: a server secret is required',
          );
        }
      });

      events.post('/log_event', async (request, reply) => {
        const body = parseInput(logEventBodySchema, request.body, 'INVALID_BODY');
        loggedEvents.push(...body.events);
        return reply.code(202).send({ success: true });
      });
    },
    { prefix: EVENTS_PREFIX },
  );

  const successfulWrites = (): RecordedCall[] =>
    calls.filter(
      (call) =>
        WRITE_METHODS.has(call.method) &&
        call.path.startsWith(`${CONSOLE_PREFIX}/`) &&
        !call.faulted &&
        call.status >= 200 &&
        call.status < 300,
    );

  const addFault = (rule: FaultRule): FaultRule => faults.add(rule);

  const reset = (seed?: SandboxSeed): void => {
    store.load(seed ?? options.seed ?? {});
    calls.length = 0;
    loggedEvents.length = 0;
    faults.clear();
  };

  app.register(
    async (admin) => {
      admin.get('/calls', async () => calls);
      admin.get('/writes', async () => successfulWrites());
      admin.get('/events', async () => loggedEvents);
      admin.post('/faults', async (request, reply) => {
        const rule = parseInput(faultRuleSchema, request.body, 'INVALID_BODY');
        return reply.code(201).send(addFault(rule));
      });
      admin.delete('/faults', async (_request, reply) => {
        faults.clear();
        return reply.code(204).send();
      });
      admin.post('/releases', async (request, reply) => {
        const input = parseInput(startReleaseInputSchema, request.body, 'INVALID_BODY');
        return reply.code(201).send(store.startRelease(input));
      });
      admin.post<IdParams>('/triggers/:id/advance', async (request) =>
        store.advanceTrigger(request.params.id),
      );
      admin.post('/reset', async (request, reply) => {
        const seed =
          request.body === undefined
            ? undefined
            : parseInput(sandboxSeedSchema, request.body, 'INVALID_BODY');
        reset(seed);
        return reply.code(204).send();
      });
    },
    { prefix: ADMIN_PREFIX },
  );

  return {
    app,
    calls,
    addFault,
    clearFaults: () => faults.clear(),
    successfulWrites,
    loggedEvents,
    getTrigger: (id) => store.findTrigger(id),
    getGate: (id) => store.findGate(id),
    getDynamicConfig: (id) => store.findDynamicConfig(id),
    startRelease: (input) =>
      store.startRelease(parseInput(startReleaseInputSchema, input, 'INVALID_BODY')),
    advanceTrigger: (id) => store.advanceTrigger(id),
    reset,
  };
}

export interface StartedSandbox {
  sandbox: Sandbox;
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** url + /console/v1 */
  consoleApiUrl: string;
  /** url + /v1 */
  eventsApiUrl: string;
  close(): Promise<void>;
}

/** Builds the sandbox and listens (port 0, the default, picks a free port). */
export async function startSandbox(
  options: SandboxOptions & { host?: string; port?: number },
): Promise<StartedSandbox> {
  const { host = '127.0.0.1', port = 0, ...sandboxOptions } = options;
  const sandbox = buildSandbox(sandboxOptions);
  await sandbox.app.listen({ host, port });
  const address = sandbox.app.server.address();
  if (address === null || typeof address === 'string') {
    await sandbox.app.close();
    throw new Error(`Sandbox is not listening on a TCP port (address: ${String(address)})`);
  }
  // A wildcard bind is reachable on loopback; that is the address clients on this machine use.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${address.port}`;
  return {
    sandbox,
    url,
    consoleApiUrl: `${url}${CONSOLE_PREFIX}`,
    eventsApiUrl: `${url}${EVENTS_PREFIX}`,
    close: async () => {
      await sandbox.app.close();
    },
  };
}
