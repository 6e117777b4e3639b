// Shorthands for tests that drive one review through the stack.

import type { FaultRule, SandboxTrigger } from '../../src/sandbox';
import { type ReviewReport, reviewWorkflowId } from '../../workflows/contract';
import type { Stack } from './stack';

// The phase each trigger's review was started for. Under the sandbox's 'last-completed' reading a
// waiting trigger's currentPhaseID names the live phase, not the one under review, so the review's
// workflow ID comes from the phase the sandbox said was waiting when the webhook went out.
const reviewedPhases = new Map<string, string>();

/** The workflow ID of the review startReview started for this trigger. */
export function workflowIdOf(trigger: Pick<SandboxTrigger, 'id'>): string {
  const phaseID = reviewedPhases.get(trigger.id);
  if (phaseID === undefined) {
    throw new Error(`no review was started for trigger ${trigger.id}: call startReview first`);
  }
  return reviewWorkflowId(trigger.id, phaseID);
}

/** Sends the signed review webhook for the trigger's waiting phase; returns the review's handle. */
/**
 * A fault on Statsig's answers to reads of one trigger (`GET /release_pipeline_triggers/{id}`): the
 * first read a review makes, and the one every reconcile and write repeats.
 */
export function faultTriggerReads(
  sandbox: { addFault(rule: FaultRule): unknown },
  triggerID: string,
  fault: Omit<FaultRule, 'method' | 'path'>,
): void {
  sandbox.addFault({ method: 'GET', path: `/release_pipeline_triggers/${triggerID}$`, ...fault });
}

export async function startReview(stack: Stack, trigger: Pick<SandboxTrigger, 'id'>) {
  const event = stack.sandbox.sandbox.reviewEvent(trigger.id);
  reviewedPhases.set(trigger.id, event.releasePipelineMetadata.phaseID);
  const response = await stack.send(event);
  if (response.status !== 200)
    throw new Error(`receiver answered ${response.status}: ${response.text}`);
  return stack.client.workflow.getHandle(workflowIdOf(trigger));
}

export async function resultOf(
  stack: Stack,
  trigger: Pick<SandboxTrigger, 'id'>,
): Promise<ReviewReport> {
  return (await stack.client.workflow.getHandle(workflowIdOf(trigger)).result()) as ReviewReport;
}

/** Successful Statsig writes that concern this trigger or its entity, as `METHOD path`. */
export function writesFor(
  stack: Stack,
  trigger: Pick<SandboxTrigger, 'id' | 'gateID' | 'dynamicConfigID'>,
): string[] {
  const entity = trigger.dynamicConfigID ?? trigger.gateID ?? '\u0000';
  return stack.sandbox.sandbox
    .successfulWrites()
    .filter((call) => call.path.includes(`/${trigger.id}/`) || call.path.includes(`/${entity}/`))
    .map((call) => `${call.method} ${call.path.replace('/console/v1', '')}`);
}

/** Polls until `check` holds (for state that changes asynchronously, like a workflow's stage). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A person acting through the Statsig console (the Console API, as the console itself does). */
export async function inConsole(
  stack: Stack,
  method: 'PUT' | 'GET',
  path: string,
): Promise<unknown> {
  const response = await fetch(`${stack.sandbox.consoleApiUrl}${path}`, {
    method,
    headers: { 'STATSIG-API-KEY': stack.consoleApiKey },
  });
  if (!response.ok) throw new Error(`console ${method} ${path} → ${response.status}`);
  return ((await response.json()) as { data: unknown }).data;
}

/** Waits until a visibility query lists the workflow (the index lags the workflow slightly). */
export async function listedBy(stack: Stack, query: string, workflowId: string): Promise<void> {
  await eventually(async () => {
    for await (const execution of stack.client.workflow.list({ query })) {
      if (execution.workflowId === workflowId) return true;
    }
    return undefined;
  });
}
