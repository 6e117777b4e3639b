import fs from 'node:fs/promises';
import { testRunResources } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const resources = testRunResources();
  if (resources.devServer !== undefined) {
    await resources.devServer.stop();
    // In watch mode setup runs again in this process: it must not mistake our stopped server for
    // one the user provided.
    delete process.env.TEMPORAL_TEST_ADDRESS;
    resources.devServer = undefined;
  }
  if (resources.bundleDir !== undefined) {
    await fs.rm(resources.bundleDir, { recursive: true, force: true });
    delete process.env.WORKFLOW_BUNDLE_PATH;
    resources.bundleDir = undefined;
  }
}
