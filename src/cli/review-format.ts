// How `rollout-gate review …` prints its answers for people (--json prints them as they are).

import type { UndoOutcome } from '../../workflows/rollback-contract';
import type { ReviewDetails, ReviewSummary } from '../reviews/control';
import type { ReviewFailure } from '../reviews/failure';
import type { RerunStarted } from '../reviews/rerun';
import type { StuckReviews } from '../reviews/stuck';

export function formatList(reviews: ReviewSummary[]): string[] {
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

export function formatDetails({
  review,
  progress,
  progressUnavailable,
  report,
  failure,
}: ReviewDetails): string[] {
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
    for (const change of report.rollback?.rules ?? []) {
      const fields = Object.keys(change.after).join(', ');
      lines.push(`    rolled back rule ${change.rule.name ?? change.rule.id} (${fields})`);
    }
  } else {
    field('decision', review.decision);
  }
  if (failure) lines.push(...failureLines(failure));
  field('source', review.source);
  if (review.uiUrl) lines.push(`  Temporal UI: ${review.uiUrl}`);
  if (review.status === 'RUNNING' && progress?.stage !== 'act' && !progress?.override) {
    lines.push(`  Decide: rollout-gate review approve|reject ${review.workflowId} --reason "…"`);
  }
  if (report?.rollback?.rules.length || report?.action === 'paused') {
    lines.push(`  Undo: rollout-gate review undo ${review.workflowId}`);
  }
  if (failure || (report?.verdict === 'inconclusive' && report.action === 'none')) {
    lines.push(`  Re-run: rollout-gate review rerun ${review.workflowId}`);
  }
  return lines;
}

/** Why a review ended without deciding: where, in which call, what failed and what Statsig said. */
function failureLines(failure: ReviewFailure): string[] {
  const where = [
    failure.stage ? `stage '${failure.stage}'` : undefined,
    failure.activity ? `activity ${failure.activity}` : undefined,
    failure.attempt ? `attempt ${failure.attempt}` : undefined,
  ].filter((part) => part !== undefined);
  const lines = [`  ${'failed at'.padEnd(10)} ${where.length > 0 ? where.join(', ') : 'unknown'}`];
  lines.push(
    `  ${'failure'.padEnd(10)} ${failure.type ? `${failure.type}: ` : ''}${failure.message}`,
  );
  if (failure.statsigStatus !== undefined) {
    lines.push(
      `  ${'statsig'.padEnd(10)} ${failure.statsigStatus === null ? 'no answer (timeout or network)' : `last answer HTTP ${failure.statsigStatus}`}`,
    );
  }
  return lines;
}

export function formatRerun(started: RerunStarted): string {
  return `Re-running ${started.workflowId}: new run ${started.runId} (the previous run ${started.previous.runId}: ${started.previous.why}).`;
}

export function formatStuck(stuck: StuckReviews, retryingMinutes: number): string[] {
  const lines = [`Waiting for a person (${stuck.waitingForPerson.length}):`];
  if (stuck.waitingForPerson.length > 0) {
    lines.push(...formatList(stuck.waitingForPerson).map((line) => `  ${line}`));
  }
  lines.push(
    '',
    `Retrying a Statsig call for more than ${retryingMinutes} min (${stuck.retrying.length}):`,
  );
  for (const call of stuck.retrying) {
    lines.push(
      `  ${call.workflowId}  ${call.activity}  attempt ${call.attempt} since ${call.retryingSince}${call.lastFailure ? `  last: ${call.lastFailure}` : ''}`,
    );
  }
  const without = stuck.withoutReview;
  if ('unknown' in without) {
    lines.push('', `Waiting in Statsig without a review: not known (${without.unknown}).`);
    return lines;
  }
  lines.push(
    '',
    `Waiting in Statsig without a review (${without.phases.length} of ${without.waiting} waiting phases, checked ${without.checkedAt}):`,
  );
  for (const phase of without.phases) {
    lines.push(
      `  trigger ${phase.triggerID} phase ${phase.phaseID}: ${phase.workflowId} ${phase.status}; rollout-gate review rerun ${phase.workflowId}`,
    );
  }
  return lines;
}

/** What an undo put back, and what it left alone and why (reasons are stable: see rollback-contract). */
export function formatUndo(outcome: UndoOutcome): string[] {
  const name = (rule: { name: string | null; id: string | null } | undefined) =>
    rule ? `rule ${rule.name ?? rule.id ?? '?'}` : 'the pause';
  const lines = [`Undo of ${outcome.review} (${outcome.undoWorkflowId}, by ${outcome.actor}):`];
  for (const entry of outcome.restored) {
    const fields = Object.keys(entry.to).join(', ');
    lines.push(`  restored  ${name(entry.rule)} (${fields})`);
  }
  if (outcome.unpaused) lines.push('  unpaused  the trigger');
  for (const entry of outcome.refused) {
    lines.push(`  refused   ${name(entry.rule)}: ${entry.reason}: ${entry.detail}`);
  }
  if (outcome.restored.length === 0 && !outcome.unpaused && outcome.refused.length === 0) {
    lines.push('  nothing to put back');
  }
  return lines;
}
