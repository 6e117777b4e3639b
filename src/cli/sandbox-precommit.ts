// `rollout-gate sandbox precommit`: plays Statsig's side of a config review's pre-commit webhook
// against a receiver (the key in x-statsig-webhook-key, old and new configs in the body), then
// shows what the sandbox's change_validation received for it: progress messages and the answer.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { causeMessage } from '../error-message';
import { ADMIN_PREFIX, type ChangeValidationRecord } from '../sandbox/app';
import { snapshotKind } from '../statsig/snapshot';
import { CliError, UsageError } from './errors';
import type { Output } from './webhook';
import { readBody } from './webhook';

export const SANDBOX_OPTIONS = {
  port: { type: 'string' },
  key: { type: 'string' },
  old: { type: 'string' },
  new: { type: 'string' },
  name: { type: 'string' },
  'config-type': { type: 'string' },
  type: { type: 'string' },
  'review-id': { type: 'string' },
  url: { type: 'string' },
  sandbox: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export interface SandboxPreCommitArgs {
  old?: string;
  new?: string;
  name?: string;
  configType?: string;
  type?: string;
  reviewID?: string;
  url?: string;
  key?: string;
  sandbox?: string;
  timeoutMs?: string;
}

/** Exit codes: the change was validated, refused, or nothing answered in time. */
export const PRECOMMIT_EXIT = { validated: 0, refused: 1, unanswered: 2 } as const;

function json(file: string): unknown {
  try {
    return JSON.parse(readBody(file).toString('utf8'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file} is not JSON.`);
  }
}

function nameOf(config: unknown, file: string): string {
  const value = (config ?? {}) as { name?: unknown; id?: unknown; data?: { name?: unknown } };
  const name = value.name ?? value.data?.name ?? value.id;
  return typeof name === 'string' && name !== '' ? name : path.basename(file, path.extname(file));
}

function describe(record: ChangeValidationRecord): string[] {
  if (record.kind === 'message') return [`message: ${record.message ?? '(none)'}`];
  const lines = [
    `change_validation: ${record.validated ? 'validated' : 'NOT validated'}: ${record.message ?? ''}`,
  ];
  for (const link of record.debugLinks ?? []) lines.push(`  ${link.title}: ${link.url}`);
  return lines;
}

async function received(sandboxUrl: string, reviewID: string): Promise<ChangeValidationRecord[]> {
  const response = await fetch(`${sandboxUrl}${ADMIN_PREFIX}/change_validations`);
  if (!response.ok) throw new CliError(`The sandbox answered ${response.status} at ${sandboxUrl}.`);
  const all = (await response.json()) as ChangeValidationRecord[];
  return all.filter((record) => record.reviewID === reviewID);
}

export async function sandboxPreCommitCommand(
  args: SandboxPreCommitArgs,
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<number> {
  const key = args.key ?? env.STATSIG_PRECOMMIT_WEBHOOK_KEY?.split(',')[0]?.trim();
  if (!key) {
    throw new UsageError('No key: pass --key or set STATSIG_PRECOMMIT_WEBHOOK_KEY.', 'sandbox');
  }
  const timeoutMs = Number(args.timeoutMs ?? 130_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new UsageError('--timeout-ms is a positive number of milliseconds.', 'sandbox');
  }
  const newConfig = args.new === undefined ? undefined : json(args.new);
  const oldConfig = args.old === undefined ? undefined : json(args.old);
  const reviewID = args.reviewID ?? `sandbox_${randomUUID().slice(0, 8)}`;
  const body = {
    review_id: reviewID,
    submitter: 'sandbox@rollout-gate.local',
    committer: 'sandbox@rollout-gate.local',
    config_type: args.configType ?? (newConfig === undefined ? 'gate' : snapshotKind(newConfig)),
    config_name: args.name ?? (args.new ? nameOf(newConfig, args.new) : 'sandbox_entity'),
    type: args.type ?? (newConfig === undefined ? 'update_target_apps' : 'rules'),
    ...(oldConfig === undefined ? {} : { old_config: oldConfig }),
    ...(newConfig === undefined ? {} : { new_config: newConfig }),
  };
  const url = args.url ?? `http://localhost:${env.PORT ?? 3000}/webhooks/statsig/pre-commit`;
  const sandboxUrl = (args.sandbox ?? `http://localhost:${env.SANDBOX_PORT ?? 4100}`).replace(
    /\/+$/,
    '',
  );
  io.err(`POST ${url} (review ${reviewID}, ${body.config_type} ${body.config_name}, ${body.type})`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-statsig-webhook-key': key },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`Could not reach ${url}: ${causeMessage(error)}`);
  }
  io.err(`HTTP ${response.status} ${await response.text()}`);
  if (!response.ok) return PRECOMMIT_EXIT.refused;

  io.err(`Waiting for change_validation at ${sandboxUrl} (up to ${timeoutMs / 1000} s)…`);
  const deadline = Date.now() + timeoutMs;
  let shown = 0;
  for (;;) {
    let records: ChangeValidationRecord[];
    try {
      records = await received(sandboxUrl, reviewID);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`Could not reach the sandbox at ${sandboxUrl}: ${causeMessage(error)}`);
    }
    for (const record of records.slice(shown)) for (const line of describe(record)) io.out(line);
    shown = records.length;
    const answer = records.find((record) => record.kind === 'validation');
    if (answer?.kind === 'validation') {
      return answer.validated ? PRECOMMIT_EXIT.validated : PRECOMMIT_EXIT.refused;
    }
    if (Date.now() > deadline) {
      io.err(`No change_validation for review ${reviewID} within ${timeoutMs / 1000} s.`);
      return PRECOMMIT_EXIT.unanswered;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
