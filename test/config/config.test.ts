// Configuration is validated at boot and every problem is named, without echoing secret values.
import {
  ConfigError,
  loadConfig,
  parseDuration,
  parseSize,
  statsigWriteRate,
} from '../../src/config';

const valid = {
  STATSIG_WEBHOOK_SECRET: 'first-secret-0123456789, second-secret-0123456789',
  STATSIG_CONSOLE_API_KEY: 'console-abc',
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      STATSIG_CONSOLE_API_URL: 'https://statsigapi.net/console/v1',
      STATSIG_EVENTS_API_URL: 'https://events.statsigapi.net/v1',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'rollout-gate',
      PORT: 3000,
      WEBHOOK_TOLERANCE_MS: 300_000,
      WEBHOOK_BODY_LIMIT_BYTES: 1_048_576,
    });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.GATE_CONFIG).toMatch(/examples[/\\]prompt-gate\.ts$/);
    expect(config.GATE_REPORTS_DIR).toMatch(/\.data[/\\]reports$/);
    expect(loadConfig({ ...valid, GATE_REPORTS_DIR: '/srv/reports' }).GATE_REPORTS_DIR).toBe(
      '/srv/reports',
    );
  });

  it('keeps Statsig writes under both of its windows, the 15-minute quota binding by default', () => {
    const shipped = loadConfig(valid);
    expect([shipped.STATSIG_WRITES_PER_10S, shipped.STATSIG_WRITES_PER_15MIN]).toEqual([80, 720]);
    expect(statsigWriteRate(shipped)).toBe(0.8);
    // A project with the newer, larger quota: the 10-second window binds instead.
    expect(statsigWriteRate(loadConfig({ ...valid, STATSIG_WRITES_PER_15MIN: '14400' }))).toBe(8);
    // An explicit rate wins over both.
    expect(statsigWriteRate(loadConfig({ ...valid, STATSIG_WRITES_PER_SECOND: '2.5' }))).toBe(2.5);
    expect(statsigWriteRate(loadConfig({ ...valid, STATSIG_WRITES_PER_SECOND: '' }))).toBe(0.8);
  });

  it('splits a comma-separated secret list for rotation', () => {
    expect(loadConfig(valid).STATSIG_WEBHOOK_SECRET).toEqual([
      'first-secret-0123456789',
      'second-secret-0123456789',
    ]);
  });

  it('names every missing or bad variable at once', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'eighty',
        WEBHOOK_TOLERANCE_MS: '0',
        STATSIG_CONSOLE_API_URL: 'not a url',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const names = (error as ConfigError).problems.map((problem) => problem.split(' ')[0]);
      expect(names.sort()).toEqual(
        [
          'PORT',
          'STATSIG_CONSOLE_API_KEY',
          'STATSIG_CONSOLE_API_URL',
          'STATSIG_WEBHOOK_SECRET',
          'WEBHOOK_TOLERANCE_MS',
        ].sort(),
      );
    }
  });

  it('refuses a zero or negative signature tolerance instead of disabling the check', () => {
    expect(() => loadConfig({ ...valid, WEBHOOK_TOLERANCE_MS: '0' })).toThrow(
      /WEBHOOK_TOLERANCE_MS/,
    );
    expect(() => loadConfig({ ...valid, WEBHOOK_TOLERANCE_MS: '-5' })).toThrow(
      /WEBHOOK_TOLERANCE_MS/,
    );
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'short';
    try {
      loadConfig({ ...valid, STATSIG_WEBHOOK_SECRET: secret });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain('STATSIG_WEBHOOK_SECRET');
      expect((error as Error).message).not.toContain(`'${secret}'`);
    }
  });

  it('applies the listener, rate-limit and retention defaults', () => {
    expect(loadConfig(valid)).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 3000,
      INTERNAL_HOST: '127.0.0.1',
      INTERNAL_PORT: 9465,
      WEBHOOK_RATE_LIMIT_PER_MINUTE: 0,
      WEBHOOK_UNVERIFIED_PER_MINUTE: 60,
      TRUST_PROXY: false,
      GATE_REPORTS_PRUNE_INTERVAL: 3_600_000,
    });
    expect(loadConfig(valid).GATE_REPORTS_MAX_AGE).toBeUndefined();
    expect(loadConfig(valid).GATE_REPORTS_MAX_BYTES).toBeUndefined();
  });

  it('reads INTERNAL_PORT as a port or shared, and TRUST_PROXY as Fastify does', () => {
    expect(loadConfig({ ...valid, INTERNAL_PORT: 'shared' }).INTERNAL_PORT).toBe('shared');
    expect(loadConfig({ ...valid, INTERNAL_PORT: '9100' }).INTERNAL_PORT).toBe(9100);
    expect(() => loadConfig({ ...valid, INTERNAL_PORT: 'off' })).toThrow(/INTERNAL_PORT/);
    expect(loadConfig({ ...valid, TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ ...valid, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ ...valid, TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '192.0.2.1',
    ]);
    expect(() => loadConfig({ ...valid, TRUST_PROXY: 'the proxy' })).toThrow(/TRUST_PROXY/);
  });

  it('reuses benchmark runs for 7 days unless GATE_CACHE_MAX_AGE says otherwise or off', () => {
    expect(loadConfig(valid).GATE_CACHE_MAX_AGE).toBe(7 * 86_400_000);
    expect(loadConfig({ ...valid, GATE_CACHE_MAX_AGE: '12h' }).GATE_CACHE_MAX_AGE).toBe(43_200_000);
    expect(loadConfig({ ...valid, GATE_CACHE_MAX_AGE: 'off' }).GATE_CACHE_MAX_AGE).toBeUndefined();
    expect(() => loadConfig({ ...valid, GATE_CACHE_MAX_AGE: 'a week' })).toThrow(
      /GATE_CACHE_MAX_AGE must be a duration/,
    );
  });

  it('reads retention as durations and sizes, off when unset', () => {
    const config = loadConfig({
      ...valid,
      GATE_REPORTS_MAX_AGE: '30d',
      GATE_REPORTS_MAX_BYTES: '2GiB',
      GATE_REPORTS_PRUNE_INTERVAL: '15m',
    });
    expect(config.GATE_REPORTS_MAX_AGE).toBe(30 * 86_400_000);
    expect(config.GATE_REPORTS_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(config.GATE_REPORTS_PRUNE_INTERVAL).toBe(15 * 60_000);
    expect(loadConfig({ ...valid, GATE_REPORTS_MAX_AGE: 'off' }).GATE_REPORTS_MAX_AGE).toBe(
      undefined,
    );
    expect(() => loadConfig({ ...valid, GATE_REPORTS_MAX_AGE: '30' })).toThrow(
      /GATE_REPORTS_MAX_AGE must be a duration/,
    );
    expect(() => loadConfig({ ...valid, GATE_REPORTS_PRUNE_INTERVAL: '10s' })).toThrow(
      /GATE_REPORTS_PRUNE_INTERVAL/,
    );
    expect([
      parseDuration('12h'),
      parseDuration('1.5d'),
      parseDuration('90'),
      parseDuration(''),
    ]).toEqual([43_200_000, 129_600_000, undefined, undefined]);
    expect([parseSize('500MB'), parseSize('1024'), parseSize('10 gb'), parseSize('x')]).toEqual([
      500e6,
      1024,
      10e9,
      undefined,
    ]);
  });
});

