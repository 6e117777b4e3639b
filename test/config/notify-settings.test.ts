// The settings of the catch-up, stuck reviews and notifications: durations, URLs, the secret a
// signed webhook needs, and the credentials that benchmark scripts never inherit.
import { ConfigError, loadConfig } from '../../src/config';
import { allowedEnvironment } from '../../src/gate/kinds/command-env';
import { workerSecrets } from '../../src/runtime/roles';

const base = { STATSIG_WEBHOOK_SECRET: 'w'.repeat(24), STATSIG_CONSOLE_API_KEY: 'console-key' };

it('catches up every 5 minutes and counts a review stuck after 10 by default', () => {
  const config = loadConfig(base);
  expect(config.STATSIG_CATCHUP_INTERVAL).toBe(5 * 60_000);
  expect(config.REVIEW_STUCK_AFTER).toBe(10 * 60_000);
  expect(config.NOTIFY_SLACK_WEBHOOK_URL).toBeUndefined();
});

it.each([
  ['30s', 30_000],
  ['1h', 3_600_000],
  ['90m', 5_400_000],
  ['off', undefined],
  ['OFF', undefined],
])('reads STATSIG_CATCHUP_INTERVAL=%s', (value, expected) => {
  expect(loadConfig({ ...base, STATSIG_CATCHUP_INTERVAL: value }).STATSIG_CATCHUP_INTERVAL).toBe(
    expected,
  );
});

it.each([
  [
    'STATSIG_CATCHUP_INTERVAL',
    '5',
    "must be a duration such as 30s, 5m or 1h, at least 10s, or 'off'",
  ],
  [
    'STATSIG_CATCHUP_INTERVAL',
    '2s',
    "must be a duration such as 30s, 5m or 1h, at least 10s, or 'off'",
  ],
  ['REVIEW_STUCK_AFTER', 'off', 'must be a duration such as 30s, 5m or 1h, at least 1s'],
  ['NOTIFY_SLACK_WEBHOOK_URL', 'hooks.slack.com/x', 'must be an http(s) URL'],
  ['NOTIFY_WEBHOOK_SECRET', 'short', 'must be at least 16 characters'],
])('refuses %s=%s', (name, value, message) => {
  const attempt = () => loadConfig({ ...base, [name]: value });
  expect(attempt).toThrow(ConfigError);
  expect(attempt).toThrow(`${name} ${message}`);
});

it('needs a secret for the signed webhook', () => {
  const url = { NOTIFY_WEBHOOK_URL: 'https://hooks.example/rollout' };
  expect(() => loadConfig({ ...base, ...url })).toThrow(
    'NOTIFY_WEBHOOK_URL needs NOTIFY_WEBHOOK_SECRET',
  );
  const config = loadConfig({ ...base, ...url, NOTIFY_WEBHOOK_SECRET: 's'.repeat(16) });
  expect(config.NOTIFY_WEBHOOK_URL).toBe(url.NOTIFY_WEBHOOK_URL);
});

it('keeps the Slack URL and the webhook secret from benchmark scripts', () => {
  const slack = 'https://hooks.slack.com/services/T000/B000/notarealtoken';
  const secret = 'n'.repeat(20);
  const env = {
    ...base,
    NOTIFY_SLACK_WEBHOOK_URL: slack,
    NOTIFY_WEBHOOK_URL: 'https://hooks.example/rollout',
    NOTIFY_WEBHOOK_SECRET: secret,
  };
  // A command benchmark starts from the allow-list: neither variable reaches its script ...
  const scriptEnv = allowedEnvironment([], { PATH: '/usr/bin', ...env });
  expect(Object.keys(scriptEnv)).toEqual(['PATH']);
  // ... and if a script prints them anyway (named in `inherit`), the worker masks both values.
  expect(workerSecrets(loadConfig(env))).toEqual(expect.arrayContaining([slack, secret]));
});
