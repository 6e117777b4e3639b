// The plain-Temporal baseline's activities, written as a team would without rollout-gate: fetch, no
// retries of their own, no schema checks, nothing stored.

/** Where the plain review reads and writes: the Statsig sandbox the reviews of the same run use. */
export interface PlainStatsig {
  consoleApiUrl: string;
  /** The sandbox's key for this bench run (random, and never a real Statsig key). */
  apiKey: string;
  triggerID: string;
  phaseID: string;
  dynamicConfigID: string;
}

async function consoleApi(statsig: PlainStatsig, method: string, path: string, body?: unknown) {
  const response = await fetch(`${statsig.consoleApiUrl}${path}`, {
    method,
    headers: {
      'STATSIG-API-KEY': statsig.apiKey,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
  return response.json();
}

export const baselineActivities = {
  /** Does nothing; answers when it ran (ms), so a run can be timed to its last activity. */
  async noop(_index: number): Promise<number> {
    return Date.now();
  },

  /** The read no review can skip: the trigger waiting for review, and the config it rolls out. */
  async readTriggerAndConfig(statsig: PlainStatsig): Promise<void> {
    await Promise.all([
      consoleApi(statsig, 'GET', `/release_pipeline_triggers/${statsig.triggerID}`),
      consoleApi(statsig, 'GET', `/dynamic_configs/${statsig.dynamicConfigID}`),
    ]);
  },

  /** The write no review can skip: approve the phase. */
  async approvePhase(statsig: PlainStatsig): Promise<void> {
    await consoleApi(statsig, 'PUT', `/release_pipeline_triggers/${statsig.triggerID}/approve`, {
      phaseID: statsig.phaseID,
    });
  },
};

export type BaselineActivities = typeof baselineActivities;
