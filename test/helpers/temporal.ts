// What tests need to reach the dev server and workflow code that test/global-setup.ts prepared.
export function testTemporalAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    throw new Error(
      'TEMPORAL_TEST_ADDRESS is not set: run the tests through jest, whose globalSetup starts the dev server.',
    );
  }
  return address;
}

/** Spread into `Worker.create`: the bundle globalSetup built once, else the sources (slower). */
export function workflowBundleOption():
  | { workflowBundle: { codePath: string } }
  | { workflowsPath: string } {
  const codePath = process.env.WORKFLOW_BUNDLE_PATH;
  if (codePath) return { workflowBundle: { codePath } };
  return { workflowsPath: require.resolve('../../workflows') };
}
