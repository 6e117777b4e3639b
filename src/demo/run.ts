// `npm run demo`: the whole loop on one machine with no credentials. A Statsig sandbox plays Statsig;
// everything else (Temporal, the workers, the receiver, the signed webhooks) is the real thing.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ReviewReport, reviewWorkflowId } from '../../workflows/contract';
import { loadConfig } from '../config';
import { versionText } from '../gate/judge/format';
import { startService } from '../runtime';
import { type Sandbox, type StartedSandbox, startSandbox } from '../sandbox/app';
import type { ReleaseEntityChange } from '../sandbox/seed';
import { sendWebhook } from '../sandbox/webhook-sender';
import { verifySignature } from '../statsig/webhook-signature';
import { createClient } from '../temporal/connection';
import { startModelService } from './model-service';
import { preCommitStory } from './pre-commit';
import {
  DEMO_PIPELINES,
  demoSeed,
  IMPROVED_PROMPT,
  REGIONAL_CONFIG,
  REGRESSED_PROMPT,
  RELEASED_PROMPT,
  regionalRules,
} from './seed';

/** The three examples together, and per region (examples/demo-gate.ts; .js in a compiled build). */
const DEMO_GATE_CONFIG = path.join(
  __dirname,
  '..',
  '..',
  'examples',
  `demo-gate${path.extname(__filename) === '.ts' ? '.ts' : '.js'}`,
);

export interface DemoOptions {
  /** Exit after the stories instead of staying up for the Temporal UI. */
  once: boolean;
  sandboxPort: number;
  print?: (line: string) => void;
}

const MARK = { pass: 'ok  ', fail: 'FAIL', inconclusive: '??  ' } as const;

function describeReport(report: ReviewReport): string[] {
  const lines: string[] = [];
  const baseline = report.evaluation?.baseline;
  if (baseline) {
    // Its runs may come from the run cache: an earlier review measured the same released version.
    const reused = report.benchmarks.some((outcome) => (outcome.runs?.baseline.reused ?? 0) > 0);
    const where = reused ? 'runs reused from an earlier review' : 'measured in the same review';
    lines.push(
      `   baseline: ${baseline.reason !== undefined ? `none (${baseline.reason})` : `${versionText(baseline.version)}, ${where}`}`,
    );
  }
  const reused = report.evaluation?.reused;
  if (reused) {
    const from = reused.from.map((source) => source.workflowId).join(', ');
    lines.push(`   reused: ${reused.runs} run(s) from the run cache, measured by ${from}`);
  }
  for (const suite of report.suites ?? []) {
    lines.push(`   ${MARK[suite.verdict]} suite ${suite.suite}: ${suite.reason}`);
    for (const criterion of report.criteria.filter((c) => c.suite === suite.suite)) {
      const note = criterion.critical ? ' [critical]' : criterion.advisory ? ' [advisory]' : '';
      lines.push(
        `     ${MARK[criterion.verdict]} ${criterion.name ?? criterion.metric}${note}: ${criterion.reason}`,
      );
    }
  }
  const took = ((report.decidedAtMs - report.request.receivedAtMs) / 1000).toFixed(1);
  lines.push(
    `   verdict: ${report.verdict ?? 'none'}, action: ${report.action} (${took} s after the webhook)`,
  );
  const { rollback } = report;
  for (const change of rollback?.rules ?? []) {
    const what = 'returnValue' in change.after ? 'back to its released prompt' : 'to 0%';
    lines.push(`   rolled back rule ${change.rule.name ?? change.rule.id}: ${what}`);
  }
  if (rollback) {
    const next =
      rollback.afterwards === 'approved'
        ? 'the phase approved for the other regions'
        : rollback.afterwards === 'paused'
          ? 'the trigger paused'
          : (rollback.afterwardsReason ?? 'the phase left waiting for review');
    const { triggerID, phaseID } = report.request;
    lines.push(`   then: ${next}`);
    lines.push(`   undo: rollout-gate review undo ${reviewWorkflowId(triggerID, phaseID)}`);
  }
  if (report.evaluation) lines.push(`   report: ${report.evaluation.report.markdown}`);
  return lines;
}

