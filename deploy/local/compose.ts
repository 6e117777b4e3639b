// Reads docker-compose.yml the way Compose does for what the local cluster needs from it: a
// service's environment (merge keys, ${VAR} interpolation from the given variables) and where its
// bind mounts put repository files in the container. The local cluster starts every process from
// these, changing only host names and ports (there is no container network on loopback), so the
// settings it proves are the ones the compose stack runs with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/config';

export const COMPOSE_FILE = path.join(PROJECT_ROOT, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  entrypoint?: string[] | string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const PLACEHOLDER =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}. */
export function interpolate(text: string, variables: Record<string, string | undefined>): string {
  return text.replace(
    PLACEHOLDER,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = variables[name];
      const missing = operator?.startsWith(':')
        ? value === undefined || value === ''
        : value === undefined;
      if (operator === ':-' || operator === '-') return missing ? (argument ?? '') : (value ?? '');
      if ((operator === ':?' || operator === '?') && missing) {
        throw new Error(`docker-compose.yml needs ${name}: ${argument ?? ''}`);
      }
      return value ?? '';
    },
  );
}

export function loadCompose(file = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

function service(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** The service's environment, interpolated with `variables` as Compose would with a .env. */
export function serviceEnvironment(
  compose: ComposeFile,
  name: string,
  variables: Record<string, string | undefined>,
): Record<string, string> {
  const raw = service(compose, name).environment ?? {};
  const pairs: Array<[string, string]> = Array.isArray(raw)
    ? raw.map((entry) => {
        const equals = entry.indexOf('=');
        return equals === -1 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(pairs.map(([key, value]) => [key, interpolate(value, variables)]));
}

export function serviceImage(compose: ComposeFile, name: string): string | undefined {
  return service(compose, name).image;
}

/**
 * The repository file a path inside the service's container comes from, through its bind mounts
 * (`./deploy/temporal:/deploy:ro` turns /deploy/setup-schema.sh into deploy/temporal/setup-schema.sh).
 */
export function hostPathOf(compose: ComposeFile, name: string, containerPath: string): string {
  for (const volume of service(compose, name).volumes ?? []) {
    const [source, target] =
      typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
    if (!source || !target || !source.startsWith('.')) continue; // named volumes hold no repo files
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return path.join(PROJECT_ROOT, source, containerPath.slice(target.length));
    }
  }
  throw new Error(`${containerPath} is not a repository file mounted into service "${name}"`);
}

/** The script a one-shot job runs: the last argument of its `sh <script>` entrypoint. */
export function jobScript(compose: ComposeFile, name: string): string {
  const { entrypoint } = service(compose, name);
  const parts = Array.isArray(entrypoint) ? entrypoint : (entrypoint ?? '').split(/\s+/);
  const script = parts[parts.length - 1];
  if (!script?.endsWith('.sh')) throw new Error(`service "${name}" does not run a shell script`);
  return hostPathOf(compose, name, script);
}
