// The kill switches a gate config chooses from, per suite, pipeline or entity, and how a rollback is
// narrowed. No runtime imports (workflow code reads these); re-exported by ./types.ts.

/**
 * What to do to Statsig when a review fails:
 * - `abort`: halt the trigger; Statsig reverts the entity (irreversible);
 * - `disable`: switch the whole gate or dynamic config off, outside the pipeline;
 * - `pause`: hold the trigger at its phase (`PUT …/pause`); unpausing resumes it;
 * - `rollback`: undo the phase's rules only (a gate's rules to `passPercentage` 0, a dynamic
 *   config's rules back to the baseline's `returnValue`), optionally narrowed (RollbackSetting);
 * - `none`: report only.
 */
export type KillSwitch = 'abort' | 'disable' | 'pause' | 'rollback' | 'none';
export const KILL_SWITCHES: readonly KillSwitch[] = [
  'abort',
  'disable',
  'pause',
  'rollback',
  'none',
];

/** A condition a rule must carry to be rolled back: any given field must match. */
export interface RollbackCondition {
  /** The condition's type: `custom_field`, `country`, `app_version`, `environment_tier`… */
  type?: string;
  /** A custom field's name, e.g. `region`. */
  field?: string;
  /** Any of these among the condition's target values, e.g. `['SouthAmerica']` or `['BR', 'AR']`. */
  values?: Array<string | number>;
}

/**
 * Which of the phase's rules a rollback changes; every given field narrows it. A rule without
 * environments is enabled in every one, so an environment selects it too.
 */
export interface RollbackScope {
  /** Rules enabled in any of these environments. */
  environments?: string[];
  /** Rules of these names or IDs (a region kept as its own rule, say `SouthAmerica`). */
  rules?: string[];
  /** Rules that carry a matching condition. */
  condition?: RollbackCondition;
}

/** A kill switch as a gate config names it: the action, or a rollback narrowed to some rules. */
export type KillSwitchSetting = KillSwitch | ({ action: 'rollback' } & RollbackScope);

/** What the review does after a rollback found rules to change for every failing scope. */
export type AfterRollback = 'approve' | 'pause' | 'none';
export const AFTER_ROLLBACK: readonly AfterRollback[] = ['approve', 'pause', 'none'];
