// The process configuration: read once from the environment, validated with zod, typed everywhere
// after. Variable names are the public interface documented in the README; keep them stable.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The folder holding package.json: `src/..` when run from source, `dist/src/../..` when compiled. */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..');
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
// Beside this file's own tree: examples/prompt-gate.ts from source, dist/examples/prompt-gate.js compiled.
export const DEFAULT_GATE_CONFIG = path.join(
  __dirname,
  '..',
  'examples',
  `prompt-gate${path.extname(__filename) === '.ts' ? '.ts' : '.js'}`,
);

/** Where run outputs and review reports are kept (GATE_REPORTS_DIR). */
export const DEFAULT_REPORTS_DIR = path.join(PROJECT_ROOT, '.data', 'reports');

/** Statsig documents ~100 mutations per 10 s per project; 8/s leaves a fifth to people and tools. */
export const DEFAULT_STATSIG_WRITES_PER_SECOND = 8;

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .pipe(z.array(z.string().min(16, 'each secret must be at least 16 characters')).min(1));

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive('must be a positive number of milliseconds');

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export const configSchema = z.object({
  STATSIG_WEBHOOK_SECRET: commaList,
  STATSIG_CONSOLE_API_KEY: z.string().min(1, 'is required'),
  STATSIG_CONSOLE_API_URL: z.url().default('https://statsigapi.net/console/v1'),
  STATSIG_SERVER_SECRET: optionalString,
  STATSIG_EVENTS_API_URL: z.url().default('https://events.statsigapi.net/v1'),
  STATSIG_TIMEOUT_MS: positiveMs.default(10_000),
  /** Console API writes per second across every worker. */
  STATSIG_WRITES_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(1000)
    .default(DEFAULT_STATSIG_WRITES_PER_SECOND),
  WEBHOOK_TOLERANCE_MS: positiveMs.default(5 * 60 * 1000),
  WEBHOOK_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Webhook deliveries per minute before the receiver answers 429; 0 turns the limit off. */
  WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /** Config changes the receiver keeps for GET /changes. */
  WEBHOOK_CHANGES_KEPT: z.coerce.number().int().positive().default(1000),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('rollout-gate'),
  TEMPORAL_UI_URL: optionalString,
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_DEV_UI_PORT: port.default(8233),
  TEMPORAL_DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(3000),
  GATE_CONFIG: z.string().default(DEFAULT_GATE_CONFIG),
  GATE_REPORTS_DIR: z.string().min(1).default(DEFAULT_REPORTS_DIR),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    // Never echo the received value: it may be a secret.
    const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `${name} ${message}`;
  });
  throw new ConfigError(problems);
}
