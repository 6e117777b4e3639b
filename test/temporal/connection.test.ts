// Temporal Cloud options (client certificate, API key) reach the wire: a TLS server on loopback that
// demands a client certificate sees ours and our API key, from both the client (receiver, CLI) and the
// worker's native connection. Bad settings stop the boot with the variable at fault; TLS against a
// plain server fails with a message that says what to change.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ConfigError, loadConfig, loadTemporalConfig } from '../../src/config';
import {
  connectClient,
  connectWorker,
  describeTarget,
  TemporalConnectionError,
  temporalTarget,
} from '../../src/temporal/connection';
import { testTemporalAddress } from '../helpers/temporal';

const dir = mkdtempSync(path.join(tmpdir(), 'temporal-tls-'));
const file = (name: string) => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for localhost and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  for (const [name, subject, extension] of [
    ['server', '/CN=localhost', 'subjectAltName=DNS:localhost'],
    ['client', '/CN=rollout-gate-worker', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  }
}

interface SeenCall {
  path: string;
  authorization: string | undefined;
  clientCertificate: string | undefined;
}

/** Answers every gRPC call UNAUTHENTICATED after noting who called, with what. */
function startTlsServer(): Promise<{ port: number; seen: SeenCall[]; close(): Promise<void> }> {
  const seen: SeenCall[] = [];
  const server = http2.createSecureServer({
    key: readFile('server.key'),
    cert: readFile('server.pem'),
    ca: readFile('ca.pem'),
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: false,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    seen.push({
      path: String(headers[':path']),
      authorization: headers.authorization as string | undefined,
      clientCertificate: socket?.getPeerCertificate()?.subject?.CN as string | undefined,
    });
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc' },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () =>
      stream.sendTrailers({ 'grpc-status': '16', 'grpc-message': 'test server says no' }),
    );
    stream.end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        seen,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const session of sessions) session.destroy();
          }),
      });
    });
  });
}

function readFile(name: string): Buffer {
  return readFileSync(file(name));
}

const base = { TEMPORAL_NAMESPACE: 'reviews' };

beforeAll(() => {
  makeCertificates();
  writeFileSync(file('not-a-cert.pem'), 'hello\n');
});

