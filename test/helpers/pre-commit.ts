// Statsig's pre-commit flow for tests: a stack whose receiver takes the pre-commit webhook, bodies
// shaped as Statsig sends them, and waiting for what the sandbox's change_validation received.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createPreCommitStarter } from '../../src/receiver/pre-commit-starter';
import type { ChangeValidationRecord, Sandbox } from '../../src/sandbox';
import type { PreCommitResult } from '../../workflows/pre-commit-contract';
import { preCommitWorkflowId } from '../../workflows/pre-commit-contract';
import { type Stack, type StackOptions, startStack } from './stack';

export const PRE_COMMIT_PATH = '/webhooks/statsig/pre-commit';

export interface PreCommitStack extends Stack {
  /** The key the receiver accepts in x-statsig-webhook-key. */
  key: string;
  /** POSTs a pre-commit webhook with the stack's key (or the one given). */
  sendPreCommit(
    body: unknown,
    key?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function startPreCommitStack(
  options: StackOptions & { keys?: string[] },
): Promise<PreCommitStack> {
  const key = randomBytes(16).toString('hex');
  const keys = options.keys ?? [key];
  const stack = await startStack({
    ...options,
    receiver: (client, taskQueue) => ({
      ...options.receiver?.(client, taskQueue),
      preCommit: { keys, starter: createPreCommitStarter(client, { taskQueue }) },
    }),
  });
  return {
    ...stack,
    key,
    async sendPreCommit(body, sendKey = key) {
      const response = await fetch(`${stack.receiverUrl}${PRE_COMMIT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-statsig-webhook-key': sendKey },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? {} : JSON.parse(text) };
    },
  };
}

export function newReviewID(): string {
  return `rev_${randomUUID().slice(0, 12)}`;
}

/** A prompt config as the Console API reads one: its default value holds `{ quality }`. */
export function promptConfig(name: string, quality: number, version: number) {
  return {
    id: name,
    name,
    isEnabled: true,
    version,
    defaultValue: { quality },
    rules: [],
    tags: [],
  };
}

/** A `rules` change of a dynamic config from one quality to another, as Statsig posts it. */
export function rulesChange(
  reviewID: string,
  name: string,
  { from, to }: { from: number; to: number },
) {
  return {
    review_id: reviewID,
    submitter: 'ada@example.com',
    committer: 'grace@example.com',
    config_type: 'dynamic_config',
    config_name: name,
    type: 'rules',
    old_config: promptConfig(name, from, 3),
    new_config: promptConfig(name, to, 4),
  };
}

/** Everything change_validation received for one review, in order. */
export function validationsFor(sandbox: Sandbox, reviewID: string): ChangeValidationRecord[] {
  return sandbox.changeValidations.filter((record) => record.reviewID === reviewID);
}

/** The validation's result: it ends once change_validation has been answered. */
export function validationResult(client: Client, reviewID: string): Promise<PreCommitResult> {
  return client.workflow.getHandle(preCommitWorkflowId(reviewID)).result();
}
