// The environment a `command` benchmark's script starts from: an allow-list of the worker's variables
// that a program needs to run at all, plus those the benchmark names. Nothing else of the worker's
// environment reaches the script: not rollout-gate's own credentials, and not whatever else the
// deployment put there (docker compose hands the worker .env, database and Grafana passwords
// included). A deny-list could never name them all.

/**
 * Passed through when set: where programs are (PATH), the account the script runs as anyway (HOME,
 * USER, LOGNAME: tools keep caches and config under the home directory), the locale (LANG, LANGUAGE
 * and every LC_*), the time zone (TZ) and the temporary directory (TMPDIR, and TMP and TEMP, which
 * Python's tempfile and others read). SHELL is left out: no shell runs the command, and a script
 * that starts one names it.
 */
const ALLOWED: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
]);

const isAllowed = (name: string) => ALLOWED.has(name) || name.startsWith('LC_');

/**
 * The worker's allowed variables and those `inherit` names (e.g. a proxy setting or a model API key
 * the benchmark needs), read from `source`.
 */
export function allowedEnvironment(
  inherit: readonly string[] = [],
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const named = new Set(inherit);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (isAllowed(name) || named.has(name))) env[name] = value;
  }
  return env;
}