describe('loadConfig for one role', () => {
  const receiverOnly = { receiver: true, worker: false };
  const workerOnly = { receiver: false, worker: true };

  it('starts a receiver without a Console API key, and a worker without a webhook secret', () => {
    const receiver = loadConfig(
      { STATSIG_WEBHOOK_SECRET: valid.STATSIG_WEBHOOK_SECRET },
      receiverOnly,
    );
    expect(receiver.STATSIG_CONSOLE_API_KEY).toBeUndefined();
    const worker = loadConfig({ STATSIG_CONSOLE_API_KEY: 'console-abc' }, workerOnly);
    expect(worker.STATSIG_WEBHOOK_SECRET).toBeUndefined();
  });

  it.each([
    ['worker', workerOnly, 'STATSIG_CONSOLE_API_KEY', /by the worker.*receiver does not need it/],
    ['receiver', receiverOnly, 'STATSIG_WEBHOOK_SECRET', /by the receiver/],
  ] as const)('names the secret the %s needs when it is missing', (_role, roles, name, why) => {
    const attempt = () => loadConfig({ [name]: '  ' }, roles);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`${name} is required`));
    expect(attempt).toThrow(why);
  });

  it("still names every problem at once, the role's secret among them", () => {
    try {
      loadConfig({ PORT: 'eighty' }, workerOnly);
      throw new Error('expected a ConfigError');
    } catch (error) {
      const names = (error as ConfigError).problems.map((problem) => problem.split(' ')[0]);
      expect(names.sort()).toEqual(['PORT', 'STATSIG_CONSOLE_API_KEY']);
    }
  });
});
