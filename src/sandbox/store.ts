// The sandbox's in-memory Statsig project: the entities and pipelines (entities.ts) and the
// release triggers over them (triggers.ts), loaded together from one seed, and the Pulse results
// tests set for gate rules (pulse.ts).
import { EntityStore, type RuleIdOnUpdate } from './entities';
import { SandboxError } from './errors';
import { PulseStore } from './pulse';
import { type SandboxSeed, sandboxSeedSchema } from './seed';
import type { PhaseReading } from './trigger-record';
import { TriggerMachine } from './triggers';

export class SandboxStore {
  readonly entities: EntityStore;
  readonly triggers: TriggerMachine;
  /** Pulse results per gate rule, as tests set them. */
  readonly pulse: PulseStore;

  constructor(now: () => number, reading: PhaseReading, ruleIdOnUpdate: RuleIdOnUpdate) {
    this.entities = new EntityStore(now, ruleIdOnUpdate);
    this.triggers = new TriggerMachine(this.entities, now, reading);
    this.pulse = new PulseStore(now);
  }

  /** Sets a gate rule's Pulse results; throws the gate's or the rule's 404, or a 400. */
  setPulseResults(gateID: string, ruleID: string, results: unknown) {
    this.gateRule(gateID, ruleID);
    return this.pulse.set(gateID, ruleID, results);
  }

  /** A gate rule's Pulse results (none yet unless set); throws the gate's or the rule's 404. */
  pulseResults(gateID: string, ruleID: string) {
    this.gateRule(gateID, ruleID);
    return this.pulse.get(gateID, ruleID);
  }

  private gateRule(gateID: string, ruleID: string): void {
    const gate = this.entities.entity('gate', gateID);
    if (!gate.rules.some((rule) => rule.id === ruleID)) {
      throw new SandboxError('RULE_NOT_FOUND', 404, `Rule ${ruleID} not found on ${gateID}`);
    }
  }

  /** Replaces the whole project with the seed (validated and copied); throws a ZodError. */
  load(seed: SandboxSeed): void {
    const parsed = sandboxSeedSchema.parse(structuredClone(seed));
    // Pipelines first: seeded triggers are placed on their pipeline's phases.
    this.entities.load(parsed);
    this.triggers.load(parsed.triggers ?? []);
    this.pulse.clear();
  }
}
