// `tsx src/temporal/ensure-cli.ts`: finds or installs the pinned Temporal CLI and prints its path
// on stdout (progress goes to stderr), so shell scripts such as .ci/run can export
// TEMPORAL_CLI_PATH from it.
import { PROJECT_ROOT } from '../config';
import { locateTemporalCli, TEMPORAL_MISSING_HELP } from './cli-locator';

export async function main(): Promise<number> {
  const cli = await locateTemporalCli({
    projectRoot: PROJECT_ROOT,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (cli === undefined) {
    process.stderr.write(`${TEMPORAL_MISSING_HELP}\n`);
    return 1;
  }
  process.stderr.write(`temporal CLI: using ${cli.path} (${cli.source})\n`);
  process.stdout.write(`${cli.path}\n`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
