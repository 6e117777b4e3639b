// Config changes Statsig reports (`statsig::config_change`), kept as change records in the shape
// Chronosphere maps them to, in a bounded in-memory ring: the newest N survive, older ones fall off.
import type { ConfigChangeEvent } from './events';

export const DEFAULT_CHANGES_KEPT = 1000;

export interface ChangeRecord {
  category: 'feature_flags';
  /** `<type>_<action>` in lowercase, e.g. `gate_updated`. */
  type: string;
  source: 'statsig';
  /** ISO 8601, from the event's millisecond timestamp. */
  happened_at: string;
  /** `<name> <action>`. */
  title: string;
  labels: {
    type: string;
    name: string;
    action: string;
    description?: string;
    environment?: string;
  };
}

export function toChangeRecord(change: ConfigChangeEvent): ChangeRecord {
  const { type, name, action, description, environment } = change.metadata;
  return {
    category: 'feature_flags',
    type: `${type}_${action}`.toLowerCase(),
    source: 'statsig',
    happened_at: new Date(change.timestamp).toISOString(),
    title: `${name} ${action}`,
    labels: {
      type,
      name,
      action,
      ...(description !== undefined ? { description } : {}),
      ...(environment !== undefined ? { environment } : {}),
    },
  };
}

/** Whether the running reviews of the entity have been told about a change. */
export type SignalState = 'pending' | 'done' | 'failed';

interface Entry {
  key: string;
  record: ChangeRecord;
  happenedAtMs: number;
  /** Arrival order, to break ties between changes in the same millisecond. */
  seq: number;
  signalState: SignalState;
}

export interface StoredChange {
  readonly record: ChangeRecord;
  /** False when an identical change (a redelivery) was already kept. */
  readonly added: boolean;
  signalState(): SignalState;
  setSignalState(state: SignalState): void;
}

export interface ChangeQuery {
  entity?: string;
  limit: number;
}

export class ChangeStore {
  private readonly ring: Array<Entry | undefined>;
  private readonly byKey = new Map<string, Entry>();
  private next = 0;
  private seq = 0;

  constructor(readonly capacity: number = DEFAULT_CHANGES_KEPT) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error('ChangeStore capacity must be a positive integer');
    }
    this.ring = new Array<Entry | undefined>(capacity);
  }

  /**
   * Keeps a change unless an identical one is already kept: Statsig delivers at least once, and a
   * config change carries no ID of its own, so its content (time, entity, action) is the key.
   */
  add(change: ConfigChangeEvent): StoredChange {
    const { type, name, action, description } = change.metadata;
    const key = JSON.stringify([change.timestamp, type, name, action, description ?? null]);
    let entry = this.byKey.get(key);
    const added = entry === undefined;
    if (entry === undefined) {
      entry = {
        key,
        record: toChangeRecord(change),
        happenedAtMs: change.timestamp,
        seq: this.seq++,
        signalState: 'pending',
      };
      const evicted = this.ring[this.next];
      if (evicted !== undefined) this.byKey.delete(evicted.key);
      this.ring[this.next] = entry;
      this.next = (this.next + 1) % this.capacity;
      this.byKey.set(key, entry);
    }
    const kept = entry;
    return {
      record: kept.record,
      added,
      signalState: () => kept.signalState,
      setSignalState: (state) => {
        kept.signalState = state;
      },
    };
  }

  /** Newest first by when the change happened, then by arrival. */
  list({ entity, limit }: ChangeQuery): ChangeRecord[] {
    const entries: Entry[] = [];
    for (const entry of this.ring) {
      if (entry !== undefined && (entity === undefined || entry.record.labels.name === entity)) {
        entries.push(entry);
      }
    }
    entries.sort((a, b) => b.happenedAtMs - a.happenedAtMs || b.seq - a.seq);
    return entries.slice(0, limit).map((entry) => entry.record);
  }

  get size(): number {
    return this.byKey.size;
  }
}
