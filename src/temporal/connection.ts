// Connections to Temporal for the two roles, and registration of the review search attributes on a
// cluster that does not have them yet (the embedded dev server registers them at start).
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from './search-attributes';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** A lazy client connection: the receiver boots even while Temporal is down, and answers 503. */
export function createClient({ address, namespace }: TemporalTarget): Client {
  return new Client({ connection: Connection.lazy({ address }), namespace });
}

export function connectWorker({ address }: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
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
