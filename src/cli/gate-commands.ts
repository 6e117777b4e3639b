// The commands that run gates outside a release review: `gate run` (CI and local work), `backtest`
// (stored reviews re-judged), and `sandbox precommit` (Statsig's pre-commit webhook, played).
import { BACKTEST_OPTIONS, backtestCommand } from './backtest';
import { UsageError } from './errors';
import { GATE_OPTIONS, gateCommand } from './gate-run';
import { SANDBOX_OPTIONS, sandboxPreCommitCommand } from './sandbox-precommit';
import type { Output } from './webhook';

export const GATE_COMMAND_OPTIONS = {
  sandbox: SANDBOX_OPTIONS,
  gate: GATE_OPTIONS,
  backtest: BACKTEST_OPTIONS,
} as const;

interface Invocation {
  command: string;
  positionals: string[];
  values: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  io: Output;
}

function optional<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === 'string' ? { [key]: value } : {}) as { [P in K]?: string };
}

/** Runs one of these commands; undefined for every other command (and plain `sandbox`). */
export function gateCommands({
  command,
  positionals,
  values,
  env,
  io,
}: Invocation): Promise<number> | undefined {
  const [action] = positionals;
  if (command === 'gate') {
    const names = ['gate', 'candidate', 'entity', 'baseline', 'kind', 'stage', 'junit', 'markdown'];
    const options = Object.assign({}, ...names.map((name) => optional(name, values[name])));
    return gateCommand({ action, ...options }, env, io);
  }
  if (command === 'backtest') {
    return backtestCommand(
      {
        json: values.json === true,
        ...optional('gate', values.gate),
        ...optional('since', values.since),
        ...optional('reports', values.reports),
      },
      env,
      io,
    );
  }
  if (command !== 'sandbox' || action === undefined) return undefined;
  if (action !== 'precommit') throw new UsageError(`Unknown action '${action}'.`, 'sandbox');
  return sandboxPreCommitCommand(
    {
      ...optional('old', values.old),
      ...optional('new', values.new),
      ...optional('name', values.name),
      ...optional('configType', values['config-type']),
      ...optional('type', values.type),
      ...optional('reviewID', values['review-id']),
      ...optional('url', values.url),
      ...optional('key', values.key),
      ...optional('sandbox', values.sandbox),
      ...optional('timeoutMs', values['timeout-ms']),
    },
    env,
    io,
  );
}
