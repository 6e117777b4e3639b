// `rollout-gate review list|show|approve|reject|rerun|undo`: the people's controls, straight against
// Temporal (the same review control the receiver's review API uses, so answers and refusals match).
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { loadTemporalConfig } from '../config';
import {
  createReviewControl,
  decisionSchema,
  MAX_REVIEWS_LISTED,
  type ReviewControl,
  ReviewError,
  type ReviewErrorCode,
  type ReviewFilter,
  reviewIdOf,
  reviewsQuery,
} from '../reviews/control';
import { connectClient, TemporalConnectionError, temporalTarget } from '../temporal/connection';
import { CliError, EXIT, type ExitCode, UsageError } from './errors';
import { formatDetails, formatList, formatRerun, formatStuck, formatUndo } from './review-format';
import { createHttpReviewControl } from './review-http';
import type { Output } from './webhook';

export interface ReviewArgs {
  action: string | undefined;
  id: string | undefined;
  trigger?: string;
  phase?: string;
  pipeline?: string;
  entity?: string;
  verdict?: string;
  decision?: string;
  status?: string;
  limit?: string;
  actor?: string;
  reason?: string;
  /** Who started it: webhook, catch-up or rerun. */
  source?: string;
  /** `list --stuck`: reviews needing a person instead of a filtered list. */
  stuck?: boolean;
  'stuck-minutes'?: string;
  /** A receiver's base URL: go through its review API instead of Temporal. */
  url?: string;
  json: boolean;
}

const EXIT_FOR: Record<ReviewErrorCode, ExitCode> = {
  REVIEW_NOT_FOUND: EXIT.notFound,
  REVIEW_ALREADY_DECIDED: EXIT.refused,
  REVIEW_ALREADY_ACTED: EXIT.refused,
  REVIEW_NOT_RUNNING: EXIT.refused,
  REVIEW_RERUN_REFUSED: EXIT.refused,
  REVIEW_UNDO_REFUSED: EXIT.refused,
  REVIEW_UNDO_TIMEOUT: EXIT.unavailable,
  REVIEW_DECISION_INVALID: EXIT.usage,
  REVIEW_FILTER_INVALID: EXIT.usage,
  REVIEW_DECISION_TIMEOUT: EXIT.unavailable,
  TEMPORAL_UNAVAILABLE: EXIT.unavailable,
};

/** The person a decision is recorded under when --actor is not given. */
function defaultActor(env: NodeJS.ProcessEnv): string {
  if (env.ROLLOUT_GATE_ACTOR?.trim()) return env.ROLLOUT_GATE_ACTOR.trim();
  return `${os.userInfo().username}@${os.hostname()}`;
}

function reviewId(args: ReviewArgs): string {
  if (args.id !== undefined && (args.trigger !== undefined || args.phase !== undefined)) {
    throw new UsageError(
      'Name the review by its ID or by --trigger and --phase, not both.',
      'review',
    );
  }
  if (args.id !== undefined) return reviewIdOf({ workflowId: args.id });
  if (args.trigger !== undefined && args.phase !== undefined) {
    return reviewIdOf({ triggerID: args.trigger, phaseID: args.phase });
  }
  throw new UsageError(
    'Name the review: its ID (review-<triggerID>-<phaseID>), or --trigger and --phase.',
    'review',
  );
}

