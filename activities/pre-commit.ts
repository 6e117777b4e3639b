// The pre-commit validation's own activities: its plan (the `pre-commit` stage of the gate config),
// progress messages on the pending Statsig review, and the answer, made at most once across
// attempts and workers (see ./answer-ledger.ts). Benchmarks and judging are the review's activities.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { errorMessage } from '../src/error-message';
import { planReview } from '../src/gate/plan';
import { type ReportStore, reportLink } from '../src/gate/report/store';
import type { GateDefinition } from '../src/gate/types';
import type { StatsigConsoleClient } from '../src/statsig/console-client';
import { StatsigApiError } from '../src/statsig/errors';
import type { ChangeValidation } from '../src/statsig/schemas';
import {
  type ChangeValidationAnswer,
  DEFAULT_PRE_COMMIT,
  PRE_COMMIT_FAILURE,
  type PreCommitActivities,
} from '../workflows/pre-commit-contract';
import { AnswerLedger } from './answer-ledger';
import { cancellation, reviewKey } from './context';
import { toFailure } from './failures';

/** Where the debug links sent with an answer point. */
export interface PreCommitLinks {
  /** The Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI). */
  temporalUiUrl?: string | undefined;
  namespace?: string | undefined;
  /** Where GATE_REPORTS_DIR is served (GATE_REPORTS_URL); without it, the report's file URL. */
  reportsUrl?: string | undefined;
}

export interface PreCommitDependencies {
  statsig: StatsigConsoleClient;
  gate: GateDefinition;
  reports: ReportStore;
  links?: PreCommitLinks | undefined;
}

/** Connection failures that happen before a byte of the request is sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

function codesOf(error: unknown): string[] {
  const value = error as { code?: unknown; errors?: unknown[] } | null | undefined;
  const own = typeof value?.code === 'string' ? [value.code] : [];
  const nested = Array.isArray(value?.errors) ? value.errors.flatMap(codesOf) : [];
  return [...own, ...nested];
}

/**
 * Whether a failed call provably did not leave an answer with Statsig: it answered with an error
 * status, or the connection was never made. A timeout or a dropped connection proves nothing.
 */
function provablyNotTaken(error: unknown): boolean {
  if (!(error instanceof StatsigApiError)) return false;
  if (error.details.status !== undefined) return true;
  if (error.code !== 'STATSIG_NETWORK') return false;
  // The HTTP client's own error: a system error, or an AggregateError of one per address tried.
  const codes = codesOf(error.cause);
  return codes.length > 0 && codes.every((code) => NOT_CONNECTED.has(code));
}

function linksFor(
  links: PreCommitLinks,
  reports: ReportStore,
  input: ChangeValidationAnswer,
): NonNullable<ChangeValidation['debugLinks']> {
  const found: NonNullable<ChangeValidation['debugLinks']> = [];
  if (input.report) {
    const url = reportLink(input.report.markdown, reports.dir, links.reportsUrl);
    found.push({ title: 'rollout-gate report', url });
  }
  if (links.temporalUiUrl) {
    const { workflowId } = reviewKey();
    const namespace = encodeURIComponent(links.namespace ?? 'default');
    found.push({
      title: 'Validation in the Temporal UI',
      url: `${links.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`,
    });
  }
  return found;
}

export function createPreCommitActivities(deps: PreCommitDependencies): PreCommitActivities {
  const { statsig, gate, reports } = deps;
  const links = deps.links ?? {};
  return {
    async planPreCommit(input) {
      return {
        plan: planReview(gate, input.target, input.pipelineID, 'pre-commit'),
        preCommit: {
          deadlineMs: gate.preCommit?.deadlineMs ?? DEFAULT_PRE_COMMIT.deadlineMs,
          onDeadline: gate.preCommit?.onDeadline ?? DEFAULT_PRE_COMMIT.onDeadline,
        },
      };
    },

    async postValidationMessage(input) {
      try {
        await statsig.patchChangeValidationMessage(input.reviewID, input.message, cancellation());
      } catch (error) {
        toFailure(error);
      }
    },

    /**
     * Answers at most once: an attempt claims the call before making it and gives the claim back
     * only when Statsig's answer proves it took nothing. A later attempt that finds the answer on
     * record is done; one that finds a claim without it cannot tell, and does not call again.
     */
    async answerChangeValidation(input) {
      const { workflowId } = reviewKey();
      const attempt = Context.current().info.attempt;
      const ledger = new AnswerLedger(reports.dir, workflowId);
      if (await ledger.answered()) return { status: 'already-answered' };
      if (!(await ledger.claim({ attempt, atMs: Date.now() }))) {
        throw ApplicationFailure.nonRetryable(
          `an earlier attempt to answer review ${input.reviewID} may have reached Statsig, which offers no read of change_validation: not answering twice`,
          PRE_COMMIT_FAILURE.answerOutcomeUnknown,
        );
      }
      const debugLinks = linksFor(links, reports, input);
      try {
        await statsig.postChangeValidation(
          {
            reviewID: input.reviewID,
            validated: input.validated,
            message: input.message,
            ...(debugLinks.length > 0 ? { debugLinks } : {}),
          },
          cancellation(),
        );
      } catch (error) {
        if (provablyNotTaken(error)) {
          await ledger.release();
          return toFailure(error);
        }
        throw ApplicationFailure.nonRetryable(
          `the answer to review ${input.reviewID} may or may not have reached Statsig (${errorMessage(error)}): not answering twice`,
          PRE_COMMIT_FAILURE.answerOutcomeUnknown,
        );
      }
      await ledger.recordAnswered({ attempt, atMs: Date.now() });
      return { status: 'answered' };
    },
  };
}