/** What each region's rule serves now, told by its prompt's template. */
function regionLines(sandbox: Sandbox, configID: string): string[] {
  const rules = sandbox.getDynamicConfig(configID)?.rules ?? [];
  return rules.map((rule) => {
    const template = (rule.returnValue as { template?: string } | undefined)?.template ?? '';
    const which =
      template === RELEASED_PROMPT.template
        ? 'the released prompt'
        : template === IMPROVED_PROMPT.template
          ? 'the new prompt'
          : 'another prompt';
    return `   Statsig now: ${rule.name} serves ${which}`;
  });
}

/**
 * The notifications the review's decision sent, once both reached the sandbox's sink: they travel
 * on their own workflow, a moment after the decision.
 */
async function notificationLines(
  sandbox: Sandbox,
  workflowId: string,
  secret: string,
): Promise<string[]> {
  // Both messages name the review (the Slack one in its context line, the JSON one in its key).
  const ours = () =>
    sandbox.notifications.filter((received) => received.rawBody.includes(workflowId));
  const deadline = Date.now() + 30_000;
  while (ours().length < 2 && Date.now() < deadline) await sleep(200);
  return ours().map((received) => {
    if (received.channel === 'slack') {
      const header = (received.body as { blocks?: Array<{ text?: { text?: string } }> })
        .blocks?.[0];
      return `   notified Slack: "${header?.text?.text ?? ''}"`;
    }
    const body = received.body as { type?: string; reason?: string };
    const check = verifySignature(Buffer.from(received.rawBody), received.headers, {
      secrets: [secret],
      toleranceMs: 5 * 60 * 1000,
      nowMs: Date.now(),
    });
    const reason = body.reason ?? '';
    const short = reason.length > 100 ? `${reason.slice(0, 99)}…` : reason;
    return `   notified webhook: ${body.type} (signature ${check.ok ? 'verified' : `invalid: ${check.code}`}): ${short}`;
  });
}

/** The releases the demo tells of, in order: a good change, a regressed one, a regional one. */
function releaseStories(): Array<{
  title: string;
  pipelineID: string;
  entity: ReleaseEntityChange;
}> {
  return [
    {
      title: 'chat_assistant_prompt: a teammate tightens the prompt and lowers the temperature',
      pipelineID: DEMO_PIPELINES.chat,
      entity: {
        kind: 'dynamic_config',
        id: 'chat_assistant_prompt',
        defaultValue: IMPROVED_PROMPT,
      },
    },
    {
      title:
        'search_summary_prompt: a change drops {question} from the template and raises the temperature',
      pipelineID: DEMO_PIPELINES.summary,
      entity: {
        kind: 'dynamic_config',
        id: 'search_summary_prompt',
        defaultValue: REGRESSED_PROMPT,
      },
    },
    {
      title: `${REGIONAL_CONFIG}: one change tightens Europe's prompt and breaks South America's`,
      pipelineID: DEMO_PIPELINES.regional,
      entity: {
        kind: 'dynamic_config',
        id: REGIONAL_CONFIG,
        rules: regionalRules({ SouthAmerica: REGRESSED_PROMPT, Europe: IMPROVED_PROMPT }),
      },
    },
  ];
}

/** The service's settings for the demo: the example gate, pointed at the sandbox for everything. */
function demoConfig(
  sandbox: StartedSandbox,
  secrets: {
    webhookSecret: string;
    consoleApiKey: string;
    serverSecret: string;
    notifySecret: string;
    preCommitKey: string;
  },
) {
  const { webhookSecret, consoleApiKey, serverSecret, notifySecret, preCommitKey } = secrets;
  return loadConfig({
    LOG_LEVEL: 'warn',
    // The demo is one process on a laptop: no metrics listener unless asked for, and the
    // receiver's routes on its one port.
    WORKER_METRICS_PORT: 'off',
    INTERNAL_PORT: 'shared',
    ...process.env,
    // The stories below are told for this gate: one approve, one abort.
    GATE_CONFIG: DEMO_GATE_CONFIG,
    STATSIG_WEBHOOK_SECRET: webhookSecret,
    STATSIG_CONSOLE_API_KEY: consoleApiKey,
    STATSIG_CONSOLE_API_URL: sandbox.consoleApiUrl,
    STATSIG_SERVER_SECRET: serverSecret,
    STATSIG_EVENTS_API_URL: sandbox.eventsApiUrl,
    STATSIG_PRECOMMIT_WEBHOOK_KEY: preCommitKey,
    // The sandbox's sink stands in for a Slack channel and a JSON webhook.
    NOTIFY_SLACK_WEBHOOK_URL: `${sandbox.url}/_sandbox/notify/slack`,
    NOTIFY_WEBHOOK_URL: `${sandbox.url}/_sandbox/notify/webhook`,
    NOTIFY_WEBHOOK_SECRET: notifySecret,
  });
}

