// Reads the deployment files the way their tools do: docker-compose.yml with Compose's merge keys
// and ${VAR} interpolation, deploy/.env.example as Compose reads a .env, and the Dockerfile as a
// list of build stages. Only the parts the deploy tests look at are modelled.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { z } from 'zod';

export const ROOT = path.resolve(__dirname, '..', '..');

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

// --- .env ---

export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`not a KEY=VALUE line: ${line}`);
    const value = line.slice(equals + 1).trim();
    env[line.slice(0, equals).trim()] = /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return env;
}

export const envExample = (): Record<string, string> =>
  parseEnvFile(readRepoFile('deploy/.env.example'));

// --- interpolation, as Compose does it: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?error}, ${VAR?error}. The colon forms also treat an empty value as missing. ---

export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`required variable ${variable} is missing a value: ${detail}`);
    this.name = 'MissingVariableError';
  }
}

const PLACEHOLDER =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    PLACEHOLDER,
    (
      match: string,
      braced: string | undefined,
      operator: string | undefined,
      argument: string | undefined,
      bare: string | undefined,
    ) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = env[name];
      const missing = operator?.startsWith(':')
        ? value === undefined || value === ''
        : value === undefined;
      if (operator === ':-' || operator === '-') return missing ? (argument ?? '') : (value ?? '');
      if ((operator === ':?' || operator === '?') && missing) {
        throw new MissingVariableError(name, argument ?? '');
      }
      return value ?? '';
    },
  );
}

export interface VariableReference {
  name: string;
  /** True for ${NAME:?...} and ${NAME?...}: interpolation fails without a value. */
  required: boolean;
}

export function variableReferences(text: string): VariableReference[] {
  return [...text.matchAll(PLACEHOLDER)].flatMap((match) => {
    const name = match[1] ?? match[4];
    return name ? [{ name, required: match[2]?.endsWith('?') === true }] : [];
  });
}

// --- docker-compose.yml ---

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const argvSchema = z.union([z.string(), z.array(z.string())]);
const portSchema = z.union([
  z.string(),
  z.number(),
  z.looseObject({ target: z.union([z.number(), z.string()]), published: scalar.optional() }),
]);
const serviceSchema = z.looseObject({
  image: z.string().optional(),
  build: z
    .union([
      z.string(),
      z.looseObject({ context: z.string().optional(), dockerfile: z.string().optional() }),
    ])
    .optional(),
  command: argvSchema.optional(),
  entrypoint: argvSchema.optional(),
  environment: z.union([z.record(z.string(), scalar.nullable()), z.array(z.string())]).optional(),
  env_file: z.unknown().optional(),
  ports: z.array(portSchema).optional(),
  depends_on: z
    .union([
      z.array(z.string()),
      z.record(z.string(), z.looseObject({ condition: z.string().optional() })),
    ])
    .optional(),
  healthcheck: z
    .looseObject({ test: argvSchema.optional(), disable: z.boolean().optional() })
    .optional(),
  restart: z.string().optional(),
  volumes: z
    .array(
      z.union([z.string(), z.looseObject({ source: z.string().optional(), target: z.string() })]),
    )
    .optional(),
  deploy: z.looseObject({ replicas: z.number().optional() }).optional(),
  container_name: z.string().optional(),
});
const composeSchema = z.looseObject({ services: z.record(z.string(), serviceSchema) });

export type Service = z.infer<typeof serviceSchema>;
export type ComposeFile = z.infer<typeof composeSchema>;

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]),
    );
  }
  return value;
}

export const composeText = (): string => readRepoFile('docker-compose.yml');

/** Every variable the compose file interpolates (its values, not its comments). */
export function composeVariables(): VariableReference[] {
  const references: VariableReference[] = [];
  mapStrings(parse(composeText()), (text) => {
    references.push(...variableReferences(text));
    return text;
  });
  return references;
}

/** The compose file with merge keys applied; with `env`, also interpolated against it. */
export function loadCompose(env?: Record<string, string>): ComposeFile {
  const document: unknown = parse(composeText(), { merge: true });
  return composeSchema.parse(
    env ? mapStrings(document, (text) => interpolate(text, env)) : document,
  );
}

export function serviceOf(compose: ComposeFile, name: string): Service {
  const service = compose.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service '${name}'`);
  return service;
}

export function environmentOf(service: Service): Record<string, string | undefined> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const equals = entry.indexOf('=');
        return equals < 0 ? [entry, undefined] : [entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      value === null ? undefined : String(value),
    ]),
  );
}

export interface PortMapping {
  /** The host interface it is published on; undefined means every interface. */
  host: string | undefined;
  published: string | undefined;
  target: string;
}

export function portsOf(service: Service): PortMapping[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      const host = (port as { host_ip?: unknown }).host_ip;
      return {
        host: typeof host === 'string' ? host : undefined,
        published: port.published?.toString(),
        target: String(port.target),
      };
    }
    // [ip:][published:]target[/protocol], the ip possibly an IPv6 address in brackets.
    const text = String(port).replace(/\/\w+$/, '');
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
    const parts = bracketed
      ? [bracketed[1] ?? '', ...(bracketed[2] ?? '').split(':')]
      : text.split(':');
    const target = parts.at(-1) ?? '';
    return {
      host: parts.length > 2 ? parts[0] : undefined,
      published: parts.length > 1 ? parts.at(-2) : undefined,
      target,
    };
  });
}

/** Published where only this machine reaches it. */
export function isLoopback(host: string | undefined): boolean {
  return host !== undefined && (/^127\./.test(host) || host === '::1' || host === 'localhost');
}

export function dependenciesOf(service: Service): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) {
    return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  }
  return Object.fromEntries(
    Object.entries(dependsOn).map(([name, spec]) => [name, spec.condition ?? 'service_started']),
  );
}

export function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value;
}

// --- Dockerfile ---

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Build stages in order; line continuations joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', as, name] = rest;
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** An exec-form (JSON array) argument list, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed = z.array(z.string()).safeParse(JSON.parse(args));
  return parsed.success ? parsed.data : undefined;
}

// --- the build: where tsconfig.build.json puts a compiled source file ---

export function compiledPath(sourceRelative: string): string {
  const configFile = path.join(ROOT, 'tsconfig.build.json');
  const { config, error } = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  if (!options.outDir) throw new Error('tsconfig.build.json sets no outDir');
  const rootDir = options.rootDir ?? ROOT;
  const output = path.join(options.outDir, path.relative(rootDir, path.join(ROOT, sourceRelative)));
  return path.relative(ROOT, output).split(path.sep).join('/').replace(/\.ts$/, '.js');
}

/** Where the image puts the example gate sources (the Dockerfile test holds the image to it). */
export const IMAGE_EXAMPLES_DIR = '/app/dist/examples';
