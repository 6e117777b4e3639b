// Configuration is validated at boot and every problem is named, without echoing secret values.
import { ConfigError, loadConfig, statsigWriteRate } from '../../src/config';

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
});
