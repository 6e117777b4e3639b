// The sandbox's in-memory Statsig project: the entities and pipelines (entities.ts) and the
// release triggers over them (triggers.ts), loaded together from one seed.
import { EntityStore, type RuleIdOnUpdate } from './entities';
import { type SandboxSeed, sandboxSeedSchema } from './seed';
import type { PhaseReading } from './trigger-record';
import { TriggerMachine } from './triggers';

export class SandboxStore {
  readonly entities: EntityStore;
  readonly triggers: TriggerMachine;

  constructor(now: () => number, reading: PhaseReading, ruleIdOnUpdate: RuleIdOnUpdate) {
    this.entities = new EntityStore(now, ruleIdOnUpdate);
    this.triggers = new TriggerMachine(this.entities, now, reading);
  }

  /** Replaces the whole project with the seed (validated and copied); throws a ZodError. */
  load(seed: SandboxSeed): void {
    const parsed = sandboxSeedSchema.parse(structuredClone(seed));
    // Pipelines first: seeded triggers are placed on their pipeline's phases.
    this.entities.load(parsed);
    this.triggers.load(parsed.triggers ?? []);
  }
}
