// Least privilege, as an operator meets it: each `rollout-gate` role, run as a real process, asks
// for its own Statsig secret and no other. (The receiver starting and serving webhooks without a
// Console API key is test/receiver/listeners.test.ts.)
import { randomBytes } from 'node:crypto';
import { runBin } from '../helpers/cli';

const webhookSecret = randomBytes(24).toString('hex');

describe('rollout-gate roles and their secrets', () => {
  it.each([['worker'], ['start']])(
    'refuses to start %s without STATSIG_CONSOLE_API_KEY, naming it',
    async (role) => {
      const { code, stderr } = await runBin([role], {
        env: { STATSIG_WEBHOOK_SECRET: webhookSecret },
      });
      expect(code).toBe(1);
      expect(stderr).toContain('Invalid configuration');
      expect(stderr).toMatch(/STATSIG_CONSOLE_API_KEY is required by the worker/);
      expect(stderr).not.toContain(webhookSecret);
    },
  );

  it('refuses to start a receiver without its webhook secret, and asks for nothing else', async () => {
    const { code, stderr } = await runBin(['receiver'], {});
    expect(code).toBe(1);
    expect(stderr).toMatch(/STATSIG_WEBHOOK_SECRET is required by the receiver/);
    expect(stderr).not.toContain('STATSIG_CONSOLE_API_KEY');
  });
});
