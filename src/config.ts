// The process configuration: read once from the environment, validated with zod, typed everywhere
// after. Variable names are the public interface documented in the README; keep them stable.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  commaList,
  durationSetting,
  flag,
  internalPort,
  optionalDuration,
  optionalHttpUrl,
  optionalPort,
  optionalSize,
  optionalString,
  parseDuration,
  port,
  positiveMs,
  trustProxy,
} from './config-values';

export { DEFAULT_INTERNAL_PORT, parseDuration, parseSize } from './config-values';

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

/**
 * Statsig documents about 100 Console API mutations per 10 s and a 15-minute quota per project (900
 * in its older pages, about 1,800 attempts in newer ones; refused attempts count). rollout-gate keeps
 * to a fifth less than both by default, leaving the rest to people and their tools.
 */
export const DEFAULT_STATSIG_WRITES_PER_10S = 80;
export const DEFAULT_STATSIG_WRITES_PER_15MIN = 720;

/**
 * The task-queue-wide rate (writes per second, across all workers) that keeps under both windows:
 * an explicit STATSIG_WRITES_PER_SECOND wins; otherwise the slower of the two budgets' average rates.
 */
export function statsigWriteRate(
  config: Pick<
    Config,
    'STATSIG_WRITES_PER_SECOND' | 'STATSIG_WRITES_PER_10S' | 'STATSIG_WRITES_PER_15MIN'
  >,
): number {
  return (
    config.STATSIG_WRITES_PER_SECOND ??
    Math.min(config.STATSIG_WRITES_PER_10S / 10, config.STATSIG_WRITES_PER_15MIN / 900)
  );
}

/** The rate the defaults give: 0.8 writes per second, bound by the 15-minute quota. */
export const DEFAULT_STATSIG_WRITES_PER_SECOND = Math.min(
  DEFAULT_STATSIG_WRITES_PER_10S / 10,
  DEFAULT_STATSIG_WRITES_PER_15MIN / 900,
);