export async function runDemo(options: DemoOptions): Promise<{ reports: ReviewReport[] }> {
  const print = options.print ?? ((line: string) => console.log(line));
  const webhookSecret = randomBytes(24).toString('hex');
  const consoleApiKey = `console-demo-${randomBytes(8).toString('hex')}`;
  const serverSecret = `secret-demo-${randomBytes(8).toString('hex')}`;
  const notifySecret = randomBytes(24).toString('hex');
  const preCommitKey = `precommit-demo-${randomBytes(8).toString('hex')}`;

  const sandbox = await startSandbox({
    port: options.sandboxPort,
    consoleApiKey,
    serverSecret,
    seed: demoSeed(),
  });
  // The latency example measures this local model service; its gate reads the URL when it runs.
  const modelService = await startModelService();
  process.env.MODEL_SERVICE_URL = modelService.url;
  const config = demoConfig(sandbox, {
    webhookSecret,
    consoleApiKey,
    serverSecret,
    notifySecret,
    preCommitKey,
  });
  print('rollout-gate demo: starting Temporal, the workers and the receiver…');
  const service = await startService(config, { worker: true, receiver: true });
  const client = createClient({
    address: service.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
  });
  const ui = service.temporalUiUrl;
  const webhookUrl = `${service.receiverUrl}/webhooks/statsig`;
  print(`  Temporal        ${service.temporalAddress}${ui ? `  (UI ${ui})` : ''}`);
  print(`  Receiver        ${webhookUrl}`);
  print(`  Statsig sandbox ${sandbox.url} (stands in for statsigapi.net)`);
  print(`  Model service   ${modelService.url} (the latency example's endpoint)`);
  print(`  Gate config     ${config.GATE_CONFIG}`);

  const stories = releaseStories();

  const reports: ReviewReport[] = [];
  try {
    for (const [index, story] of stories.entries()) {
      print('');
      print(`${index + 1}. ${story.title}`);
      const trigger = sandbox.sandbox.startRelease({
        pipelineID: story.pipelineID,
        entity: story.entity,
        creatorName: 'Demo User',
      });
      print(
        `   Statsig: trigger ${trigger.id} is ${trigger.status} for phase ${trigger.currentPhaseID}; sending the signed webhook`,
      );
      const response = await sendWebhook({
        url: webhookUrl,
        secret: webhookSecret,
        payload: sandbox.sandbox.reviewEvent(trigger.id),
      });
      const summary = (response.body as { events?: Array<{ status: string; workflowId?: string }> })
        ?.events?.[0];
      if (response.status !== 200 || !summary?.workflowId) {
        throw new Error(`the receiver answered ${response.status}: ${response.text}`);
      }
      print(`   receiver: ${response.status} ${summary.status}, review ${summary.workflowId}`);
      const report = (await client.workflow.getHandle(summary.workflowId).result()) as ReviewReport;
      reports.push(report);
      for (const line of describeReport(report)) print(line);
      const after = sandbox.sandbox.getTrigger(trigger.id);
      print(`   Statsig now: trigger ${trigger.id} is ${after?.status}`);
      if (story.entity.rules) {
        for (const line of regionLines(sandbox.sandbox, story.entity.id)) print(line);
      }
      for (const line of await notificationLines(
        sandbox.sandbox,
        summary.workflowId,
        notifySecret,
      )) {
        print(line);
      }
      if (ui) {
        print(
          `   Temporal UI: ${ui}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${summary.workflowId}`,
        );
      }
    }
    const receiverUrl = service.receiverUrl as string;
    const workflowsUrl = ui && `${ui}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows`;
    await preCommitStory({ sandbox, client, receiverUrl, key: preCommitKey, workflowsUrl, print });
    const writes = sandbox.sandbox.successfulWrites().map((call) => `${call.method} ${call.path}`);
    print('');
    print(`Statsig received ${writes.length} write(s): ${writes.join(', ')}`);
    if (!options.once) {
      print('');
      print('Everything keeps running so you can look around in the Temporal UI. Ctrl-C stops it.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return { reports };
  } finally {
    await client.connection.close();
    await service.stop();
    await sandbox.close();
    await modelService.close();
  }
}