describe('Temporal connection options', () => {
  it('reads a client certificate pair, a CA and a server name into the TLS settings', () => {
    const config = loadTemporalConfig({
      ...base,
      TEMPORAL_ADDRESS: 'reviews.a1b2c.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT: file('client.pem'),
      TEMPORAL_TLS_KEY: file('client.key'),
      TEMPORAL_TLS_CA: file('ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'reviews.internal',
    });
    const target = temporalTarget(config, config.TEMPORAL_ADDRESS ?? '');
    expect(target.tls?.clientCertPair?.crt.toString()).toBe(readFile('client.pem').toString());
    expect(target.tls?.clientCertPair?.key.toString()).toBe(readFile('client.key').toString());
    expect(target.tls?.serverRootCACertificate?.toString()).toBe(readFile('ca.pem').toString());
    expect(target.tls?.serverNameOverride).toBe('reviews.internal');
    expect(target.apiKey).toBeUndefined();
    expect(describeTarget(target)).toBe(
      'reviews.a1b2c.tmprl.cloud:7233, namespace reviews (TLS, client certificate, custom CA)',
    );
  });

  it('turns TLS on for an API key, unless TEMPORAL_TLS=false', () => {
    const apiKey = 'eyJhbGciOi.test-api-key';
    const address = 'us-east-1.aws.api.temporal.io:7233';
    const cloud = temporalTarget(
      loadTemporalConfig({ ...base, TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: apiKey }),
      address,
    );
    expect(cloud).toEqual({ address, namespace: 'reviews', tls: {}, apiKey });
    expect(describeTarget(cloud)).not.toContain(apiKey);
    const plain = temporalTarget(
      loadTemporalConfig({
        ...base,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_API_KEY: apiKey,
        TEMPORAL_TLS: 'false',
      }),
      address,
    );
    expect(plain).toEqual({ address, namespace: 'reviews', apiKey });
  });

  it('connects in plain gRPC when nothing asks for TLS', () => {
    const target = temporalTarget(
      loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }),
      'temporal:7233',
    );
    expect(target).toEqual({ address: 'temporal:7233', namespace: 'default' });
  });

  it.each([
    [
      'a certificate without its key',
      { TEMPORAL_ADDRESS: 'x:7233', TEMPORAL_TLS_CERT: 'client.pem' },
      /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/,
    ],
    [
      'TLS options without TEMPORAL_ADDRESS',
      { TEMPORAL_API_KEY: 'key' },
      /TEMPORAL_API_KEY apply to a server named by TEMPORAL_ADDRESS/,
    ],
    ['TEMPORAL_TLS that is not a boolean', { TEMPORAL_TLS: 'maybe' }, /TEMPORAL_TLS/],
  ])('refuses %s at boot', (_label, env, message) => {
    expect(() => loadTemporalConfig(env)).toThrow(ConfigError);
    expect(() => loadTemporalConfig(env)).toThrow(message);
    // The full service configuration applies the same rules.
    expect(() =>
      loadConfig({
        STATSIG_WEBHOOK_SECRET: 'a-webhook-secret-0123456789',
        STATSIG_CONSOLE_API_KEY: 'console-x',
        ...env,
      }),
    ).toThrow(message);
  });

  it('names the variable and the path of a certificate file it cannot use, never its content', () => {
    const env = {
      TEMPORAL_ADDRESS: 'x:7233',
      TEMPORAL_TLS_CERT: file('not-a-cert.pem'),
      TEMPORAL_TLS_KEY: file('missing.key'),
    };
    const attempt = () => temporalTarget(loadTemporalConfig(env), 'x:7233');
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        `TEMPORAL_TLS_CERT names ${file('not-a-cert.pem')}, which is not a PEM certificate`,
        `TEMPORAL_TLS_KEY names ${file('missing.key')}, which cannot be read (ENOENT)`,
      ]);
      expect((error as Error).message).not.toContain('hello');
    }
  });

  it('refuses TEMPORAL_TLS=false with a client certificate', () => {
    const env = {
      TEMPORAL_ADDRESS: 'x:7233',
      TEMPORAL_TLS: 'false',
      TEMPORAL_TLS_CERT: file('client.pem'),
      TEMPORAL_TLS_KEY: file('client.key'),
    };
    expect(() => temporalTarget(loadTemporalConfig(env), 'x:7233')).toThrow(
      /TEMPORAL_TLS=false contradicts TEMPORAL_TLS_CERT/,
    );
  });
});

describe('on the wire', () => {
  let server: Awaited<ReturnType<typeof startTlsServer>>;
  const apiKey = 'test-api-key-for-the-wire';

  beforeAll(async () => {
    server = await startTlsServer();
  });

  afterAll(async () => {
    await server.close();
  });

  const target = () => {
    const address = `localhost:${server.port}`;
    return temporalTarget(
      loadTemporalConfig({
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TLS_CERT: file('client.pem'),
        TEMPORAL_TLS_KEY: file('client.key'),
        TEMPORAL_TLS_CA: file('ca.pem'),
        TEMPORAL_API_KEY: apiKey,
      }),
      address,
    );
  };

  it.each([
    ['the worker connection', () => connectWorker(target())],
    ['the client connection', () => connectClient(target())],
  ])('%s presents the client certificate and the API key', async (_label, connect) => {
    const before = server.seen.length;
    await expect(connect()).rejects.toThrow(TemporalConnectionError);
    await expect(connect()).rejects.toThrow(/test server says no/);
    const calls = server.seen.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toEqual({
      path: expect.stringMatching(/^\/temporal\.api\.workflowservice\.v1\.WorkflowService\//),
      authorization: `Bearer ${apiKey}`,
      clientCertificate: 'rollout-gate-worker',
    });
  });

  it('fails with a TLS hint when the server speaks plain gRPC (the dev server)', async () => {
    const address = testTemporalAddress();
    const tls = temporalTarget(
      loadTemporalConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS: 'true' }),
      address,
    );
    const attempt = connectWorker(tls);
    await expect(attempt).rejects.toThrow(TemporalConnectionError);
    await expect(attempt).rejects.toThrow(/uses TLS: check that the server expects TLS/);
    await expect(attempt).rejects.toThrow(`Could not connect to Temporal at ${address}`);
    // The same server without TLS answers.
    const plain = await connectWorker(
      temporalTarget(loadTemporalConfig({ TEMPORAL_ADDRESS: address }), address),
    );
    await plain.close();
  });
});
