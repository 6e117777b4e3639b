// The pre-commit settings: the webhook key (a comma list for rotation, unset turning the route off,
// never echoed when refused) and where served reports live for the answer's links.
import { ConfigError, loadConfig } from '../../src/config';

const valid = {
  STATSIG_WEBHOOK_SECRET: 'first-secret-0123456789',
  STATSIG_CONSOLE_API_KEY: 'console-abc',
};

it('reads the pre-commit key as a comma list, and leaves the route off without one', () => {
  expect(loadConfig(valid).STATSIG_PRECOMMIT_WEBHOOK_KEY).toBeUndefined();
  expect(
    loadConfig({ ...valid, STATSIG_PRECOMMIT_WEBHOOK_KEY: ' , ' }).STATSIG_PRECOMMIT_WEBHOOK_KEY,
  ).toBeUndefined();
  expect(
    loadConfig({
      ...valid,
      STATSIG_PRECOMMIT_WEBHOOK_KEY: 'old-key-0123456789abcdef, new-key-0123456789abcdef',
    }).STATSIG_PRECOMMIT_WEBHOOK_KEY,
  ).toEqual(['old-key-0123456789abcdef', 'new-key-0123456789abcdef']);
});

it('refuses a short key without echoing it, and a reports URL that is not one', () => {
  let error: unknown;
  try {
    loadConfig({
      ...valid,
      STATSIG_PRECOMMIT_WEBHOOK_KEY: 'short-key',
      GATE_REPORTS_URL: 'reports',
    });
  } catch (thrown) {
    error = thrown;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const { problems } = error as ConfigError;
  expect(problems).toEqual([
    expect.stringMatching(
      /^STATSIG_PRECOMMIT_WEBHOOK_KEY\.0 each key must be at least 16 characters$/,
    ),
    expect.stringMatching(/^GATE_REPORTS_URL /),
  ]);
  expect(problems.join('\n')).not.toContain('short-key');
  expect(
    loadConfig({ ...valid, GATE_REPORTS_URL: 'https://reports.example/gate' }).GATE_REPORTS_URL,
  ).toBe('https://reports.example/gate');
});