export const configSchema = z.object({
  /** Required by the receiver only (see ROLE_SECRETS). */
  STATSIG_WEBHOOK_SECRET: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    commaList.optional(),
  ),
  /** Required by the worker only: the receiver starts and signals workflows, never calls Statsig. */
  STATSIG_CONSOLE_API_KEY: optionalString,
  STATSIG_CONSOLE_API_URL: z.url().default('https://statsigapi.net/console/v1'),
  STATSIG_SERVER_SECRET: optionalString,
  STATSIG_EVENTS_API_URL: z.url().default('https://events.statsigapi.net/v1'),
  STATSIG_TIMEOUT_MS: positiveMs.default(10_000),
  /** Console API writes per 10 s and per 15 minutes across every worker (Statsig's two windows). */
  STATSIG_WRITES_PER_10S: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_STATSIG_WRITES_PER_10S),
  STATSIG_WRITES_PER_15MIN: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_STATSIG_WRITES_PER_15MIN),
  /** An explicit rate (writes per second) instead of the one the two windows give. */
  STATSIG_WRITES_PER_SECOND: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce.number().positive().max(1000).optional(),
  ),
  WEBHOOK_TOLERANCE_MS: positiveMs.default(5 * 60 * 1000),
  WEBHOOK_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /**
   * Verified webhook deliveries per minute before the receiver answers 429; 0 turns the limit off.
   * Only deliveries whose signature checked out spend it.
   */
  WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  /**
   * Requests per minute and source address that have not proven a signature (unsigned, forged,
   * handshakes, bodies refused before the check) before that source is answered 429 without its
   * body being read; 0 turns the cap off.
   */
  WEBHOOK_UNVERIFIED_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /** Which X-Forwarded-For hops to believe for the source address (see trustProxy above). */
  TRUST_PROXY: trustProxy,
  /** Config changes the receiver keeps for GET /changes. */
  WEBHOOK_CHANGES_KEPT: z.coerce.number().int().positive().default(1000),
  TEMPORAL_ADDRESS: optionalString,
  /** TLS to TEMPORAL_ADDRESS: on with a client certificate or an API key unless set to false. */
  TEMPORAL_TLS: flag,
  /** PEM files of the client certificate and its key (mTLS, e.g. Temporal Cloud). */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  /** PEM file of the CA that signed the server's certificate, when the system does not trust it. */
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** Temporal Cloud API key (sent as a bearer token; turns TLS on). */
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('rollout-gate'),
  TEMPORAL_UI_URL: optionalString,
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_DEV_UI_PORT: port.default(8233),
  TEMPORAL_DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
  HOST: z.string().default('0.0.0.0'),
  /** The public listener: webhooks and health checks only. */
  PORT: port.default(3000),
  /** The internal listener: /metrics, /stats, /changes, the review API, health checks. */
  INTERNAL_HOST: z.string().default('127.0.0.1'),
  INTERNAL_PORT: internalPort,
  /**
   * Bearer tokens of the review API (GET /reviews, POST /reviews/:id/decision); comma-separated for
   * rotation. Unset: those routes answer 404 REVIEW_API_DISABLED.
   */
  REVIEW_API_TOKEN: z
    .string()
    .optional()
    .transform((value) => {
      const tokens = (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      return tokens.length > 0 ? tokens : undefined;
    })
    .pipe(z.array(z.string().min(32, 'each token must be at least 32 characters')).optional()),
  /**
   * The static key Statsig's pre-commit webhook sends in x-statsig-webhook-key; comma-separated for
   * rotation. Unset: POST /webhooks/statsig/pre-commit answers 404 PRECOMMIT_DISABLED.
   */
  STATSIG_PRECOMMIT_WEBHOOK_KEY: z
    .string()
    .optional()
    .transform((value) => {
      const keys = (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      return keys.length > 0 ? keys : undefined;
    })
    .pipe(z.array(z.string().min(16, 'each key must be at least 16 characters')).optional()),
  /** The worker's Prometheus endpoint (/metrics, with the Temporal SDK's own metrics); `off` disables. */
  WORKER_METRICS_PORT: optionalPort.default(9464),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  GATE_CONFIG: z.string().default(DEFAULT_GATE_CONFIG),
  GATE_REPORTS_DIR: z.string().min(1).default(DEFAULT_REPORTS_DIR),
  /** Reviews whose files were last written longer ago are removed (by a Temporal Schedule). */
  GATE_REPORTS_MAX_AGE: optionalDuration,
  /** The report store is kept under this size, the reviews written longest ago removed first. */
  GATE_REPORTS_MAX_BYTES: optionalSize,
  /** How often the retention schedule runs, when either limit is set. */
  GATE_REPORTS_PRUNE_INTERVAL: z
    .string()
    .default('1h')
    .transform((value, context) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < 60_000) {
        context.addIssue({
          code: 'custom',
          message: 'must be a duration of 1m or more, such as 1h',
        });
        return z.NEVER;
      }
      return ms;
    }),
  /**
   * Benchmark runs measured this recently are reused by later reviews of the same snapshot, benchmark
   * and gate version (the run cache, in GATE_REPORTS_DIR); `off` measures every run.
   */
  GATE_CACHE_MAX_AGE: durationSetting('7d', { off: true, minMs: 1_000 }),
  /** Where GATE_REPORTS_DIR is served over HTTP: pre-commit answers and notifications link reports under it. */
  GATE_REPORTS_URL: optionalString.pipe(z.url().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often the catch-up Schedule looks for waiting phases without a review; `off` disables it. */
  STATSIG_CATCHUP_INTERVAL: durationSetting('5m', { off: true, minMs: 10_000 }),
  /** A Statsig call retrying for longer than this counts its review as stuck (metrics). */
  REVIEW_STUCK_AFTER: durationSetting('10m', { off: false, minMs: 1_000 }),
  /** A Slack incoming webhook that hears when a review waits, acts, is superseded or fails. */
  NOTIFY_SLACK_WEBHOOK_URL: optionalHttpUrl,
  /** A JSON webhook that hears the same, signed with NOTIFY_WEBHOOK_SECRET like Statsig's. */
  NOTIFY_WEBHOOK_URL: optionalHttpUrl,
  NOTIFY_WEBHOOK_SECRET: optionalString.pipe(
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The settings that only connect to Temporal: enough for `rollout-gate review …`. */
const temporalConfigSchema = configSchema.pick({
  TEMPORAL_ADDRESS: true,
  TEMPORAL_TLS: true,
  TEMPORAL_TLS_CERT: true,
  TEMPORAL_TLS_KEY: true,
  TEMPORAL_TLS_CA: true,
  TEMPORAL_TLS_SERVER_NAME: true,
  TEMPORAL_API_KEY: true,
  TEMPORAL_NAMESPACE: true,
  TEMPORAL_TASK_QUEUE: true,
  TEMPORAL_UI_URL: true,
  TEMPORAL_DEV_PORT: true,
  TEMPORAL_DEV_UI_PORT: true,
});

export type TemporalConfig = z.infer<typeof temporalConfigSchema>;

function parse<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      // Never echo the received value: it may be a secret.
      const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
      return `${name} ${message}`;
    });
    throw new ConfigError([...extra, ...problems]);
  }
  const problems = [...extra, ...temporalProblems(result.data as TemporalConfig)];
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/** The processes a command runs: each needs its own secrets and no other's. */
export interface ConfigRoles {
  worker: boolean;
  receiver: boolean;
}

