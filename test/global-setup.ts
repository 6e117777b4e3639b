// Starts the one Temporal dev server the whole test run shares (starting one per file costs seconds
// each on a 2-core machine) and bundles the workflow code once for every Worker the tests create.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DevServer, getFreePort, startDevServer } from '../src/temporal/dev-server';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** What globalSetup leaves for globalTeardown, which runs in the same process. */
export interface TestRunResources {
  devServer?: DevServer;
  bundleDir?: string;
}

const RESOURCES = Symbol.for('rollout-gate.test-run-resources');

export function testRunResources(): TestRunResources {
  const holder = globalThis as typeof globalThis & { [RESOURCES]?: TestRunResources };
  holder[RESOURCES] ??= {};
  return holder[RESOURCES];
}

const say = (line: string) => process.stderr.write(`\n[test setup] ${line}`);

export default async function globalSetup(): Promise<void> {
  const resources = testRunResources();
  try {
    if (process.env.TEMPORAL_TEST_ADDRESS) {
      say(
        `using the Temporal server at ${process.env.TEMPORAL_TEST_ADDRESS} (TEMPORAL_TEST_ADDRESS)`,
      );
    } else {
      const started = Date.now();
      const devServer = await startDevServer({
        projectRoot: PROJECT_ROOT,
        port: await getFreePort(),
        headless: true,
        namespace: 'default',
        log: (line) => {
          if (line.startsWith('temporal CLI:')) say(line);
        },
      });
      resources.devServer = devServer;
      process.env.TEMPORAL_TEST_ADDRESS = devServer.address;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      say(`Temporal dev server at ${devServer.address} (${devServer.source}) ready in ${seconds}s`);
    }

    const workflowsPath = path.join(PROJECT_ROOT, 'workflows', 'index.ts');
    // Resolved by path, not require.resolve: jest's .ts require hook is gone once this module has
    // loaded, so Node's resolver here would not find index.ts.
    if (existsSync(workflowsPath)) {
      const started = Date.now();
      const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
      const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
      resources.bundleDir = await fs.mkdtemp(path.join(os.tmpdir(), 'rollout-gate-workflows-'));
      const codePath = path.join(resources.bundleDir, 'workflow-bundle.js');
      await fs.writeFile(codePath, bundle.code);
      process.env.WORKFLOW_BUNDLE_PATH = codePath;
      say(`workflow bundle built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
  } catch (error) {
    // Jest skips globalTeardown when setup throws; don't leave a server behind.
    await resources.devServer?.stop();
    throw error;
  }
  process.stderr.write('\n');
}
