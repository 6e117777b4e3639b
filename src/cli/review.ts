// `rollout-gate review list|show|approve|reject`: the people's controls, straight against Temporal
// (the same review control the receiver's review API uses, so answers and refusals match).
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { loadTemporalConfig } from '../config';
import {
  createReviewControl,
  decisionSchema,
  MAX_REVIEWS_LISTED,
  type ReviewControl,
  type ReviewDetails,
  ReviewError,
  type ReviewErrorCode,
  type ReviewFilter,
  type ReviewSummary,
  reviewIdOf,
  reviewsQuery,
} from '../reviews/control';
import { connectClient, TemporalConnectionError, temporalTarget } from '../temporal/connection';
import { CliError, EXIT, type ExitCode, UsageError } from './errors';
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
  /** A receiver's base URL: go through its review API instead of Temporal. */
  url?: string;
  json: boolean;
}

const EXIT_FOR: Record<ReviewErrorCode, ExitCode> = {
  REVIEW_NOT_FOUND: EXIT.notFound,
  REVIEW_ALREADY_DECIDED: EXIT.refused,
  REVIEW_ALREADY_ACTED: EXIT.refused,
  REVIEW_NOT_RUNNING: EXIT.refused,
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
    control: createReviewControl(client, uiUrl ? { uiUrl } : {}),
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

export async function reviewCommand(
  args: ReviewArgs,
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<number> {
  const action = args.action;
  if (action !== 'list' && action !== 'show' && action !== 'approve' && action !== 'reject') {
    throw new UsageError(
      action === undefined
        ? 'Say what to do: review list, show, approve or reject.'
        : `Unknown review command '${action}': use list, show, approve or reject.`,
      'review',
    );
  }
  // Everything the command line can get wrong is checked before connecting.
  const workflowId = action === 'list' ? undefined : reviewId(args);
  const limit = limitFrom(args.limit);
  const filter = filterFrom(args);
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

  const { control, close } = await openControl(args, env);
  try {
    if (action === 'list') {
      const reviews = await control.list(filter, limit);
      if (args.json) io.out(JSON.stringify(reviews, null, 2));
      else for (const line of formatList(reviews)) io.out(line);
      return EXIT.ok;
    }
    if (decision !== undefined && workflowId !== undefined) {
      const accepted = await control.decide(workflowId, decision);
      if (args.json) io.out(JSON.stringify({ accepted: true, ...accepted }, null, 2));
      else {
        const verb = accepted.decision === 'approve' ? 'Approved' : 'Rejected';
        io.out(
          `${verb} ${workflowId} as ${accepted.actor} (the review was at stage '${accepted.stage}'); it acts on it now.`,
        );
      }
      return EXIT.ok;
    }
    const details = await control.show(workflowId as string);
    if (args.json) io.out(JSON.stringify(details, null, 2));
    else for (const line of formatDetails(details)) io.out(line);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ReviewError) throw new CliError(error.message, EXIT_FOR[error.code]);
    throw error;
  } finally {
    await close();
  }
}

function formatList(reviews: ReviewSummary[]): string[] {
  if (reviews.length === 0) return ['No reviews match.'];
  const rows = reviews.map((review) => [
    review.workflowId,
    review.status,
    review.entity ?? '-',
    review.verdict ?? '-',
    review.decision ?? '-',
    review.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  ]);
  const header = ['REVIEW', 'STATUS', 'ENTITY', 'VERDICT', 'DECISION', 'STARTED'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function formatDetails({ review, progress, progressUnavailable, report }: ReviewDetails): string[] {
  const lines = [`Review ${review.workflowId}: ${review.status}`];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`  ${name.padEnd(10)} ${value}`);
  };
  field('pipeline', review.pipelineID);
  field('trigger', review.triggerID);
  field('phase', review.phaseID);
  field('entity', review.entity);
  field('started', review.startedAt);
  field('closed', review.closedAt);
  if (progress) {
    field('stage', progress.stage);
    if (progress.benchmarks.length > 0) lines.push('  benchmarks');
    for (const entry of progress.benchmarks) {
      const name = `${entry.suite}/${entry.benchmark}`;
      if (entry.status === 'completed') {
        const metrics = Object.entries(entry.metrics)
          .map(([metric, value]) => `${metric}=${value}`)
          .join(' ');
        lines.push(`    done     ${name}  ${metrics}`);
      } else if (entry.status === 'error') {
        lines.push(`    error    ${name}  ${entry.error}`);
      } else {
        lines.push(`    ${entry.status.padEnd(8)} ${name}`);
      }
    }
    field('verdict', progress.judgement?.verdict);
    if (progress.override) {
      field(
        'decided',
        `${progress.override.decision} by ${progress.override.actor}${progress.override.reason ? `: ${progress.override.reason}` : ''}`,
      );
    }
    if (progress.decisionDeadlineMs !== undefined && progress.stage === 'waiting for a person') {
      field('deadline', new Date(progress.decisionDeadlineMs).toISOString());
    }
  }
  if (progressUnavailable) field('progress', progressUnavailable);
  if (report) {
    field('verdict', report.verdict ?? 'none');
    field('action', report.action);
    field('reason', report.reason);
    for (const criterion of report.criteria) {
      lines.push(
        `    ${criterion.verdict === 'pass' ? 'ok  ' : 'FAIL'} ${criterion.suite}: ${criterion.reason}`,
      );
    }
  } else {
    field('decision', review.decision);
  }
  if (review.uiUrl) lines.push(`  Temporal UI: ${review.uiUrl}`);
  if (review.status === 'RUNNING' && progress?.stage !== 'act' && !progress?.override) {
    lines.push(`  Decide: rollout-gate review approve|reject ${review.workflowId} --reason "…"`);
  }
  return lines;
}
