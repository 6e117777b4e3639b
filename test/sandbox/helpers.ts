// Shared fixtures for the sandbox tests: a small Statsig project, a controllable clock, a thin
// fetch wrapper (real HTTP on loopback, nothing mocked), and checks of every answer against
// Statsig's spec (test/contract/spec.ts), never against our client's schemas.
import {
  type SandboxOptions,
  type SandboxSeed,
  type SandboxTrigger,
  type StartedSandbox,
  startSandbox,
} from '../../src/sandbox/app';
import { matchOperation, validateConsoleError, validateResponse } from '../contract/spec';

export const CONSOLE_API_KEY = 'console-key-for-sandbox-tests';
export const SERVER_SECRET = 'server-secret-for-sandbox-tests';
export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

export const PROMPT_CONFIG_V1 = { model: 'model-a', temperature: 0.2, prompt: 'Be brief.' };

/**
 * Two pipelines: `rp_prompt` (dev, staging both reviewed; prod on a timer) for the prompt config,
 * and `rp_checkout` (one reviewed phase) for the checkout gate. No triggers: tests start releases.
 */
export function testSeed(): SandboxSeed {
  return {
    gates: [
      {
        id: 'new_checkout',
        name: 'new_checkout',
        isEnabled: true,
        version: 3,
        releasePipelineID: 'rp_checkout',
        rules: [
          {
            id: 'rule_staff',
            name: 'Staff',
            passPercentage: 100,
            conditions: [],
            environments: ['production'],
          },
        ],
      },
      { id: 'kill_me', name: 'kill_me', isEnabled: true, version: 1, rules: [] },
    ],
    dynamicConfigs: [
      {
        id: 'support_prompt',
        name: 'support_prompt',
        isEnabled: true,
        version: 7,
        defaultValue: PROMPT_CONFIG_V1,
        releasePipelineID: 'rp_prompt',
        rules: [],
      },
    ],
    pipelines: [
      {
        id: 'rp_prompt',
        name: 'Prompt rollout',
        phases: [
          {
            id: 'phase_dev',
            name: 'Dev',
            timeIntervalMs: 10 * MINUTE,
            requiredReview: true,
            rules: [],
          },
          {
            id: 'phase_staging',
            name: 'Staging',
            timeIntervalMs: 60 * MINUTE,
            requiredReview: true,
            rules: [{ environments: ['staging'] }],
          },
          {
            id: 'phase_prod',
            name: 'Production',
            timeIntervalMs: 24 * 60 * MINUTE,
            requiredReview: false,
            rules: [{ environments: ['production'] }],
          },
        ],
      },
      {
        id: 'rp_checkout',
        name: 'Checkout rollout',
        phases: [
          {
            id: 'phase_all',
            name: 'Everyone',
            timeIntervalMs: null,
            requiredReview: true,
            rules: [],
          },
        ],
      },
    ],
  };
}

export interface HttpResult {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  body: unknown;
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The STATSIG-API-KEY header; the console key when absent, no header when null. */
  apiKey?: string | null;
  headers?: Record<string, string>;
}

export async function http(url: string, options: RequestOptions = {}): Promise<HttpResult> {
  const headers = new Headers(options.headers);
  const apiKey = options.apiKey === undefined ? CONSOLE_API_KEY : options.apiKey;
  if (apiKey !== null) headers.set('STATSIG-API-KEY', apiKey);
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  const method = options.method ?? 'GET';
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    method,
    url,
    status: response.status,
    headers: response.headers,
    body: text === '' ? null : (JSON.parse(text) as unknown),
  };
}

/**
 * One sandbox per test file, seeded with testSeed() and driven by a clock the tests set: back to
 * T0 and the seed before each test.
 */
export function useSandbox(options: Partial<SandboxOptions> = {}) {
  let started: StartedSandbox | undefined;
  const fixture = {
    clock: T0,
    get server(): StartedSandbox {
      if (!started) throw new Error('the sandbox starts in beforeAll');
      return started;
    },
  };
  beforeAll(async () => {
    started = await startSandbox({
      consoleApiKey: CONSOLE_API_KEY,
      seed: testSeed(),
      now: () => fixture.clock,
      ...options,
    });
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(() => {
    fixture.clock = T0;
    started?.sandbox.reset();
  });
  return fixture;
}

/**
 * The answer's body, once checked against what the spec declares for that operation and status
 * (the Console API's shared error shapes for an error the operation does not declare).
 */
export function specBody<T = unknown>(response: HttpResult): T {
  const match = matchOperation(response.method, response.url);
  if (!match) throw new Error(`${response.method} ${response.url} is no operation in the spec`);
  const { method, path, responses } = match.operation;
  const result =
    responses[String(response.status)] !== undefined || response.status < 400
      ? validateResponse(method, path, response.status, response.body)
      : validateConsoleError(response.status, response.body);
  expect(result.errors).toEqual([]);
  return response.body as T;
}

/** `data` of a spec-checked answer (a trigger unless told otherwise). */
export function specData<T = SandboxTrigger>(response: HttpResult): T {
  return specBody<{ data: T }>(response).data;
}

/** A spec-checked error answer: `{ status, message }`. */
export function specError(response: HttpResult): { status: number; message: string } {
  return specBody<{ status: number; message: string }>(response);
}

/** Checks a trigger the sandbox handed out directly (not over HTTP) against the trigger DTO. */
export function expectSpecTrigger(trigger: unknown): SandboxTrigger {
  const answer = { message: 'Pipeline trigger retrieved successfully.', data: trigger };
  const path = '/console/v1/release_pipeline_triggers/{id}';
  expect(validateResponse('GET', path, 200, answer).errors).toEqual([]);
  return trigger as SandboxTrigger;
}
