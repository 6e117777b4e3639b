// `.env` support: the CLI reads KEY=value lines from ./.env (or the file --dotenv names) before it
// reads its configuration. Variables already set in the environment win over the file.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { errorCode } from '../error-message';
import { CliError } from './errors';

const DEFAULT_ENV_FILE = '.env';

/**
 * Loads `explicit` (which must exist) or ./.env when present. Returns the file loaded, if any.
 * Never prints values: the file usually holds secrets.
 */
export function loadEnvFile(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  const file = path.resolve(cwd, explicit ?? DEFAULT_ENV_FILE);
  if (explicit === undefined && !existsSync(file)) return undefined;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    const code = errorCode(error);
    throw new CliError(`Cannot read the env file ${file} (${code}).`);
  }
  return file;
}
