// Shared fixtures for the sandbox tests: a small Statsig project, a controllable clock, and a thin
// fetch wrapper (real HTTP on loopback, nothing mocked).
import { z } from 'zod';
import {
  type SandboxOptions,
  type SandboxSeed,
  type StartedSandbox,
  startSandbox,
} from '../../src/sandbox/app';

export const CONSOLE_API_KEY = 'console-key-for-sandbox-tests';
export const SERVER_SECRET = 'server-secret-for-sandbox-tests';
export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

export const paginationSchema = z.object({
  itemsPerPage: z.number(),
  pageNumber: z.number(),
  nextPage: z.number().nullable(),
  previousPage: z.number().nullable(),
  totalItems: z.number(),
});

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
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
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
