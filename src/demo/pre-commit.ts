// The demo's third story: a change committed straight to Statsig, outside any release pipeline, is
// stopped by Statsig's pre-commit webhook before it reaches anyone. The sandbox records the answer
// rollout-gate gives through change_validation.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { PreCommitResult } from '../../workflows/pre-commit-contract';
import type { StartedSandbox } from '../sandbox/app';
import { REGRESSED_PROMPT } from './seed';

const CONFIG_ID = 'chat_assistant_prompt';

export interface PreCommitStoryInput {
  sandbox: StartedSandbox;
  client: Client;
  receiverUrl: string;
  key: string;
  /** The Temporal UI's workflows in the demo's namespace, when there is a UI. */
  workflowsUrl: string | undefined;
  print(line: string): void;
}

export async function preCommitStory(input: PreCommitStoryInput): Promise<PreCommitResult> {
  const { sandbox, print } = input;
  print('');
  print(
    `4. ${CONFIG_ID}: someone commits the regressed prompt straight to Statsig, outside any release`,
  );
  const current = sandbox.sandbox.getDynamicConfig(CONFIG_ID);
  if (!current) throw new Error(`the sandbox has no dynamic config ${CONFIG_ID}`);
  const reviewID = `demo_review_${randomBytes(4).toString('hex')}`;
  const body = {
    review_id: reviewID,
    submitter: 'demo.user@example.com',
    committer: 'demo.user@example.com',
    config_type: 'dynamic_config',
    config_name: CONFIG_ID,
    type: 'rules',
    old_config: current,
    new_config: { ...current, defaultValue: REGRESSED_PROMPT },
  };
  print(
    `   Statsig: pre-commit webhook for review ${reviewID} (a rules change of ${CONFIG_ID}), key in x-statsig-webhook-key`,
  );
  const response = await fetch(`${input.receiverUrl}/webhooks/statsig/pre-commit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-statsig-webhook-key': input.key },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { status?: string; workflowId?: string };
  if (response.status !== 200 || !answer.workflowId) {
    throw new Error(`the receiver answered ${response.status}: ${JSON.stringify(answer)}`);
  }
  print(`   receiver: ${response.status} ${answer.status}, validation ${answer.workflowId}`);
  const result = (await input.client.workflow
    .getHandle(answer.workflowId)
    .result()) as PreCommitResult;
  for (const record of sandbox.sandbox.changeValidations.filter((r) => r.reviewID === reviewID)) {
    if (record.kind === 'message') print(`   Statsig shows: ${record.message ?? ''}`);
    else {
      print(
        `   change_validation: ${record.validated ? 'validated' : 'NOT validated'}: ${record.message ?? ''}`,
      );
    }
  }
  const took = ((result.answeredAtMs - result.startedAtMs) / 1000).toFixed(1);
  print(`   verdict: ${result.verdict ?? result.outcome}, answered in ${took} s`);
  if (result.evaluation) print(`   report: ${result.evaluation.report.markdown}`);
  if (input.workflowsUrl) print(`   Temporal UI: ${input.workflowsUrl}/${answer.workflowId}`);
  return result;
}
