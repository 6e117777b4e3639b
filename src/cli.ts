// The process behind `rollout-gate` (bin/rollout-gate, `npm start`, the Docker image): wires the
// command line in src/cli/ to this process's streams, signals and exit code.
import { describeFailure, runCli } from './cli/main';

function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  waitForStop,
}).then(
  (code) => {
    // Long-running commands have closed everything by now; a lingering handle must not keep the
    // process up after the command is done.
    process.exit(code);
  },
  (error: unknown) => {
    const { message, exitCode } = describeFailure(error);
    process.stderr.write(`${message}\n`);
    process.exit(exitCode);
  },
);
