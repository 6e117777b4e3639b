export const baselineActivities = {
  /** Does nothing; answers when it ran (ms), so a run can be timed to its last activity. */
  async noop(_index: number): Promise<number> {
    return Date.now();
  },
};

export type BaselineActivities = typeof baselineActivities;
