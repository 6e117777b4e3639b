// The Statsig sandbox: a Fastify app serving the Console API and Events API endpoints rollout-gate
// uses, shaped as Statsig's spec shapes them, over an in-memory project, with fault injection, a
// record of every call, and admin routes (under /_sandbox) to drive it from tests, the demo or
// another process.
import Fastify, { type FastifyInstance } from 'fastify';
import type {
  ChangeValidationRecord,
  LoggedEvent,
  SandboxDynamicConfig,
  SandboxGate,
  SandboxPulseResults,
  SandboxTrigger,
} from './documents';
import type { RuleIdOnUpdate } from './entities';
import { FaultInjector, type FaultRule } from './faults';
import {
  ADMIN_PREFIX,
  CONSOLE_PREFIX,
  EVENTS_PREFIX,
  parseInput,
  type SandboxContext,
} from './http';
import type { PulseResultsInput } from './pulse';
import { adminRoutes } from './routes/admin';
import { consoleApi } from './routes/console';
import { eventsApi } from './routes/events';
import { notifySink, type ReceivedNotification } from './routes/notify';
import { type SandboxSeed, type StartReleaseInput, startReleaseInputSchema } from './seed';
import { SandboxStore } from './store';
import { installTraffic, type RecordedCall } from './traffic';
import type { PhaseReading } from './trigger-record';
import { type ReleasePipelineWaitingForReviewEvent, reviewEvent } from './webhook-sender';

export type * from './documents';
export type { RuleIdOnUpdate } from './entities';
export { SandboxError, type SandboxErrorCode } from './errors';
export type { CorruptMode, FaultRule } from './faults';
export { ADMIN_PREFIX, CONSOLE_PREFIX, EVENTS_PREFIX } from './http';
export type { PulseResultsInput } from './pulse';
export type { ReceivedNotification } from './routes/notify';
export type { ReleaseEntityChange, SandboxSeed, StartReleaseInput } from './seed';
export type { RecordedCall } from './traffic';
export type { PhaseReading } from './trigger-record';
export type { ReleasePipelineWaitingForReviewEvent } from './webhook-sender';

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
  /** Which phase a waiting trigger's currentPhaseID names; 'waiting-phase' by default. */
  currentPhaseReading?: PhaseReading;
  /** Whether a rule PATCH that changes passPercentage keeps the rule's id; 'stable' by default. */
  ruleIdOnUpdate?: RuleIdOnUpdate;
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
  loggedEvents: LoggedEvent[];
  /** Every change_validation answer received (POST and PATCH …/message), in order. */
  changeValidations: ChangeValidationRecord[];
  /** What reached the notification sink (/_sandbox/notify/slack and /webhook), in order. */
  notifications: ReceivedNotification[];
  getTrigger(id: string): SandboxTrigger | undefined;
  getGate(id: string): SandboxGate | undefined;
  getDynamicConfig(id: string): SandboxDynamicConfig | undefined;
  /** Simulates a person saving a change to an entity with a release pipeline; throws SandboxError. */
  startRelease(input: StartReleaseInput): SandboxTrigger;
  /** Simulates the running phase's time interval elapsing; throws SandboxError. */
  advanceTrigger(triggerID: string): SandboxTrigger;
  /** The phase waiting for review, whatever currentPhaseID says; null when none waits. */
  waitingPhase(triggerID: string): string | null;
  /** The ReleasePipelineWaitingForReview event Statsig would post now; throws unless a phase waits. */
  reviewEvent(triggerID: string): ReleasePipelineWaitingForReviewEvent;
  /**
   * What the live phase measured: the Pulse results `GET /gates/{id}/rules/{ruleID}/pulse_results`
   * serves from now on (`ds` defaults to today); throws SandboxError (unknown gate or rule, 400).
   */
  setPulseResults(gateID: string, ruleID: string, results: PulseResultsInput): SandboxPulseResults;
  /** Back to the given seed (or the one from the options); clears calls, events and faults. */
  reset(seed?: SandboxSeed): void;
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** Builds the sandbox without listening: `app.inject` it, or listen yourself (startSandbox does). */
export function buildSandbox(options: SandboxOptions): Sandbox {
  const now = options.now ?? Date.now;
  const store = new SandboxStore(
    now,
    options.currentPhaseReading ?? 'waiting-phase',
    options.ruleIdOnUpdate ?? 'stable',
  );
  store.load(options.seed ?? {});
  const faults = new FaultInjector(options.random ?? Math.random, now);
  const calls: RecordedCall[] = [];
  const notifications: ReceivedNotification[] = [];
  const context: SandboxContext = {
    store,
    now,
    consoleApiKey: options.consoleApiKey,
    ...(options.serverSecret === undefined ? {} : { serverSecret: options.serverSecret }),
    loggedEvents: [],
    changeValidations: [],
  };

  const successfulWrites = (): RecordedCall[] =>
    calls.filter(
      (call) =>
        WRITE_METHODS.has(call.method) &&
        call.path.startsWith(`${CONSOLE_PREFIX}/`) &&
        !call.faulted &&
        call.status >= 200 &&
        call.status < 300,
    );
  const startRelease = (input: unknown): SandboxTrigger =>
    store.triggers.start(parseInput(startReleaseInputSchema, input, 'INVALID_BODY'));
  const reset = (seed?: SandboxSeed): void => {
    store.load(seed ?? options.seed ?? {});
    calls.length = 0;
    context.loggedEvents.length = 0;
    context.changeValidations.length = 0;
    notifications.length = 0;
    faults.clear();
  };
  const handle = {
    calls,
    successfulWrites,
    loggedEvents: context.loggedEvents,
    changeValidations: context.changeValidations,
    notifications,
    addFault: (rule: FaultRule): FaultRule => faults.add(rule),
    clearFaults: () => faults.clear(),
    startRelease,
    advanceTrigger: (id: string) => store.triggers.advance(id),
    reviewEvent: (id: string) => reviewEvent(store.triggers.reviewTarget(id)),
    setPulseResults: (gateID: string, ruleID: string, results: unknown) =>
      store.setPulseResults(gateID, ruleID, results),
    reset,
  };

  // Closing drops every connection: a held answer (responseDelayMs) can leave a kept-alive socket
  // whose client gave up, and a graceful close would wait out the keep-alive timeout for it. No
  // HEAD twins of GET routes: the spec has none, and the served routes should be its operations.
  const app = Fastify({
    logger: options.logger ?? false,
    forceCloseConnections: true,
    exposeHeadRoutes: false,
  });
  installTraffic(app, faults, calls, now);
  app.register(consoleApi(context), { prefix: CONSOLE_PREFIX });
  app.register(eventsApi(context), { prefix: EVENTS_PREFIX });
  app.register(adminRoutes(handle), { prefix: ADMIN_PREFIX });
  app.register(notifySink(notifications, now), { prefix: `${ADMIN_PREFIX}/notify` });

  return {
    ...handle,
    app,
    getTrigger: (id) => store.triggers.find(id),
    getGate: (id) => store.entities.find('gate', id),
    getDynamicConfig: (id) => store.entities.find('dynamic_config', id),
    waitingPhase: (id) => store.triggers.waitingPhase(id),
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
