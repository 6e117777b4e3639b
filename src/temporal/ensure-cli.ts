// `tsx src/temporal/ensure-cli.ts [--test-server]`: finds or installs the pinned Temporal CLI (or,
// with --test-server, the time-skipping test server) and prints its path on stdout (progress goes to
// stderr), so shell scripts such as .ci/run can export TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH.
import { PROJECT_ROOT } from '../config';
import { errorMessage } from '../error-message';
import {
  locateTemporalTool,
  TEMPORAL_CLI,
  TEMPORAL_MISSING_HELP,
  TEMPORAL_TEST_SERVER,
  TEMPORAL_TEST_SERVER_MISSING_HELP,
} from './cli-locator';

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const testServer = argv.includes('--test-server');
  const tool = testServer ? TEMPORAL_TEST_SERVER : TEMPORAL_CLI;
  const located = await locateTemporalTool(tool, {
    projectRoot: PROJECT_ROOT,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (located === undefined) {
    process.stderr.write(
      `${testServer ? TEMPORAL_TEST_SERVER_MISSING_HELP : TEMPORAL_MISSING_HELP}\n`,
    );
    return 1;
  }
  process.stderr.write(`${tool.label}: using ${located.path} (${located.source})\n`);
  process.stdout.write(`${located.path}\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
