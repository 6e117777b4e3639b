// `send-webhook` and `verify-signature` against a real receiver on loopback: what an operator runs to
// check an installation, and to find out why a delivery was refused.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { getFreePort } from '../../src/temporal/dev-server';
import { ROOT, runBin } from '../helpers/cli';
import { type TestReceiver, useTestReceiver, workflowExists } from '../receiver/helpers';

let client: Client;
let receiver: TestReceiver;

useTestReceiver((started) => {
  ({ client, receiver } = started);
});

const sample = (name: string) => path.join(ROOT, 'deploy', 'webhooks', name);
const webhookUrl = () => `${receiver.url}/webhooks/statsig`;

describe('send-webhook', () => {
  it('signs a sample review event; the receiver accepts it and the review starts', async () => {
    const { code, stdout, stderr } = await runBin(['send-webhook', sample('review.json')], {
      env: { STATSIG_WEBHOOK_SECRET: receiver.secret, PORT: new URL(receiver.url).port },
    });
    expect(stderr).toMatch(/POST http:\/\/localhost:\d+\/webhooks\/statsig \(\d+ bytes, signed at/);
    expect(stderr).toContain('HTTP 200');
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer.events[0]).toMatchObject({
      kind: 'review',
      workflowId: 'review-rpt_example-rp_example_p10',
    });
    expect(await workflowExists(client, 'review-rpt_example-rp_example_p10')).toBe(true);
    expect(stderr + stdout).not.toContain(receiver.secret);
  });

  it.each([
    ['config-change.json', { kind: 'config_change', status: 'recorded' }],
    ['url-verification.json', undefined],
  ])('delivers the sample %s', async (file, event) => {
    const { code, stdout } = await runBin([
      'send-webhook',
      sample(file),
      '--url',
      webhookUrl(),
      '--secret',
      receiver.secret,
    ]);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    if (event) expect(answer.events[0]).toMatchObject(event);
    else expect(answer).toEqual({ verification_code: 'example-verification-code' });
  });

  it('reads the payload from standard input', async () => {
    const { code, stdout } = await runBin(
      ['send-webhook', '-', '--url', webhookUrl(), '--secret', receiver.secret],
      { input: '[]' },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ received: 0, unreadable: 0, events: [] });
  });

  it('exits 1 and shows the refusal when the receiver has another secret', async () => {
    const { code, stdout, stderr } = await runBin(
      ['send-webhook', sample('review.json'), '--url', webhookUrl()],
      { env: { STATSIG_WEBHOOK_SECRET: randomBytes(20).toString('hex') } },
    );
    expect(code).toBe(1);
    expect(stderr).toContain('HTTP 401');
    expect(JSON.parse(stdout).error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('exits 1 with the reason when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await getFreePort()}/webhooks/statsig`;
    const { code, stderr } = await runBin([
      'send-webhook',
      sample('review.json'),
      '--url',
      url,
      '--secret',
      receiver.secret,
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain(`Could not reach ${url}: connect ECONNREFUSED`);
  });

  it('exits 2 without a secret, and 1 for a file that does not exist', async () => {
    const noSecret = await runBin(['send-webhook', sample('review.json'), '--url', webhookUrl()]);
    expect([noSecret.code, noSecret.stderr]).toEqual([
      2,
      expect.stringContaining('No secret: pass --secret or set STATSIG_WEBHOOK_SECRET.'),
    ]);
    const noFile = await runBin(['send-webhook', 'nowhere.json', '--secret', receiver.secret]);
    expect([noFile.code, noFile.stderr]).toEqual([1, expect.stringContaining('(ENOENT)')]);
  });
});

describe('verify-signature', () => {
  /** What a capture of one delivery holds: the exact body and the two headers. */
  interface Capture {
    body: Buffer;
    timestamp: string;
    signature: string;
  }

  /** Sends a sample through send-webhook to a server that captures the request. */
  async function capture(secret: string): Promise<Capture> {
    let captured: Capture | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        captured = {
          body: Buffer.concat(chunks),
          timestamp: String(request.headers['x-statsig-request-timestamp']),
          signature: String(request.headers['x-statsig-signature']),
        };
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const sent = await runBin(
        ['send-webhook', sample('review.json'), '--url', `http://127.0.0.1:${port}/`],
        { env: { STATSIG_WEBHOOK_SECRET: secret } },
      );
      expect(sent.code).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (!captured) throw new Error('nothing was captured');
    return captured;
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'verify-'));
  function bodyFile(name: string, content: Buffer | string): string {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  const verify = (file: string, { timestamp, signature }: Capture, extra: string[] = []) => [
    'verify-signature',
    '--body',
    file,
    '--timestamp',
    timestamp,
    '--signature',
    signature,
    ...extra,
  ];

  it('confirms a captured delivery, naming which of the rotated secrets signed it', async () => {
    const [oldSecret, newSecret] = [
      randomBytes(20).toString('hex'),
      randomBytes(20).toString('hex'),
    ];
    const captured = await capture(newSecret);
    const file = bodyFile('good.json', captured.body);
    const { code, stdout } = await runBin(verify(file, captured), {
      env: { STATSIG_WEBHOOK_SECRET: `${oldSecret},${newSecret}` },
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^valid: signed with secret 2 of 2, signed \d+ s ago/);
  });

  it('says the capture gained a final newline when only that breaks it', async () => {
    const secret = randomBytes(20).toString('hex');
    const captured = await capture(secret);
    const file = bodyFile('newline.json', Buffer.concat([captured.body, Buffer.from('\n')]));
    const { code, stdout } = await runBin(verify(file, captured, ['--secret', secret]));
    expect(code).toBe(1);
    expect(stdout).toContain('invalid: SIGNATURE_MISMATCH');
    expect(stdout).toContain('It matches without the final newline');
  });

  it('exits 1 for another secret, and for an old delivery when asked to check its age', async () => {
    const secret = randomBytes(20).toString('hex');
    const captured = await capture(secret);
    const file = bodyFile('other.json', captured.body);
    const wrong = await runBin(
      verify(file, captured, ['--secret', randomBytes(20).toString('hex')]),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/invalid: SIGNATURE_MISMATCH[\s\S]*exact bytes/);

    const old = { ...captured, timestamp: String(Number(captured.timestamp) - 3_600_000) };
    const stale = await runBin(verify(file, old, ['--secret', secret, '--max-age-ms', '300000']));
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/invalid: TIMESTAMP_OUT_OF_TOLERANCE, signed 60 min ago/);

    const seconds = await runBin(
      verify(file, { ...captured, timestamp: captured.timestamp.slice(0, 10) }, [
        '--secret',
        secret,
      ]),
    );
    expect(seconds.code).toBe(1);
    expect(seconds.stdout).toContain('invalid: TIMESTAMP_INVALID');
  });
});
