// Where `gate run` gets the versions it compares: JSON files shaped like the Console API's read
// answers, or the entity as Statsig has it (its current version, and the one released before it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../error-message';
import type { Target } from '../gate/types';
import { chooseBaseline } from '../statsig/baseline';
import { StatsigConsoleClient } from '../statsig/console-client';
import { StatsigApiError } from '../statsig/errors';
import type { EntityKind } from '../statsig/schemas';
import { readSnapshot, snapshotKind } from '../statsig/snapshot';
import { configHash, entityTarget } from '../statsig/targets';
import { CliError, UsageError } from './errors';

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${errorMessage(error)}`, 2);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${errorMessage(error)}`, 2);
  }
}

/**
 * A gate or dynamic config from a file. Without --kind, a document with a defaultValue is a dynamic
 * config; without an id or name, it takes the entity's name, else the file's.
 */
export function fileSnapshot(file: string, kind: EntityKind | undefined, name?: string): Target {
  const value = readJsonFile(file);
  const reading = readSnapshot(kind ?? snapshotKind(value), value, {
    name: name ?? path.basename(file, path.extname(file)),
    field: file,
  });
  if (!reading.ok) throw new CliError(`Cannot read ${file} as a config: ${reading.reason}`, 2);
  return reading.target;
}

export interface StatsigSource {
  /** The entity as Statsig serves it now; a dynamic config is tried first without --kind. */
  current(name: string, kind: EntityKind | undefined): Promise<Target>;
  /** The version released before `candidate`, or null when there is none. */
  released(candidate: Target): Promise<Target | null>;
}

export function statsigSource(env: NodeJS.ProcessEnv): StatsigSource {
  const apiKey = env.STATSIG_CONSOLE_API_KEY;
  if (!apiKey) {
    throw new UsageError('--entity reads from Statsig: set STATSIG_CONSOLE_API_KEY.', 'gate');
  }
  const timeoutMs = Number(env.STATSIG_TIMEOUT_MS ?? 10_000);
  const client = new StatsigConsoleClient({
    baseUrl: env.STATSIG_CONSOLE_API_URL || 'https://statsigapi.net/console/v1',
    apiKey,
    timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 10_000,
  });
  return {
    async current(name, kind) {
      const kinds: EntityKind[] = kind ? [kind] : ['dynamic_config', 'gate'];
      for (const each of kinds) {
        try {
          return entityTarget(each, await client.getEntity(each, name));
        } catch (error) {
          if (!(error instanceof StatsigApiError && error.code === 'STATSIG_NOT_FOUND'))
            throw error;
        }
      }
      throw new CliError(`Statsig has no ${kinds.join(' or ')} named ${name}.`, 2);
    },
    async released(candidate) {
      const versions = await client.allVersions(candidate.kind, candidate.id);
      const choice = chooseBaseline(versions, {
        kind: candidate.kind,
        id: candidate.id,
        version: candidate.version,
        configHash: configHash(candidate),
      });
      return choice.entity ? entityTarget(candidate.kind, choice.entity) : null;
    },
  };
}
