// Connections to Temporal for the two roles (a plain server, a TLS cluster or Temporal Cloud with a
// client certificate or an API key), and registration of the review search attributes on a cluster
// that does not have them yet (the embedded dev server registers them at start).
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { ConfigError, type TemporalConfig } from '../config';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** TLS settings; undefined means plain gRPC. */
  tls?: TLSConfig;
  /** Sent as `Authorization: Bearer …` on every call (Temporal Cloud API keys). */
  apiKey?: string;
}

type PemVariable = 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA';

const PEM_LABELS: Record<PemVariable, RegExp> = {
  TEMPORAL_TLS_CERT: /-----BEGIN CERTIFICATE-----/,
  TEMPORAL_TLS_KEY: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/,
  TEMPORAL_TLS_CA: /-----BEGIN CERTIFICATE-----/,
};

/** Reads a PEM file named by a variable; problems name the variable and path, never the content. */
function readPem(name: PemVariable, file: string, problems: string[]): Buffer | undefined {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${name} names ${file}, which cannot be read (${code})`);
    return undefined;
  }
  if (!PEM_LABELS[name].test(content.toString('latin1'))) {
    const what = name === 'TEMPORAL_TLS_KEY' ? 'a PEM private key' : 'a PEM certificate';
    problems.push(`${name} names ${file}, which is not ${what}`);
    return undefined;
  }
  return content;
}

/**
 * The connection settings for `address` from the environment's TLS and API key options. Reads the
 * certificate files now, so a missing or wrong file stops the process at boot with a ConfigError.
 */
export function temporalTarget(config: TemporalConfig, address: string): TemporalTarget {
  const problems: string[] = [];
  const target: TemporalTarget = { address, namespace: config.TEMPORAL_NAMESPACE };
  const wantsTls =
    config.TEMPORAL_TLS ??
    (config.TEMPORAL_TLS_CERT !== undefined ||
      config.TEMPORAL_TLS_CA !== undefined ||
      config.TEMPORAL_TLS_SERVER_NAME !== undefined ||
      config.TEMPORAL_API_KEY !== undefined);
  if (!wantsTls && config.TEMPORAL_TLS_CERT !== undefined) {
    problems.push(
      'TEMPORAL_TLS=false contradicts TEMPORAL_TLS_CERT: a client certificate needs TLS',
    );
  }
  if (wantsTls) {
    const tls: TLSConfig = {};
    if (config.TEMPORAL_TLS_CERT !== undefined && config.TEMPORAL_TLS_KEY !== undefined) {
      const crt = readPem('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT, problems);
      const key = readPem('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY, problems);
      if (crt && key) tls.clientCertPair = { crt, key };
    }
    if (config.TEMPORAL_TLS_CA !== undefined) {
      const ca = readPem('TEMPORAL_TLS_CA', config.TEMPORAL_TLS_CA, problems);
      if (ca) tls.serverRootCACertificate = ca;
    }
    if (config.TEMPORAL_TLS_SERVER_NAME !== undefined) {
      tls.serverNameOverride = config.TEMPORAL_TLS_SERVER_NAME;
    }
    target.tls = tls;
  }
  if (config.TEMPORAL_API_KEY !== undefined) target.apiKey = config.TEMPORAL_API_KEY;
  if (problems.length > 0) throw new ConfigError(problems);
  return target;
}

/** How a target connects, for messages: never the key or a certificate. */
export function describeTarget(target: TemporalTarget): string {
  const security: string[] = [];
  if (target.tls) security.push('TLS');
  if (target.tls?.clientCertPair) security.push('client certificate');
  if (target.tls?.serverRootCACertificate) security.push('custom CA');
  if (target.apiKey !== undefined) security.push('API key');
  const how = security.length > 0 ? security.join(', ') : 'plain gRPC, no TLS';
  return `${target.address}, namespace ${target.namespace} (${how})`;
}

export class TemporalConnectionError extends Error {
  readonly code = 'TEMPORAL_CONNECT_FAILED';
  constructor(target: TemporalTarget, cause: unknown) {
    const reason = causeChain(cause);
    const hint = target.tls
      ? 'The connection uses TLS: check that the server expects TLS (a local dev server does not: set TEMPORAL_TLS=false or unset the TLS options), and that TEMPORAL_TLS_CA and TEMPORAL_TLS_SERVER_NAME match its certificate.'
      : 'Check TEMPORAL_ADDRESS and that the server is up. Temporal Cloud needs TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY.';
    super(`Could not connect to Temporal at ${describeTarget(target)}: ${reason}\n${hint}`);
    this.name = 'TemporalConnectionError';
  }
}

/** `message: cause's message: …`, as the SDK wraps the gRPC error that says what happened. */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    if (!messages.includes(current.message)) messages.push(current.message);
    current = current.cause;
  }
  return messages.length > 0 ? messages.join(': ') : String(error);
}

function connectionOptions(target: TemporalTarget) {
  return {
    address: target.address,
    // false, not undefined: the SDK turns TLS on by itself when an API key is set.
    tls: target.tls ?? false,
    ...(target.apiKey !== undefined ? { apiKey: target.apiKey } : {}),
  };
}

/** A lazy client connection: the receiver boots even while Temporal is down, and answers 503. */
export function createClient(target: TemporalTarget): Client {
  return new Client({
    connection: Connection.lazy(connectionOptions(target)),
    namespace: target.namespace,
  });
}

/** An eager client connection, for commands that should fail at once with a clear message. */
export async function connectClient(
  target: TemporalTarget,
  options: { connectTimeoutMs?: number } = {},
): Promise<Client> {
  try {
    const connection = await Connection.connect({
      ...connectionOptions(target),
      ...(options.connectTimeoutMs !== undefined
        ? { connectTimeout: options.connectTimeoutMs }
        : {}),
    });
    return new Client({ connection, namespace: target.namespace });
  } catch (error) {
    throw new TemporalConnectionError(target, error);
  }
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(target));
  } catch (error) {
    throw new TemporalConnectionError(target, error);
  }
}

export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const operator = client.connection.operatorService;
  const existing = await operator.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.values(SEARCH_ATTRIBUTES)
    .map((key) => key.name)
    .filter((name) => !known.has(name));
  if (missing.length > 0) {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((name) => [
          name,
          temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        ]),
      ),
    });
  }
  return missing;
}

/** Whether the Temporal frontend answers within `timeoutMs`: readiness, and waiting for a start. */
export async function temporalAnswers(client: Client, timeoutMs = 2_000): Promise<boolean> {
  try {
    await client.connection.withDeadline(Date.now() + timeoutMs, () =>
      client.connection.workflowService.getSystemInfo({}),
    );
    return true;
  } catch {
    return false;
  }
}