/**
 * Which secret each role needs, and why: least privilege, so a receiver (exposed to the internet)
 * holds no Console API key, and a worker no webhook secret.
 */
const ROLE_SECRETS = {
  receiver: {
    name: 'STATSIG_WEBHOOK_SECRET',
    why: 'by the receiver, which checks the signature of every webhook',
  },
  worker: {
    name: 'STATSIG_CONSOLE_API_KEY',
    why: 'by the worker, which reads release pipelines and approves or aborts their phases through the Console API (the receiver does not need it)',
  },
} as const;

function roleProblems(env: NodeJS.ProcessEnv, roles: ConfigRoles): string[] {
  return (['receiver', 'worker'] as const)
    .filter((role) => roles[role] && (env[ROLE_SECRETS[role].name] ?? '').trim() === '')
    .map((role) => `${ROLE_SECRETS[role].name} is required ${ROLE_SECRETS[role].why}`);
}

/** A secret a role needs, for code past loadConfig: loadConfig with that role has checked it. */
export function roleSecret<R extends keyof ConfigRoles>(
  config: Config,
  role: R,
): NonNullable<Config[(typeof ROLE_SECRETS)[R]['name']]> {
  const { name, why } = ROLE_SECRETS[role];
  const value = config[name];
  if (value === undefined) throw new ConfigError([`${name} is required ${why}`]);
  return value as NonNullable<Config[(typeof ROLE_SECRETS)[R]['name']]>;
}

/** Rules across variables; the files themselves are read by src/temporal/connection.ts. */
function temporalProblems(config: TemporalConfig): string[] {
  const problems: string[] = [];
  if ((config.TEMPORAL_TLS_CERT === undefined) !== (config.TEMPORAL_TLS_KEY === undefined)) {
    problems.push(
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both (client certificate and its key) or neither',
    );
  }
  const remoteOnly = (
    [
      'TEMPORAL_TLS',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
      'TEMPORAL_API_KEY',
    ] as const
  ).filter((name) => config[name] !== undefined);
  if (config.TEMPORAL_ADDRESS === undefined && remoteOnly.some((name) => name !== 'TEMPORAL_TLS')) {
    problems.push(
      `${remoteOnly.join(', ')} apply to a server named by TEMPORAL_ADDRESS; the embedded dev server speaks plain gRPC`,
    );
  }
  return problems;
}

/**
 * Parses the environment for the roles a command runs (both unless told); throws ConfigError
 * naming every bad or missing variable at once.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  roles: ConfigRoles = { worker: true, receiver: true },
): Config {
  const config = parse(configSchema, env, roleProblems(env, roles));
  if (config.NOTIFY_WEBHOOK_URL && !config.NOTIFY_WEBHOOK_SECRET) {
    throw new ConfigError([
      'NOTIFY_WEBHOOK_URL needs NOTIFY_WEBHOOK_SECRET: its messages are signed (16 characters or more)',
    ]);
  }
  return config;
}

/** Only the Temporal settings: for commands that talk to Temporal and nothing else. */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  return parse(temporalConfigSchema, env);
}