/** The review control the command uses: a receiver's review API with --url, else Temporal. */
async function openControl(
  args: ReviewArgs,
  env: NodeJS.ProcessEnv,
): Promise<{ control: ReviewControl; close(): Promise<void> }> {
  const url = args.url ?? env.ROLLOUT_GATE_URL;
  if (url) {
    const token = env.REVIEW_API_TOKEN?.split(',')[0]?.trim();
    if (!token) {
      throw new UsageError('The review API needs a token: set REVIEW_API_TOKEN.', 'review');
    }
    return { control: createHttpReviewControl(url, token), close: async () => {} };
  }
  const config = loadTemporalConfig(env);
  // Without TEMPORAL_ADDRESS, the embedded dev server `rollout-gate start` runs on this machine.
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;
  const uiUrl =
    config.TEMPORAL_UI_URL ??
    (config.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${config.TEMPORAL_DEV_UI_PORT}`);
  let client: Client;
  try {
    client = await connectClient(temporalTarget(config, address), { connectTimeoutMs: 5_000 });
  } catch (error) {
    if (error instanceof TemporalConnectionError)
      throw new CliError(error.message, EXIT.unavailable);
    throw error;
  }
  return {
    control: createReviewControl(client, {
      ...(uiUrl ? { uiUrl } : {}),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
    }),
    close: () => client.connection.close(),
  };
}

function filterFrom(args: ReviewArgs): ReviewFilter {
  const filter: ReviewFilter = {};
  const fields: Array<[keyof ReviewFilter, string | undefined]> = [
    ['pipelineID', args.pipeline],
    ['triggerID', args.trigger],
    ['phaseID', args.phase],
    ['entity', args.entity],
    ['verdict', args.verdict],
    ['decision', args.decision],
    ['source', args.source],
    ['status', args.status],
  ];
  for (const [field, value] of fields) if (value !== undefined) filter[field] = value;
  return filter;
}

function limitFrom(value: string | undefined): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REVIEWS_LISTED) {
    throw new UsageError(`--limit is a whole number from 1 to ${MAX_REVIEWS_LISTED}.`, 'review');
  }
  return limit;
}

const ACTIONS = ['list', 'show', 'approve', 'reject', 'rerun', 'undo'] as const;
type Action = (typeof ACTIONS)[number];

function actionOf(action: string | undefined): Action {
  if (ACTIONS.includes(action as Action)) return action as Action;
  throw new UsageError(
    action === undefined
      ? 'Say what to do: review list, show, approve, reject, rerun or undo.'
      : `Unknown review command '${action}': use list, show, approve, reject, rerun or undo.`,
    'review',
  );
}

/** --stuck-minutes: how long a Statsig call retries before its review counts as stuck. */
function stuckMinutesFrom(value: string | undefined): number {
  if (value === undefined) return 10;
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new UsageError('--stuck-minutes is a positive number of minutes.', 'review');
  }
  return minutes;
}

/** Everything the command line can get wrong, checked before connecting. */
function parseCommand(args: ReviewArgs, env: NodeJS.ProcessEnv) {
  const action = actionOf(args.action);
  const workflowId = action === 'list' ? undefined : reviewId(args);
  const limit = limitFrom(args.limit);
  const filter = filterFrom(args);
  const stuckMinutes = stuckMinutesFrom(args['stuck-minutes']);
  if (action === 'list') {
    try {
      reviewsQuery(filter);
    } catch (error) {
      if (error instanceof ReviewError) throw new UsageError(error.message, 'review');
      throw error;
    }
  }
  let decision: ReturnType<typeof decisionSchema.parse> | undefined;
  if (action === 'approve' || action === 'reject') {
    const parsed = decisionSchema.safeParse({
      decision: action,
      actor: args.actor ?? defaultActor(env),
      ...(args.reason !== undefined ? { reason: args.reason } : {}),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`--${issue?.path.join('.')} ${issue?.message}`, 'review');
    }
    decision = parsed.data;
  }
  return { action, workflowId, limit, filter, stuckMinutes, decision };
}

async function run(
  command: ReturnType<typeof parseCommand>,
  control: ReviewControl,
  args: ReviewArgs,
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<void> {
  const { action, workflowId = '', decision } = command;
  const print = (answer: unknown, lines: () => string[]) => {
    if (args.json) io.out(JSON.stringify(answer, null, 2));
    else for (const line of lines()) io.out(line);
  };
  if (action === 'list' && args.stuck) {
    const stuck = await control.stuck({ retryingOverMs: command.stuckMinutes * 60_000 });
    print(stuck, () => formatStuck(stuck, command.stuckMinutes));
  } else if (action === 'list') {
    const reviews = await control.list(command.filter, command.limit);
    print(reviews, () => formatList(reviews));
  } else if (action === 'rerun') {
    const actor = args.actor ?? defaultActor(env);
    const started = await control.rerun(workflowId, {
      actor,
      ...(args.reason !== undefined ? { reason: args.reason } : {}),
    });
    print(started, () => [formatRerun(started)]);
  } else if (action === 'undo') {
    const undone = await control.undo(workflowId, {
      actor: args.actor ?? defaultActor(env),
      ...(args.reason !== undefined ? { reason: args.reason } : {}),
    });
    print(undone, () => formatUndo(undone));
  } else if (decision !== undefined) {
    const accepted = await control.decide(workflowId, decision);
    const verb = accepted.decision === 'approve' ? 'Approved' : 'Rejected';
    print({ accepted: true, ...accepted }, () => [
      `${verb} ${workflowId} as ${accepted.actor} (the review was at stage '${accepted.stage}'); it acts on it now.`,
    ]);
  } else {
    const details = await control.show(workflowId);
    print(details, () => formatDetails(details));
  }
}

export async function reviewCommand(
  args: ReviewArgs,
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<number> {
  const command = parseCommand(args, env);
  const { control, close } = await openControl(args, env);
  try {
    await run(command, control, args, env, io);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ReviewError) throw new CliError(error.message, EXIT_FOR[error.code]);
    throw error;
  } finally {
    await close();
  }
}
